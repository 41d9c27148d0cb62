#!/usr/bin/env python3
"""A stand-in for your website, for trying Ricochet locally.

Serves the files under --root (put the validation file there) and answers
every POST with what it received, the way a receiving script would.
"""
import argparse
import http.server
import json
import os
import sys
import urllib.parse


def make_handler(root):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/x-www-form-urlencoded"):
                parsed = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            elif kind.startswith("application/json"):
                parsed = json.loads(body or b"null")
            else:
                parsed = body.decode("utf-8", "replace")
            answer = json.dumps({"received": parsed, "content_type": kind}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):
            sys.stderr.write("receiver: " + (format % args) + "\n")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--root", default="./site")
    args = parser.parse_args()
    os.makedirs(args.root, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.root))
    server.serve_forever()


if __name__ == "__main__":
    main()
