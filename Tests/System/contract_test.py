#!/usr/bin/env python3
"""The OpenAPI document as a contract, checked as client generators and
gateways read it: a fresh server is given data to find (a validated loop of
each format with deliveries, a profile database with a profile, a collection
and a subprofile, messages with events), every delivered body is checked
against the document's `webhooks` schema for its event type and format, and
then schemathesis (pinned in scripts/test) runs every phase with every check
against the served document, with a fixed seed; any finding fails the test.

    contract_test.py BIN
"""
import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Receiver, api, check, eventually, finish, free_port, serve  # noqa: E402

BIN = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = tempfile.mkdtemp(prefix="ricochet-contract.")
SEED = "20261204"
EVENTS = {"open", "click", "delivery", "failure", "bounce", "abuse", "unsubscribe", "profile.create", "profile.update",
          "profile.delete", "suppression.create", "suppression.delete"}


def php_form(body):
    """A form body as PHP reads it: `tags[]=a&profile[fields][name]=Jane` into nested values (`[]` appends)."""
    root = {}
    for name, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
        keys = [name.split("[", 1)[0]] + re.findall(r"\[([^\]]*)\]", name)
        node = root
        for index, key in enumerate(keys):
            last = index == len(keys) - 1
            child = value if last else ([] if keys[index + 1] == "" else {})
            if isinstance(node, list):
                node.append(child)
            elif last:
                node[key] = child
            else:
                child = node.setdefault(key, child)
            node = child
    return root


def webhook_schemas(document):
    """The media type and schema of each webhook's request body by (event type, format), from names like
    `open-json`."""
    found = {}
    for name, item in document.get("webhooks", {}).items():
        kind, fmt = name.rsplit("-", 1)
        for media, entry in item["post"]["requestBody"]["content"].items():
            found[(kind, fmt)] = (media, entry["schema"])
    return found


def resolve(schema, document):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def valid(value, schema, document):
    return not list(validator(schema, document).iter_errors(value))


def validator(schema, document):
    return jsonschema.Draft202012Validator(dict(schema, components=document["components"]))


def from_form(value, schema, document):
    """A decoded form body read back by the rules the document's form webhooks state (numbers in decimal,
    booleans 1 and 0, an empty list or object left out), led by the schema's types."""
    schema = resolve(schema, document)
    for part in schema.get("allOf", []):
        value = from_form(value, part, document)
    if "oneOf" in schema:
        for branch in schema["oneOf"]:
            candidate = from_form(value, branch, document)
            if valid(candidate, branch, document):
                return candidate
        return value
    kind = schema.get("type")
    if kind == "integer" and isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    if kind == "boolean" and value in ("0", "1"):
        return value == "1"
    if kind == "array" and isinstance(value, dict) and all(key.isdigit() for key in value):
        value = [value[key] for key in sorted(value, key=int)]
    if kind == "array" and isinstance(value, list):
        return [from_form(item, schema.get("items", {}), document) for item in value]
    if isinstance(value, dict) and (kind == "object" or "properties" in schema):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        value = {key: from_form(item, properties.get(key, extra if isinstance(extra, dict) else {}), document)
                 for key, item in value.items()}
        for key in schema.get("required", []):
            empty = {"array": [], "object": {}}.get(resolve(properties.get(key, {}), document).get("type"))
            if key not in value and empty is not None:
                value[key] = empty
    return value


def webhook_name(payload):
    if isinstance(payload, list):
        return "batch"
    if "ID" in payload:
        return "profile." + str(payload.get("type"))
    if "suppression" in payload:
        return "suppression." + str(payload.get("type"))
    return str(payload.get("type"))


DSN = ("From: MAILER-DAEMON@mx.example.org\r\nTo: {to}\r\nSubject: Undelivered Mail\r\n"
       "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
       "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
       "Final-Recipient: rfc822; jane@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
       "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n--b--\r\n")
ARF = ("From: feedback@provider.example\r\nTo: {to}\r\nSubject: complaint\r\n"
       "Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
       "--b\r\nContent-Type: text/plain\r\n\r\nA recipient marked this message as spam.\r\n"
       "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: provider/1.0\r\n"
       "Version: 1\r\nOriginal-Rcpt-To: jane@example.com\r\n\r\n"
       "--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: news@sender.example\r\nTo: jane@example.com\r\n"
       "Message-ID: {message_id}\r\nSubject: News\r\n\r\nHello\r\n--b--\r\n")


