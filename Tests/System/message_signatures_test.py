#!/usr/bin/env python3
"""RFC 9421 as a receiver checks it: the release binary delivers an open to a
loop with the default schemes, and the `http-message-signatures` package from
PyPI verifies the request with the Ed25519 key from the installation's key
set (Content-Digest checked against the body); a changed body, URL or
webhook-id fails, and a loop asking for the classic scheme gets no RFC 9421
signature.

    message_signatures_test.py BIN
"""
import base64
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.request

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Receiver, api, check, eventually, finish, serve  # noqa: E402

BIN = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="ricochet-rfc9421.")


class KeySet(HTTPSignatureKeyResolver):
    def __init__(self, jwks):
        self.keys = {k["kid"]: k for k in jwks["keys"] if k.get("kty") == "OKP"}

    def resolve_public_key(self, key_id):
        x = self.keys[key_id]["x"]
        return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))


def verify(resolver, url, headers, body):
    """The package's verdict on a POST as received: its results, or the error's words."""
    message = requests.Request("POST", url, headers=headers, data=body).prepare()
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    try:
        return verifier.verify(message, require_components=("@method", "@target-uri", "content-digest",
                                                           "content-type", "webhook-id"), body=body)
    except Exception as error:  # the package raises its own InvalidSignature and others
        return f"{type(error).__name__}: {error}"


def main():
    server, base, key = serve(BIN, WORK, "--smtp", "off", "--allow-private-networks")
    try:
        if not check("the server becomes ready", key is not None):
            finish()  # exits 1; the server is stopped below
        receiver = Receiver()
        loops = {}
        for name, signing in [("default", None), ("classic", ["standard-webhooks", "classic-rsa"])]:
            body = {"url": f"{receiver.base}/{name}/hook", "events": ["open"], "format": "json"}
            if signing:
                body["signing"] = signing
            loop = api(base, key, "POST", "/api/v1/loops", body)
            receiver.files[f"/{name}/{loop['validation']['filename']}"] = loop["validation"]["content"]
            api(base, key, "POST", f"/api/v1/loops/{loop['id']}/validate")
            loops[name] = loop
        check("a new loop signs with standard-webhooks and http-message-signatures",
              loops["default"]["signing"] == ["standard-webhooks", "http-message-signatures"], loops["default"])
        message = api(base, key, "POST", "/api/v1/messages", {"recipient": "a@example.com", "html": "<p>Hi</p>"})
        pixel = re.search(r"/t/o/[A-Za-z0-9_-]+", message["html"]).group(0)
        urllib.request.urlopen(base + pixel, timeout=10).read()
        check("both loops get the open", eventually(lambda: len(receiver.posts) >= 2, 30), len(receiver.posts))
        posts = {path.split("/")[1]: (path, headers, body) for path, headers, body in receiver.posts}
        jwks = json.loads(urllib.request.urlopen(base + "/.well-known/ricochet-keys", timeout=10).read())
        resolver = KeySet(jwks)
        check("the key set has an Ed25519 key", len(resolver.keys) == 1, jwks)

        path, headers, body = posts["default"]
        url = receiver.base + path
        results = verify(resolver, url, headers, body)
        check("http-message-signatures verifies the delivery", isinstance(results, list) and len(results) == 1,
              results)
        if isinstance(results, list) and results:
            check("it was signed under the label ricochet with the published key",
                  results[0].label == "ricochet" and results[0].parameters.get("keyid") in resolver.keys,
                  results[0])
        check("a changed body fails", not isinstance(verify(resolver, url, headers, body + b" "), list))
        check("another URL fails", not isinstance(verify(resolver, url + "?x=1", headers, body), list))
        changed = dict(headers, **{"webhook-id": "evt_forged"})
        check("a changed webhook-id fails", not isinstance(verify(resolver, url, changed, body), list))

        _, classic, _ = posts["classic"]
        check("a loop asking for classic-rsa gets its Signature and no Signature-Input",
              "Signature-Input" not in classic and 'algorithm="rsa-sha256"' in classic.get("Signature", ""), classic)
        tested = []
        before = len(receiver.posts)
        api(base, key, "POST", f"/api/v1/loops/{loops['default']['id']}/test", {"data": {"type": "open"}})
        check("a test call arrives", eventually(lambda: len(receiver.posts) > before, 30))
        path, headers, body = receiver.posts[-1]
        tested = verify(resolver, receiver.base + path, headers, body)
        check("the test call verifies too", isinstance(tested, list) and len(tested) == 1, tested)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(WORK, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
