#!/usr/bin/env python3
"""End-to-end latency: from POST /webhook to the Slack stub receiving the message for that delivery.

Runs a Slack incoming-webhook stub on 127.0.0.1:<stub-port> (answers 200 "ok", notes when each delivery id
arrives), then posts <count> calls to callhook one at a time at <rate> per second and prints the latency
percentiles. callhook must be started with CALLHOOK_SLACK_WEBHOOK_URL=http://127.0.0.1:<stub-port>/services/bench.
"""
import http.client
import http.server
import json
import re
import sys
import threading
import time
import uuid

stub_port, app_port, count, rate = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
arrived = {}
DELIVERY = re.compile(r"delivery (e2e-[0-9a-f-]+)")


class Stub(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8", "replace")
        now = time.perf_counter()
        for match in DELIVERY.findall(body):
            arrived.setdefault(match, now)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", stub_port), Stub)
threading.Thread(target=server.serve_forever, daemon=True).start()

with open(sys.argv[5]) as sample:
    envelope = json.load(sample)
sent = {}
connection = http.client.HTTPConnection("127.0.0.1", app_port, timeout=10)
for i in range(count):
    envelope["id"] = f"e2e-{uuid.uuid4()}"
    body = json.dumps(envelope)
    start = time.perf_counter()
    connection.request("POST", "/webhook", body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    if answer.status == 200:
        sent[envelope["id"]] = start
    time.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - start)))

deadline = time.time() + 30
while len([i for i in sent if i in arrived]) < len(sent) and time.time() < deadline:
    time.sleep(0.1)
latencies = sorted((arrived[i] - sent[i]) * 1000 for i in sent if i in arrived)
if not latencies:
    print("E2E no message arrived")
    sys.exit(1)


def percentile(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100.0 * (len(latencies) - 1))))]


print(f"E2E posted={len(sent)} arrived={len(latencies)} p50_ms={percentile(50):.1f} p99_ms={percentile(99):.1f} max_ms={latencies[-1]:.1f}")
server.shutdown()
