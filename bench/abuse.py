#!/usr/bin/env python3
"""Two figures of the security review (issue 16), against the benchmark's 100k-user world:

  heavy   8 clients send the heaviest search document the limits still admit, over and over,
          as a cluster system admin; meanwhile another user asks `me` every 200 ms. Prints
          the `me` latencies (the goal: within 1 s) and the heavy documents' own.
  labels  20,000 requests of `{ __typename }`, each with a random 60-letter operationName
          (names the document does not have); prints idm's RSS and the size of /metrics
          before and after.

    IDM_BIN=target/release/idm bench/abuse.py [--db sqlite|postgres] [--seconds 20]

Uses bench/run's data (bench/.data, database idm_bench) and helpers.
"""

import argparse
import http.client
import importlib.machinery
import importlib.util
import json
import os
import random
import statistics
import string
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
spec = importlib.util.spec_from_loader("bench_run", loader)
bench = importlib.util.module_from_spec(spec)
loader.exec_module(bench)

PORT = 18181


def heavy_documents():
    """The heaviest shapes of the review's document still under the complexity limit."""
    def searches(aliases, keys):
        one = ('users(portal: CLUSTER, first: 1, filter: {nameEmail: "1"}, orderBy: %s) '
               '{ totalCount }' % keys)
        return "{ %s }" % " ".join(f"a{i}: {one}" for i in range(aliases))
    return {
        "4 searches, 1 sort key": searches(4, "[{field: EMAIL}]"),
        "3 searches, 3 sort keys": searches(3, "[{field: EMAIL}, {field: LAST_NAME}, {field: FIRST_NAME}]"),
    }


class Client:
    """One keep-alive connection to idm."""

    def __init__(self, token):
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def post(self, body):
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        started = time.perf_counter()
        self.conn.request("POST", "/graphql", body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started


def token_for(url, email):
    env = dict(os.environ, DATABASE_URL=url, IDM_JWT_SECRET=bench.SECRET, RUST_LOG="warn")
    return subprocess.run([bench.BIN, "token", "--email", email], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def heavy(url, kind, seconds):
    admin = token_for(url, bench.REQUESTER)
    sql = "SELECT email FROM app_user WHERE id = 2"
    other_email = bench.query_ids(kind, sql)[0] if kind == "sqlite" else bench.psql(sql)
    other = token_for(url, other_email)
    for name, document in heavy_documents().items():
        proc, _ = bench.start_idm(url, PORT)
        try:
            body = json.dumps({"query": document})
            status, data, _ = Client(admin).post(body)
            answer = json.loads(data)
            assert status == 200 and "errors" not in answer, (status, answer)
            stop = time.time() + seconds
            heavy_times, heavy_codes = [], {}

            def load():
                client = Client(admin)
                while time.time() < stop:
                    status, _, elapsed = client.post(body)
                    heavy_times.append(elapsed)
                    heavy_codes[status] = heavy_codes.get(status, 0) + 1

            threads = [threading.Thread(target=load) for _ in range(8)]
            for t in threads:
                t.start()
            me_times, me_bad = [], 0
            client = Client(other)
            me = json.dumps({"query": "{ me { email } }"})
            time.sleep(1)
            while time.time() < stop - 1:
                status, _, elapsed = client.post(me)
                me_times.append(elapsed)
                me_bad += status != 200
                time.sleep(0.2)
            for t in threads:
                t.join()
            print(f"{kind}, {name}: heavy {len(heavy_times)} answered {heavy_codes}, "
                  f"p50 {statistics.median(heavy_times):.2f} s, max {max(heavy_times):.2f} s; "
                  f"me ({len(me_times)}, {me_bad} not 200): p50 {statistics.median(me_times) * 1000:.0f} ms, "
                  f"p99 {pct(me_times, 99) * 1000:.0f} ms, max {max(me_times) * 1000:.0f} ms")
        finally:
            proc.terminate()
            proc.wait()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def metrics_size():
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    conn.request("GET", "/metrics")
    return len(conn.getresponse().read())


def labels(url, kind, requests):
    admin = token_for(url, bench.REQUESTER)
    proc, _ = bench.start_idm(url, PORT)
    try:
        client = Client(admin)
        warm = json.dumps({"query": "{ __typename }"})
        for _ in range(100):
            client.post(warm)
        before = (rss_mb(proc.pid), metrics_size())
        rng = random.Random(1)
        for _ in range(requests):
            name = "op_" + "".join(rng.choice(string.ascii_letters) for _ in range(60))
            status, _, _ = client.post(json.dumps({"query": "{ __typename }", "operationName": name}))
            assert status == 200, status
        after = (rss_mb(proc.pid), metrics_size())
        print(f"{kind}, {requests} requests with invented operation names: RSS {before[0]:.1f} -> "
              f"{after[0]:.1f} MB, /metrics {before[1] / 1024:.1f} -> {after[1] / 1024:.1f} KiB")
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--only", choices=["heavy", "labels"])
    args = parser.parse_args()
    for kind in args.db or ["sqlite", "postgres"]:
        url = bench.ensure_data(kind)
        if args.only in (None, "labels"):
            labels(url, kind, args.requests)
        if args.only in (None, "heavy"):
            heavy(url, kind, args.seconds)


if __name__ == "__main__":
    main()
