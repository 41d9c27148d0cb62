#!/usr/bin/env python3
"""Three nodes of the release binary on one PostgreSQL database, as an operator
runs them: opens hit all three; one node is killed with SIGKILL under load and
started again; one is stopped with SIGSTOP past its leases and continued; and a
SQLite installation is copied up with `ricochet copy`.

    cluster_test.py BIN      (RICOCHET_TEST_POSTGRES names a server whose
                              user may create databases: scripts/with-postgres)

Prints one "ok"/"FAIL" line a check, the figures behind them, and
"N passed, M failed"; exits 1 when a check failed.
"""
import collections
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import FilesHandler, metrics_samples  # noqa: E402

BIN = sys.argv[1]
SERVER = os.environ["RICOCHET_TEST_POSTGRES"]
WORK = tempfile.mkdtemp(prefix="ricochet-cluster.")
results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""), flush=True)
    return ok


def eventually(condition, seconds):
    """Waits for condition() to hold, polling; returns whether it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(name):
    parts = urllib.parse.urlsplit(SERVER)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", url.replace("postgres://", "postgresql://", 1),
                          "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Receiver(http.server.ThreadingHTTPServer):
    """Every loop's receiver: serves validation files, answers each POST 200
    after the path's delay, and counts what is in flight per path."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.files = {}
        self.delays = collections.defaultdict(float)
        self.inflight = collections.Counter()
        self.most_inflight = collections.Counter()
        self.posts = collections.defaultdict(list)  # path -> [(webhook-id, message id, arrived)]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):
        """A node killed mid-request resets its connections: that is the test, not a fault."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def count(self, path):
        with self.lock:
            return len(self.posts[path])

    def messages(self, path):
        with self.lock:
            return {message for _, message, _ in self.posts[path]}

    def webhook_ids(self, path):
        with self.lock:
            return collections.Counter(webhook for webhook, _, _ in self.posts[path])


class Handler(FilesHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path
        server = self.server
        with server.lock:
            server.inflight[path] += 1
            server.most_inflight[path] = max(server.most_inflight[path], server.inflight[path])
        time.sleep(server.delays[path])
        try:
            message = json.loads(body).get("id")
        except ValueError:
            message = None
        with server.lock:
            server.inflight[path] -= 1
            server.posts[path].append((self.headers.get("webhook-id"), message, time.monotonic()))
        self.answer(200)


class Node:
    def __init__(self, name, database):
        self.name = name
        self.database = database
        self.port = free_port()
        self.metrics = free_port()
        self.process = None
        self.log_path = os.path.join(WORK, name + ".log")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        log = open(self.log_path, "ab")
        # Debug: the service group says which service it asks to stop and which ended.
        env = dict(os.environ, RICOCHET_SMTP="off", RICOCHET_ALLOW_PRIVATE_NETWORKS="1", RICOCHET_LOG_LEVEL="debug")
        self.process = subprocess.Popen(
            [BIN, "serve", "--http", f"127.0.0.1:{self.port}", "--database", self.database, "--node-name", self.name,
             "--metrics", f"127.0.0.1:{self.metrics}"],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        return eventually(self.healthy, 30)

    def healthy(self):
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as answer:
                return answer.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def version(self):
        with urllib.request.urlopen(self.base + "/healthz", timeout=5) as answer:
            return json.loads(answer.read())["version"]

    def signal(self, number):
        self.process.send_signal(number)

    def stop(self):
        """SIGTERM; a node still running after 45 s (its drain timeout is 30)
        has its threads' stacks printed, then is killed."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            try:
                stacks = subprocess.run(["gdb", "-p", str(self.process.pid), "-batch", "-ex", "thread apply all bt 30"],
                                        capture_output=True, text=True, timeout=120).stdout[-20000:]
            except (OSError, subprocess.SubprocessError) as error:
                stacks = f"(no stacks: {error})"
            print(f"--- {self.name} did not stop; its threads:\n{stacks}", flush=True)
            self.process.kill()
            return -9

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def api(node, key, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(node.base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def hit(node, path):
    """GETs a tracked path without following redirects; the status, or None when refused."""
    connection = None
    try:
        connection = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
        connection.request("GET", path, headers={"User-Agent": "Mozilla/5.0 (X11) Reader"})
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location")
    except OSError:
        return None, None
    finally:
        if connection:
            connection.close()


def make_loop(node, key, receiver, name, events, delivery):
    status, loop = api(node, key, "POST", "/api/v1/loops", {
        "url": f"{receiver.base}/{name}/hook", "events": events, "format": "json", "description": name,
        "delivery": delivery})
    assert status == 201, (status, loop)
    receiver.files[f"/{name}/{loop['validation']['filename']}"] = loop["validation"]["content"]
    status, answer = api(node, key, "POST", f"/api/v1/loops/{loop['id']}/validate")
    assert status == 200, (status, answer)
    return loop["id"], f"/{name}/hook"


def messages(node, key, count, html):
    status, answer = api(node, key, "POST", "/api/v1/messages/batch", {
        "messages": [{"recipient": f"r{i}@example.com", "html": html} for i in range(count)]})
    assert status in (200, 201), (status, answer)
    return answer["messages"]


def tracked(message, marker):
    return re.search(marker + r"[A-Za-z0-9_-]+", message["html"]).group(0)


def lease_holder(url, loop):
    return psql(url, f"SELECT holder FROM leases WHERE name = 'loop:{loop}' AND expires_at > "
                     "(extract(epoch FROM now()) * 1000)::bigint")


def deliveries(node, key, loop):
    status, answer = api(node, key, "GET", f"/api/v1/loops/{loop}/deliveries?limit=500")
    return answer.get("deliveries", []) if status == 200 else []


def rescued(nodes):
    """Deliveries the nodes' logs say were queued again after their lease expired."""
    total = 0
    for node in nodes:
        for line in node.log().splitlines():
            if "whose lease expired are queued again" in line:
                found = re.search(r"count=(\d+)", line)
                total += int(found.group(1)) if found else 0
    return total


def opens_under_sigkill(nodes, key, receiver, loops, url):
    """Opens on all three nodes from four clients; node-2 is killed with
    SIGKILL a third of the way through and started again at two thirds.
    Returns the message ids whose open was answered."""
    total = 900
    batch = messages(nodes[0], key, total, "<p>Hello</p>")
    pixels = [tracked(m, "/t/o/") for m in batch]
    answered = set()
    refused = [0]
    done = threading.Semaphore(0)
    lock = threading.Lock()

    def client(share):
        for index in share:
            status, _ = hit(nodes[index % 3], pixels[index])
            with lock:
                if status == 200:
                    answered.add(batch[index]["id"])
                else:
                    refused[0] += 1
            done.release()

    clients = [threading.Thread(target=client, args=(range(i, total, 4),)) for i in range(4)]
    for thread in clients:
        thread.start()
    for _ in range(total // 3):
        done.acquire()
    inflight = sum(receiver.inflight.values())
    nodes[1].signal(signal.SIGKILL)
    nodes[1].process.wait()
    for _ in range(total // 3):
        done.acquire()
    restarted = nodes[1].start()
    for thread in clients:
        thread.join()
    check("node-2, killed with SIGKILL under load, starts again", restarted)
    print(f"     {len(answered)} opens answered, {refused[0]} refused while node-2 was down; "
          f"{inflight} requests in flight at the receiver when it was killed", flush=True)
    for loop, path in loops:
        eventually(lambda: answered <= receiver.messages(path), 120)
        lost = answered - receiver.messages(path)
        check(f"every answered open reached {path} across the SIGKILL", not lost,
              f"{len(answered) - len(lost)} of {len(answered)}; lost: {sorted(lost)[:5]}")
    duplicates = sum(sum(n - 1 for n in receiver.webhook_ids(path).values() if n > 1) for _, path in loops)
    again = rescued(nodes)
    check("each duplicate request is a delivery whose lease expired with the killed node", duplicates <= again,
          f"{duplicates} duplicate requests (same webhook-id); {again} deliveries queued again by the others")


def rate_across_nodes(nodes, key, receiver):
    """A loop limited to 5 requests a second gets about 5 a second from the
    three nodes together, not 15."""
    loop, path = make_loop(nodes[0], key, receiver, "limited", ["click"], {"concurrency": 4, "rate_limit": 5})
    batch = messages(nodes[0], key, 120, '<a href="https://shop.example/">shop</a>')
    for index, message in enumerate(batch):
        status, _ = hit(nodes[index % 3], tracked(message, "/t/c/"))
        assert status == 302, status
    eventually(lambda: receiver.count(path) > 60, 60)
    with receiver.lock:
        arrived = sorted(t for _, _, t in receiver.posts[path])
    # After the first ten (what the bucket held at first), over the next fifty.
    rate = 50 / (arrived[60] - arrived[10]) if len(arrived) > 60 else 0
    check("a loop limited to 5 requests/s gets about 5/s from the three nodes together", 4.0 <= rate <= 6.5,
          f"{rate:.2f} requests/s over 50 requests; {len(arrived)} of 120 arrived")
    api(nodes[0], key, "DELETE", f"/api/v1/loops/{loop}")


def node_of(nodes, holder):
    return next((node for node in nodes if holder.split("#")[0] == node.name), None)


def sigstop_past_leases(nodes, key, receiver, url):
    """The owner of a slow loop of concurrency 1 is stopped with SIGSTOP while
    a request is under way, past every lease; the others take the loop and
    send what it held; continued, it neither writes over their results nor
    sends what they sent."""
    loop, path = make_loop(nodes[0], key, receiver, "stopped", ["delivery"], {"concurrency": 1})
    receiver.delays[path] = 3
    check("the slow loop gets an owner", eventually(lambda: lease_holder(url, loop) != "", 30))
    owner = node_of(nodes, lease_holder(url, loop))
    batch = messages(nodes[0], key, 4, "<p>x</p>")
    reports = [{"type": "delivery", "message": m["id"], "code": 250} for m in batch]
    status, answer = api(nodes[0], key, "POST", "/api/v1/events", {"events": reports})
    assert answer.get("accepted") == 4, (status, answer)
    check("a request of the slow loop is under way", eventually(lambda: receiver.inflight[path] == 1, 30))
    owner.signal(signal.SIGSTOP)
    stopped_at = time.monotonic()
    log_before = len(owner.log())
    finished = lambda: len([d for d in deliveries(nodes[0] if owner is not nodes[0] else nodes[1], key, loop)
                            if d.get("status") == "succeeded"]) == 4
    check("the stopped node's loop and deliveries move to the others", eventually(finished, 120),
          f"after {time.monotonic() - stopped_at:.0f} s; now held by {lease_holder(url, loop) or 'nobody'}")
    sent = receiver.count(path)
    owner.signal(signal.SIGCONT)
    late = lambda: "results came after their lease expired" in owner.log()[log_before:]
    gave_up = lambda: any(line in owner.log()[log_before:] for line in (
        "loop lease lost to another node", "loops handed over to other nodes", "leases were not renewed in time"))
    check("continued, the node finds its result late and its claims gone", eventually(
        lambda: late() and gave_up(), 30))
    other = nodes[0] if owner is not nodes[0] else nodes[1]
    states = [d.get("status") for d in deliveries(other, key, loop)]
    check("its late result does not write over the others'", states == ["succeeded"] * 4, f"{states}")
    check("it sends nothing the others sent", receiver.count(path) == sent,
          f"{sent} requests before it continued, {receiver.count(path)} after")
    check("the continued node serves again", owner.healthy())


def copy_round_trip(receiver):
    """A link issued by a SQLite installation still redirects and records on
    PostgreSQL nodes after `ricochet copy`. (Its first start made the account
    'default'; the test's is the second.)"""
    path = os.path.join(WORK, "single.db")
    single = Node("single", "sqlite:" + path)
    check("a SQLite node starts", single.start())
    key = subprocess.run([BIN, "account", "create", "--name", "Moving Co", "--database", "sqlite:" + path],
                         check=True, capture_output=True, text=True).stdout.strip()
    message = messages(single, key, 1, '<a href="https://shop.example/sale">sale</a>')[0]
    click = tracked(message, "/t/c/")
    single.stop()
    url = database_url("ricochet_copied")
    psql(SERVER, "CREATE DATABASE ricochet_copied")
    copied = subprocess.run([BIN, "copy", "--from", "sqlite:" + path, "--to", url], capture_output=True, text=True)
    check("ricochet copy succeeds into an empty database", copied.returncode == 0, copied.stderr.strip())
    check("it reports the rows of each table", "accounts\t2" in copied.stdout and "messages\t1" in copied.stdout,
          copied.stdout.replace("\n", " "))
    again = subprocess.run([BIN, "copy", "--from", "sqlite:" + path, "--to", url], capture_output=True, text=True)
    check("a second copy into the now full database is refused in one line, exit 1",
          again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1 and "not empty" in again.stderr,
          again.stderr.strip())
    node = Node("copied", url)
    check("a PostgreSQL node starts on the copy", node.start())
    status, location = hit(node, click)
    check("a link issued before the copy redirects on it", status == 302 and location == "https://shop.example/sale",
          f"{status} {location}")
    status, page = api(node, key, "GET", "/api/v1/events?type=click")
    check("the key still works and the click is recorded", status == 200 and len(page.get("events", [])) == 1)
    node.stop()


def main():
    receiver = Receiver()
    url = database_url("ricochet_cluster")
    psql(SERVER, "CREATE DATABASE ricochet_cluster")
    nodes = [Node(f"node-{i + 1}", url) for i in range(3)]
    try:
        for node in nodes:
            check(f"{node.name} starts on the shared database", node.start())
        key = subprocess.run([BIN, "account", "create", "--name", "Cluster Co", "--database", url],
                             check=True, capture_output=True, text=True).stdout.strip()
        loops = [make_loop(nodes[0], key, receiver, name, ["open"], {"concurrency": 4}) for name in ("all-a", "all-b")]
        loops.append(make_loop(nodes[0], key, receiver, "single", ["open"], {"concurrency": 1}))
        receiver.delays[loops[2][1]] = 0.005
        holders = lambda: {lease_holder(url, loop).split("#")[0] for loop, _ in loops} - {""}
        check("the loops are spread over the nodes", eventually(lambda: len(holders()) >= 2, 30), f"{holders()}")
        owned = lambda: [metrics_samples(node.metrics).get("ricochet_loops_owned", 0) for node in nodes]
        check("each node's ricochet_loops_owned counts its loops, three in all", eventually(
            lambda: sum(owned()) == 3 and sum(1 for n in owned() if n > 0) == len(holders()), 30), f"{owned()}")
        check("each node's ricochet_build_info names it and the postgresql backend", all(
            f'ricochet_build_info{{version="{version}",backend="postgresql",node="{node.name}"}}' in metrics_samples(node.metrics)
            for node in nodes for version in [node.version()]), f"{[list(metrics_samples(n.metrics))[:3] for n in nodes]}")
        opens_under_sigkill(nodes, key, receiver, loops, url)
        single = loops[2][1]
        check("the loop of concurrency 1 never had two requests at once across the nodes",
              receiver.most_inflight[single] == 1, f"most at once: {receiver.most_inflight[single]}")
        rate_across_nodes(nodes, key, receiver)
        sigstop_past_leases(nodes, key, receiver, url)
        for node in nodes:
            started = time.monotonic()
            before = len(node.log())
            status = node.stop()
            if not check(f"{node.name} stops cleanly on SIGTERM", status == 0,
                         f"exit status {status} after {time.monotonic() - started:.1f} s"):
                print(f"--- {node.name} log from SIGTERM on\n{node.log()[before:][-8000:]}", flush=True)
        copy_round_trip(receiver)
    finally:
        for node in nodes:
            if node.process and node.process.poll() is None:
                node.process.send_signal(signal.SIGCONT)
                node.process.kill()
        if results["failed"]:
            for node in nodes:
                print(f"--- {node.name} log (last 30 lines)")
                print("\n".join(node.log().splitlines()[-30:]))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a broken step is a failure, reported as one
        check("the cluster test ran to its end", False, repr(error))
    print(f"{results['passed']} passed, {results['failed']} failed")
    shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(1 if results["failed"] else 0)
