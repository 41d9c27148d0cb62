"""What the system tests written in Python share: a check that prints one
line and counts, the summary that ends a test, waiting on a condition,
loopback ports, a loop receiver (its request handler, and one that records
every POST), a call of the API, and reading a node's metrics."""
import http.server
import json
import re
import socket
import subprocess
import sys
import threading
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


class RecordingHandler(FilesHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.posts.append((self.path, dict(self.headers.items()), body))
        self.answer(200)


class Receiver(http.server.ThreadingHTTPServer):
    """A loop receiver on a loopback port of its own: serves `files` (validation files by path) and keeps
    every POST as (path, headers, body) in `posts`, answering 200."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.files = {}
        self.posts = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


def api(base, key, method, path, body=None):
    """A call of the API with the key; the answer's JSON (raises urllib's HTTPError on an error status)."""
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode() if body is not None else None, method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")


def ready(base):
    """Whether the server at `base` answers 200 on /readyz; a 503 while it starts, or no answer, is not ready."""
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def serve(binary, work, *flags):
    """`BIN serve` on a free loopback port with a SQLite file in `work` and `flags`, its output in work/out and
    work/err: (process, base URL, the key it printed once ready), or None for the key when it did not become
    ready in 30 s."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "serve", "--http", f"127.0.0.1:{port}", *flags, "--database", f"sqlite:{work}/ricochet.db"],
        stdout=open(f"{work}/out", "w"), stderr=open(f"{work}/err", "w"))

    found = eventually(lambda: ready(base), 30) and re.search(r"rk_[A-Za-z0-9]{32}", open(f"{work}/out").read())
    return process, base, found.group(0) if found else None


def metrics_samples(port):
    """The samples of a --metrics listener, by series (`name{labels}`); empty when it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    except OSError:
        return {}
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}
