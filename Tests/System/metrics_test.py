#!/usr/bin/env python3
"""The metrics as an operator meets them: the release binary with --metrics,
its exposition checked by `promtool check metrics`, scraped by a real
Prometheus (Debian's), which shows the target up and the counters moving
after tracked hits, deliveries and an SMTP session; and the shipped Grafana
dashboard (deploy/grafana-dashboard.json), whose every query names only
metrics the server exports and is answered by that Prometheus.

    metrics_test.py BIN

Prints one "ok"/"FAIL" line a check and "N passed, M failed"; exits 1 when a
check failed.
"""
import http.client
import http.server
import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import FilesHandler, check, eventually, finish, free_port, ready  # noqa: E402

BIN = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARD = os.path.join(ROOT, "deploy", "grafana-dashboard.json")
WORK = tempfile.mkdtemp(prefix="ricochet-metrics.")
HITS = 20


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files = {}
        self.posts = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()


class Handler(FilesHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.posts += 1
        self.answer(200, b"ok")


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers, answer.read()


def api(base, key, method, path, body=None):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode() if body is not None else None, method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, json.loads(answer.read() or b"{}")


def query(prometheus, expression):
    """The Prometheus HTTP API's answer to an instant query."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    try:
        return json.loads(get(url)[2])
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}")


def value(prometheus, expression):
    result = query(prometheus, expression).get("data", {}).get("result", [])
    return float(result[0]["value"][1]) if result else None


def families(exposition):
    return {line.split()[2]: line.split()[3] for line in exposition.splitlines() if line.startswith("# TYPE ")}


def main():
    port, metrics_port, smtp_port, prometheus_port = free_port(), free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [BIN, "serve", "--http", f"127.0.0.1:{port}", "--metrics", f"127.0.0.1:{metrics_port}",
         "--smtp", f"127.0.0.1:{smtp_port}", "--allow-private-networks", "--database", f"sqlite:{WORK}/r.db"],
        stdout=open(f"{WORK}/server.out", "w"), stderr=open(f"{WORK}/server.err", "w"))
    prometheus = None
    try:
        started = eventually(lambda: ready(base), 30)
        check("the server with --metrics becomes ready", started)
        banner = open(f"{WORK}/server.out").read()
        check("the banner names the metrics port", f"Metrics:    Prometheus at /metrics on port {metrics_port}" in banner,
              banner)
        key = re.search(r"rk_[A-Za-z0-9]{32}", banner).group(0)

        status, headers, body = get(f"http://127.0.0.1:{metrics_port}/metrics")
        exposition = body.decode()
        check("GET /metrics answers 200 in the text format",
              status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        lint = subprocess.run(["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True)
        check("promtool check metrics finds nothing to say", lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(),
              lint.stdout + lint.stderr)
        exported = families(exposition)
        for name in ["ricochet_events_recorded_total", "ricochet_deliveries_total", "ricochet_delivery_duration_seconds",
                     "ricochet_delivery_lag_seconds", "ricochet_deliveries_queued", "ricochet_loops_owned",
                     "ricochet_http_requests_total", "ricochet_smtp_sessions_total", "ricochet_inbound_mail_total",
                     "ricochet_relay_copies_total", "ricochet_relay_copies_queued", "process_cpu_seconds_total",
                     "process_resident_memory_bytes", "process_open_fds"]:
            check(f"{name} is exported", name in exported, sorted(exported))
        check("the delivery and lag metrics are histograms",
              exported.get("ricochet_delivery_lag_seconds") == "histogram"
              and exported.get("ricochet_delivery_duration_seconds") == "histogram")

        config = f"{WORK}/prometheus.yml"
        with open(config, "w") as out:
            out.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                      f"  - job_name: ricochet\n    static_configs:\n      - targets: ['127.0.0.1:{metrics_port}']\n")
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={WORK}/tsdb",
             f"--web.listen-address=127.0.0.1:{prometheus_port}"],
            stdout=open(f"{WORK}/prometheus.log", "w"), stderr=subprocess.STDOUT)
        prom = f"http://127.0.0.1:{prometheus_port}"

        def target_up():
            try:
                targets = json.loads(get(prom + "/api/v1/targets")[2])["data"]["activeTargets"]
            except OSError:
                return False
            return any(t["health"] == "up" and t["labels"].get("job") == "ricochet" for t in targets)
        check("Prometheus shows the target up", eventually(target_up, 60),
              open(f"{WORK}/prometheus.log").read()[-2000:])
        check("up{job=\"ricochet\"} is 1", eventually(lambda: value(prom, 'up{job="ricochet"}') == 1, 30))
        opens = 'sum(ricochet_events_recorded_total{type="open"})'
        check("Prometheus has the event counters at zero before any hit", eventually(lambda: value(prom, opens) == 0, 30))

        receiver = Receiver()
        receiver_base = f"http://127.0.0.1:{receiver.server_address[1]}"
        status, loop = api(base, key, "POST", "/api/v1/loops",
                           {"url": receiver_base + "/hook", "events": ["open"], "format": "json"})
        receiver.files["/" + loop["validation"]["filename"]] = loop["validation"]["content"]
        api(base, key, "POST", f"/api/v1/loops/{loop['id']}/validate")
        status, batch = api(base, key, "POST", "/api/v1/messages/batch", {"messages": [
            {"recipient": f"r{i}@example.com", "html": "<p>Hi</p>"} for i in range(HITS)]})
        answered = 0
        for message in batch["messages"]:
            pixel = re.search(r"/t/o/[A-Za-z0-9_-]+", message["html"]).group(0)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", pixel, headers={"User-Agent": "Mozilla/5.0 (X11) Reader"})
            answered += connection.getresponse().status == 200
            connection.close()
        check(f"{HITS} opens answered", answered == HITS)
        check(f"{HITS} deliveries reached the receiver", eventually(lambda: receiver.posts >= HITS, 60), receiver.posts)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.sendmail("", ["bounces@127.0.0.1"], "From: a@example.org\r\nSubject: x\r\n\r\nnot ours\r\n")

        moving = {
            opens: HITS,
            'sum(ricochet_deliveries_total{outcome="succeeded"})': HITS,
            'sum(ricochet_http_requests_total{route="/t/o/{token}",status="200"})': HITS,
            'sum(ricochet_http_requests_total{route="/api/v1/messages/batch",status="201"})': 1,
            'sum(ricochet_delivery_lag_seconds_count)': HITS,
            'sum(ricochet_smtp_sessions_total{listener="receiver",result="quit"})': 1,
            'sum(ricochet_inbound_mail_total{kind="unmatched"})': 1,
            'sum(ricochet_loops_owned)': 1,
        }
        for expression, expected in moving.items():
            check(f"Prometheus sees {expression} reach {expected}",
                  eventually(lambda: value(prom, expression) == expected, 30), value(prom, expression))
        check("the rate of opens is above zero", eventually(
            lambda: (value(prom, 'sum(rate(ricochet_events_recorded_total{type="open"}[1m]))') or 0) > 0, 30))

        with open(DASHBOARD) as source:
            dashboard = json.load(source)
        panels = [p for p in dashboard["panels"] if p["type"] != "row"]
        expressions = [t["expr"] for p in panels for t in p["targets"]]
        check("the dashboard has panels with queries", len(panels) >= 10 and len(expressions) >= len(panels))
        check("every panel queries the dashboard's data source variable",
              all(p["datasource"]["uid"] == "${datasource}" for p in panels))
        names = set()
        for expression in expressions:
            names |= set(re.findall(r"\b((?:ricochet|process)_[a-z_]+)\b", expression))
        check("the dashboard names metrics", len(names) >= 10, names)
        histogram_parts = ("_bucket", "_count", "_sum")

        def family(name):
            for suffix in histogram_parts:
                if name.endswith(suffix) and exported.get(name[: -len(suffix)]) == "histogram":
                    return name[: -len(suffix)]
            return name
        unknown = sorted(n for n in names if family(n) not in exported)
        check("the dashboard names only metrics the server exports", not unknown, unknown)
        for expression in expressions:
            promql = expression.replace("$__rate_interval", "1m").replace("$instance", ".+")
            answer = query(prom, promql)
            check(f"Prometheus evaluates the dashboard query {expression[:70]}",
                  answer.get("status") == "success", answer.get("error"))
        for title in ["Events recorded, by type", "Deliveries, by outcome", "Loops owned, per node", "Resident memory"]:
            panel = next(p for p in panels if p["title"] == title)
            promql = panel["targets"][0]["expr"].replace("$__rate_interval", "1m").replace("$instance", ".+")
            check(f"the panel '{title}' shows data", eventually(
                lambda: bool(query(prom, promql).get("data", {}).get("result")), 30))
        server.terminate()
        check("the server with --metrics stops cleanly on SIGTERM (exit 0)", server.wait(timeout=45) == 0)
    finally:
        for process in (prometheus, server):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(WORK, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
