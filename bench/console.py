#!/usr/bin/env python3
"""The console's budgets on the 100k-user benchmark data, in headless Chromium:
the users page visible after navigation (ms, from navigation start to the first page of users
on screen, marked by the page itself as `idm:users-visible`), and the CSV export of 10,000 users.

    bench/console.py --db postgres          # after `cargo build --release`
    IDM_BIN=target/release/idm bench/console.py --db sqlite --rounds 20

Uses bench/run's data (imported on first use) and its requester (a cluster system admin, who
sees every user). Needs chromium and chromedriver (apt-get install chromium chromium-driver).
"""

import argparse
import base64
import importlib.machinery
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader("benchrun", os.path.join(HERE, "run"))
spec = importlib.util.spec_from_loader("benchrun", loader)
bench = importlib.util.module_from_spec(spec)
loader.exec_module(bench)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WebDriver:
    def __init__(self, width=1280, height=800):
        self.port = free_port()
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/status", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())["value"]

    def s(self, path, method="POST", body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def goto(self, url):
        self.s("/url", body={"url": url})

    def js(self, script, *args):
        return self.s("/execute/sync", body={"script": script, "args": list(args)})

    def js_async(self, script, *args):
        return self.s("/execute/async", body={"script": script, "args": list(args)})

    def wait(self, script, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.01)
        sys.exit(f"timed out waiting for: {script}")

    def close(self):
        try:
            self.s("", method="DELETE")
        finally:
            self.proc.terminate()


VISIBLE = "const m = performance.getEntriesByName('idm:users-visible')[0]; return m ? m.startTime : null;"


def measure(kind, rounds, export_users):
    url = bench.ensure_data(kind)
    port = free_port()
    proc, _ = bench.start_idm(url, port)
    origin = f"http://127.0.0.1:{port}"
    token = bench.sh(f"DATABASE_URL='{url}' IDM_JWT_SECRET={bench.SECRET} RUST_LOG=warn "
                     f"{bench.BIN} token --email {bench.REQUESTER} --ttl 7200").strip()
    total = bench.post(origin + "/graphql", json.dumps(
        {"query": "{ users(portal: CLUSTER, first: 1) { totalCount } }"}), token)["data"]["users"]["totalCount"]
    wd = WebDriver()
    try:
        wd.goto(origin + "/admin/")
        wd.js("sessionStorage.setItem('idm.console.token', arguments[0])", token)
        page = origin + "/admin/users?portal=CLUSTER"
        wd.goto(page)  # the first visit fills the cache with the versioned assets
        wd.wait(VISIBLE)
        times = []
        for _ in range(rounds):
            wd.goto(page)
            times.append(wd.wait(VISIBLE))
        result = {"db": kind, "users": total, "visible_ms_median": round(statistics.median(times)),
                  "visible_ms_max": round(max(times)), "rounds": rounds}
        if export_users:
            result.update(export(wd, origin, export_users))
        return result
    finally:
        wd.close()
        proc.terminate()
        proc.wait()


def export(wd, origin, count):
    """Exports ~11,000 users (the name/email filter "user1": user1, user10-19, ..., user10000-
    19999) through the console's own export button, and scales the time to 10,000."""
    # Capture the download instead of saving it: the Blob handed to URL.createObjectURL.
    wd.goto(origin + "/admin/users?portal=CLUSTER&q=user1")
    wd.wait(VISIBLE)
    wd.js("""window.__csv = null;
             const original = URL.createObjectURL;
             URL.createObjectURL = (blob) => { blob.text().then(t => { window.__csv = t; }); return original(blob); };""")
    started = time.time()
    wd.js("""const b = [...document.querySelectorAll('button')].find(b => b.textContent.includes('Export CSV'));
             b.click();""")
    wd.wait("return window.__csv !== null;", timeout=600)
    seconds = time.time() - started
    rows = wd.js("return window.__csv.split('\\n').filter(l => l.trim()).length - 1;")
    return {"export_rows": rows, "export_s": round(seconds, 2),
            "export_s_per_10k": round(seconds * 10000 / max(rows, 1), 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--export", type=int, default=1, help="0: skip the CSV export")
    args = ap.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [measure(k, args.rounds, args.export) for k in kinds]
    print("| db | users | users page visible, median (max) | CSV export |")
    print("|---|---|---|---|")
    for r in results:
        exp = (f"{r['export_rows']} rows in {r['export_s']} s ({r['export_s_per_10k']} s per 10,000)"
               if "export_rows" in r else "—")
        print(f"| {r['db']} | {r['users']} | {r['visible_ms_median']} ms ({r['visible_ms_max']} ms) | {exp} |")


if __name__ == "__main__":
    main()
