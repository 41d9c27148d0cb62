#!/usr/bin/env python3
"""ricochet backup while a server records opens, and a restore from the copy.

    backup_test.py BIN

A server on a SQLite file takes a flood of opens from four threads. Midway,
the number of opens already answered is noted and then `ricochet backup` runs
beside the server. The copy must hold every open answered before the backup
began (each is on disk before its answer), and no more than were answered by
its end. A server started on the copy, as the README's restore says, must
answer the API with the original key.

Prints one "ok"/"FAIL" line a check and "N passed, M failed".
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, eventually, finish, free_port, ready  # noqa: E402

BIN = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="ricochet-backup.")
# Every server started, stopped at the end whatever happened.
SERVERS = []
def serve(database, port, log):
    process = subprocess.Popen([BIN, "serve", "--http", f"127.0.0.1:{port}", "--smtp", "off", "--database",
                                database, "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT)
    SERVERS.append(process)

    return process, eventually(lambda: ready(f"http://127.0.0.1:{port}"), 60)


def api(port, key, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, json.loads(answer.read())


def main():
    database = os.path.join(WORK, "live.db")
    copy = os.path.join(WORK, "copy.db")
    port = free_port()
    log = open(os.path.join(WORK, "live.log"), "wb")
    server, ready = serve(f"sqlite:{database}", port, log)
    if not check("the server starts", ready):
        return
    key = None
    for _ in range(100):
        with open(os.path.join(WORK, "live.log"), errors="replace") as f:
            found = re.search(r"rk_[A-Za-z0-9]{32}", f.read())
        if found:
            key = found.group(0)
            break
        time.sleep(0.1)
    _, message = api(port, key, "/api/v1/messages", {"recipient": "jane@example.com", "html": "<p>hi</p>"})
    pixel = re.search(r"/t/o/[A-Za-z0-9_-]+", message["html"]).group(0)

    answered = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{pixel}", timeout=10) as answer:
                answer.read()
                if answer.status == 200:
                    with lock:
                        answered[0] += 1
    threads = [threading.Thread(target=flood) for _ in range(4)]
    for thread in threads:
        thread.start()
    eventually(lambda: answered[0] >= 300, 60)
    with lock:
        before = answered[0]
    made = subprocess.run([BIN, "backup", "--database", f"sqlite:{database}", "--to", copy],
                          capture_output=True, text=True)
    with lock:
        after = answered[0]
    eventually(lambda: answered[0] >= after + 100, 30)
    stop.set()
    for thread in threads:
        thread.join()
    check("ricochet backup succeeds beside the server, in one line", made.returncode == 0
          and re.fullmatch(r"backed up sqlite:\S+ to \S+ \(\d+ bytes, integrity ok\)\n", made.stdout) is not None,
          made.stdout + made.stderr)
    check("the hits went on while the backup ran", after > before, f"{before} then {after}")
    server.terminate()
    server.wait(timeout=30)

    opens = sqlite3.connect(copy).execute("SELECT count(*) FROM events WHERE type = 'open'").fetchone()[0]
    check("the copy holds every open answered before the backup began", opens >= before, f"{opens} < {before}")
    check("and none that was not yet answered when it ended", opens <= after, f"{opens} > {after}")
    live = sqlite3.connect(database).execute("SELECT count(*) FROM events WHERE type = 'open'").fetchone()[0]
    check("the live database went on recording after the copy", live > opens, f"{live} <= {opens}")

    # Restore: the copy in the database's place, then the server on it.
    restored = os.path.join(WORK, "restored.db")
    shutil.copy(copy, restored)
    port = free_port()
    log = open(os.path.join(WORK, "restored.log"), "wb")
    server, ready = serve(f"sqlite:{restored}", port, log)
    check("a server starts on the restored copy", ready)
    if ready:
        status, events = api(port, key, "/api/v1/events?type=open&limit=1")
        check("it answers the API with the original key, events and all",
              status == 200 and len(events.get("events", [])) == 1)
        server.terminate()
        server.wait(timeout=30)
    with open(os.path.join(WORK, "restored.log"), errors="replace") as f:
        check("the restored server made no new account (it found the old one)", "rk_" not in f.read())


if __name__ == "__main__":
    try:
        main()
    finally:
        for server in SERVERS:
            if server.poll() is None:
                server.kill()
                server.wait()
        shutil.rmtree(WORK, ignore_errors=True)
    finish()
