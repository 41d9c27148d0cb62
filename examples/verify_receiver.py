#!/usr/bin/env python3
"""Receiving Ricochet's feedback-loop calls in Python, verifying their signatures
with off-the-shelf libraries:

    pip install standardwebhooks cryptography http-message-signatures requests

- Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature): the
  `standardwebhooks` package, with the loop's secret (whsec_...).
- HTTP Message Signatures (RFC 9421: Signature-Input and Signature, Ed25519),
  which new loops carry: the `http-message-signatures` package, with the key
  named by keyid from Ricochet's key set at /.well-known/ricochet-keys; it
  checks Content-Digest against the body too.
- The classic Signature header (draft-cavage-http-signatures-12, rsa-sha256),
  for loops with the classic-rsa scheme: `cryptography`, with the public key
  named by keyId from the same key set (or from DNS: `ricochet keys dns`).

Run it as a stand-in receiver:

    python3 examples/verify_receiver.py --port 9000 --secret whsec_... \
        --keys-url http://127.0.0.1:8080/.well-known/ricochet-keys \
        --validation-file ricochet-xxxx.txt:CONTENT

Each call prints one JSON line: the verdicts and the fields.
"""
import argparse
import base64
import hashlib
import http.server
import json
import sys
import urllib.parse
import urllib.request

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms
from standardwebhooks.webhooks import Webhook

SIGNED_HEADERS = "(request-target) host date content-type content-length x-ricochet-account digest x-nonce"


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_int(text):
    return int.from_bytes(b64url(text), "big")


def fetch_keys(url):
    """kid -> public key, from the JSON Web Key Set: RSA keys and Ed25519 (OKP) keys."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        keys = json.load(answer)["keys"]
    found = {}
    for k in keys:
        if k["kty"] == "RSA":
            found[k["kid"]] = rsa.RSAPublicNumbers(b64url_int(k["e"]), b64url_int(k["n"])).public_key()
        elif k["kty"] == "OKP" and k.get("crv") == "Ed25519":
            found[k["kid"]] = Ed25519PublicKey.from_public_bytes(b64url(k["x"]))
    return found


class KeySet(HTTPSignatureKeyResolver):
    def __init__(self, keys):
        self.keys = keys

    def resolve_public_key(self, key_id):
        return self.keys[key_id]


def verify_message_signature(url, headers, body, keys):
    """Raises unless the RFC 9421 signature covers what a delivery must and verifies."""
    message = requests.Request("POST", url, headers=headers, data=body).prepare()
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=KeySet(keys))
    verifier.verify(message, body=body, require_components=(
        "@method", "@target-uri", "content-digest", "content-type", "webhook-id"))


def verify_classic(method, target, headers, body, keys):
    """Raises ValueError unless the Signature header is valid for this request."""
    params = {}
    for part in headers["signature"].split(","):
        name, _, value = part.partition("=")
        params[name.strip()] = value.strip().strip('"')
    if params.get("algorithm") != "rsa-sha256" or params.get("headers") != SIGNED_HEADERS:
        raise ValueError("unexpected algorithm or header list")
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    if headers.get("digest") != digest:
        raise ValueError("the body does not match its Digest")
    key = keys.get(params.get("keyId"))
    if key is None:
        raise ValueError("unknown keyId " + params.get("keyId", ""))
    lines = ["(request-target): %s %s" % (method.lower(), target)]
    for name in SIGNED_HEADERS.split()[1:]:
        lines.append("%s: %s" % (name, headers.get(name, "")))
    # Raises InvalidSignature when it does not verify.
    key.verify(base64.b64decode(params["signature"]), "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())


def make_handler(secret, keys_url, files):
    webhook = Webhook(secret)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            content = files.get(name)
            self.send_response(200 if content is not None else 404)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write((content or "not found").encode())

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verdict = {"path": self.path, "webhook_id": headers.get("webhook-id")}
            try:
                webhook.verify(body, headers, json_parse=False)
                verdict["standard_webhooks"] = "valid"
            except Exception as error:  # the library raises WebhookVerificationError
                verdict["standard_webhooks"] = "invalid: %s" % error
            keys = fetch_keys(keys_url)
            if "signature-input" in headers:
                # The URL as the sender addressed it (behind a proxy, the public one).
                url = "http://%s%s" % (headers.get("host", ""), self.path)
                try:
                    verify_message_signature(url, headers, body, keys)
                    verdict["message_signature"] = "valid"
                except Exception as error:
                    verdict["message_signature"] = "invalid: %r" % error
            elif "signature" in headers:
                try:
                    verify_classic("POST", self.path, headers, body, keys)
                    verdict["signature"] = "valid"
                except Exception as error:
                    verdict["signature"] = "invalid: %r" % error
            verdict["body"] = body.decode("utf-8", "replace")
            if headers.get("content-type", "").startswith("application/json"):
                verdict["fields"] = json.loads(body)
            else:
                verdict["fields"] = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
            print(json.dumps(verdict), flush=True)
            checked = [verdict.get(name) for name in ("message_signature", "signature") if name in verdict]
            ok = verdict["standard_webhooks"] == "valid" and checked and all(v == "valid" for v in checked)
            self.send_response(200 if ok else 401)
            self.end_headers()

        def log_message(self, format, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True, help="the loop's whsec_ secret")
    parser.add_argument("--keys-url", required=True, help="Ricochet's /.well-known/ricochet-keys")
    parser.add_argument("--validation-file", action="append", default=[], help="NAME:CONTENT to serve")
    args = parser.parse_args()
    files = dict(item.split(":", 1) for item in args.validation_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.secret, args.keys_url, files))
    print(json.dumps({"listening": args.port}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