def seed(base, key, receiver, smtp_port):
    """A loop of each format on every event type, validated, and what makes each of its events happen."""
    loops = {}
    for name in ["json", "form", "batch"]:
        loop = api(base, key, "POST", "/api/v1/loops", {
            "url": f"{receiver.base}/{name}/hook", "format": "form" if name == "form" else "json",
            "description": f"every event, {name}", "events": sorted(EVENTS),
            **({"delivery": {"batch": {"max_events": 5, "max_wait_ms": 10}}} if name == "batch" else {})})
        receiver.files[f"/{name}/{loop['validation']['filename']}"] = loop["validation"]["content"]
        api(base, key, "POST", f"/api/v1/loops/{loop['id']}/validate")
        loops[name] = loop
    api(base, key, "POST", "/api/v1/loops/check")
    database = api(base, key, "POST", "/api/v1/databases", {"name": "Customers"})
    profile = api(base, key, "POST", f"/api/v1/databases/{database['id']}/profiles",
                  {"fields": {"name": "Jane", "city": "Amsterdam"}, "interests": ["shoes"]})
    api(base, key, "PATCH", f"/api/v1/databases/{database['id']}/profiles/{profile['id']}",
        {"fields": {"city": "Utrecht"}})
    collection = api(base, key, "POST", f"/api/v1/databases/{database['id']}/collections", {"name": "Orders"})
    api(base, key, "POST", f"/api/v1/databases/{database['id']}/collections/{collection['id']}/subprofiles",
        {"profile": profile["id"], "fields": {"order": "1001"}})
    spare = api(base, key, "POST", f"/api/v1/databases/{database['id']}/profiles", {"fields": {"name": "Old"}})
    api(base, key, "DELETE", f"/api/v1/databases/{database['id']}/profiles/{spare['id']}")
    message = api(base, key, "POST", "/api/v1/messages", {
        "recipient": "jane@example.com", "profile": profile["id"], "tags": ["may", "shoes"],
        "html": '<p>Hi <a href="https://shop.example/sale?x=1">sale</a></p>'})
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
        smtp.sendmail("", [message["return_path"]], DSN.format(to=message["return_path"]))
        smtp.sendmail("", [message["return_path"]],
                      ARF.format(to=message["return_path"], message_id=message["headers"]["Message-ID"]))
    html = message["html"]
    for path in [re.search(r"/t/o/[A-Za-z0-9_-]+", html).group(0), re.search(r"/t/c/[A-Za-z0-9_-]+", html).group(0)]:
        request = urllib.request.Request(base + path, headers={"User-Agent": "Mozilla/5.0 (contract test)"})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as redirect:  # the click's 302 to a host that is not there
            redirect.read()
        except urllib.error.URLError:
            pass
    api(base, key, "POST", "/api/v1/events", {"events": [
        {"type": "delivery", "message": message["id"], "code": 250, "extended": "2.0.0", "description": "queued"},
        {"type": "failure", "message": message["id"], "code": 550, "extended": "5.1.1", "state": "rcpt",
         "description": "no such user"}]})
    # One click on the message's List-Unsubscribe URL, as a mail client makes it (RFC 8058).
    one_click = re.search(r"<(http[^>]+/u/[a-z2-7]+)>", message["headers"]["List-Unsubscribe"]).group(1)
    urllib.request.urlopen(urllib.request.Request(
        one_click, data=b"List-Unsubscribe=One-Click", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"}), timeout=10).read()
    # The DSN's 5.1.1 put Jane on the suppression list (suppression.create); taking her off makes the delete.
    suppressed = eventually(lambda: any(entry["address"] == "jane@example.com" for entry in api(
        base, key, "GET", "/api/v1/suppressions")["suppressions"]), 30)
    if suppressed:
        api(base, key, "DELETE", "/api/v1/suppressions/jane@example.com")
    return loops


def main():
    smtp_port = free_port()
    server, base, key = serve(BIN, WORK, "--smtp", f"127.0.0.1:{smtp_port}", "--allow-private-networks")
    try:
        if not check("the server becomes ready", key is not None):
            finish()  # exits 1; the server is stopped below
        document = yaml.safe_load(urllib.request.urlopen(base + "/api/v1/openapi.yaml", timeout=10).read())
        schemas = webhook_schemas(document)
        receiver = Receiver()
        seed(base, key, receiver, smtp_port)

        def received():
            """(loop, format, payload) of each request the receiver got."""
            with receiver.lock:
                posts = list(receiver.posts)
            for path, headers, body in posts:
                media = headers.get("Content-Type", "")
                name = path.split("/")[1]
                fmt = "form" if name == "form" else "json"
                yield name, fmt, media, (php_form(body) if fmt == "form" else json.loads(body))

        def arrived():
            kinds = {(name, webhook_name(payload)) for name, _, _, payload in received()}
            return all((name, kind) in kinds for name in ["json", "form"] for kind in EVENTS | {"test"}) and \
                ("batch", "batch") in kinds
        check("every event type seeded reaches each loop, and a batch the batching one", eventually(arrived, 60),
              sorted({(name, webhook_name(payload)) for name, _, _, payload in received()}))
        problems = {}
        for _, fmt, media, payload in received():
            name = webhook_name(payload)
            found = schemas.get((name, fmt))
            seen = problems.setdefault(f"{name}-{fmt}", [])
            if found is None:
                seen.append("the document has no such webhook")
                continue
            declared, schema = found
            if fmt == "form":
                payload = from_form(payload, schema, document)
            seen.extend(f"{e.message} in {payload}" for e in validator(schema, document).iter_errors(payload))
            if media.split(";")[0] != declared:
                seen.append(f"sent as {media}, not {declared}")
        for webhook, found in sorted(problems.items()):
            check(f"every body delivered as {webhook} is as the document's webhook says", not found, found[:3])

        run = subprocess.run(
            ["schemathesis", "--config-file", os.path.join(ROOT, "Tests/Contract/schemathesis.toml"), "run",
             f"{base}/api/v1/openapi.yaml", "--checks", "all", "-H", f"Authorization: Bearer {key}",
             "--seed", SEED, "--request-timeout", "10", "--no-color"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200,
            cwd=WORK)  # its cache of earlier findings goes with the run, not into the checkout
        print(run.stdout)
        check("schemathesis --checks all finds nothing", run.returncode == 0, f"exit {run.returncode}")
        if not check("the server is still up after it", server.poll() is None, f"exit {server.returncode}"):
            print("--- the server's last words"); print(open(f"{WORK}/err").read()[-4000:])
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(WORK, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
