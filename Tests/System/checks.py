"""What the system tests written in Python share: a check that prints one
line and counts, the summary that ends a test, waiting on a condition,
loopback ports, a loop receiver's request handler, and reading a node's
metrics."""
import http.server
import socket
import sys
import time
import urllib.request

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + name + (f"  ({detail})" if detail and not ok else ""), flush=True)
    return ok


def finish():
    """Prints "N passed, M failed" and exits 1 when a check failed."""
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


def eventually(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class FilesHandler(http.server.BaseHTTPRequestHandler):
    """A loop receiver's handler: GET serves the server's `files` (validation
    files by path); subclasses answer the POSTs."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"ok"):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        content = self.server.files.get(self.path)
        self.answer(200 if content else 404, (content or "no").encode())


def metrics_samples(port):
    """The samples of a --metrics listener, by series (`name{labels}`); empty when it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    except OSError:
        return {}
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}
