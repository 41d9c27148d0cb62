#!/usr/bin/env python3
"""Clients that misbehave on purpose, for scripts/system-test. Each command
prints one JSON line with what it saw.

  memory PORT KEY PID      eight 60 MiB events bodies at once (four announced
                           by Content-Length, four chunked); the server's peak
                           memory before and after
  sigterm PORT PIXEL PID DB  pixels over 40 keep-alive connections; SIGTERM
                           mid-flood; hits answered 200 against opens recorded
"""
import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
import threading

BODY = 60 * 1024 * 1024


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def status_of(sock):
    data = b""
    sock.settimeout(20)
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def oversized(port, key, chunked, results):
    sock = socket.create_connection(("127.0.0.1", port))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}"
    sock.sendall((f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                  f"Content-Type: application/json\r\n{framing}\r\n\r\n").encode())
    piece = b"[" * (1024 * 1024)
    try:
        for _ in range(BODY // len(piece)):
            sock.sendall((b"100000\r\n" + piece + b"\r\n") if chunked else piece)
    except OSError:
        pass  # the server answered and stopped reading, as it should
    results.append(status_of(sock))
    sock.close()


def memory(port, key, pid):
    before = peak_kib(pid)
    results = []
    threads = [threading.Thread(target=oversized, args=(port, key, chunked, results))
               for chunked in (False, True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = peak_kib(pid)
    print(json.dumps({"statuses": sorted(results), "peak_before_mib": before // 1024,
                      "peak_after_mib": after // 1024, "growth_mib": (after - before) // 1024}))


async def flood(port, pixel, answered, stop):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    request = f"GET {pixel} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    try:
        while not stop.is_set():
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if head.startswith(b"HTTP/1.1 200"):
                answered[0] += 1
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass  # closed by the server's shutdown
    writer.close()


async def sigterm_under_load(port, pixel, pid, database):
    answered = [0]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(flood(port, pixel, answered, stop)) for _ in range(40)]
    await asyncio.sleep(1.5)
    os.kill(pid, signal.SIGTERM)
    done, pending = await asyncio.wait(tasks, timeout=30)
    stop.set()
    await asyncio.gather(*pending, return_exceptions=True)
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.1)
    recorded = sqlite3.connect(database).execute("SELECT count(*) FROM events WHERE type = 'open'").fetchone()[0]
    print(json.dumps({"answered": answered[0], "recorded": recorded, "still_open": len(pending)}))


def main():
    command = sys.argv[1]
    if command == "memory":
        memory(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif command == "sigterm":
        asyncio.run(sigterm_under_load(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
