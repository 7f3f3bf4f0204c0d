#!/usr/bin/env python3
"""Signs in to a running Digna as a staff account and times dashboard pages by the
server's own `Server-Timing: app;dur=<ms>` header (bench/dashboards.sh).

  dashboards_client.py --base http://127.0.0.1:PORT --email E --password P \
      --page overview=/dashboard --page station=/dashboard/station/LIMC-001 --repeat 10

Each page is requested --repeat times; the first is a warm-up. Prints one JSON object:
{"overview": {"server_ms": median, "server_ms_all": [...], "wall_ms": median, "bytes": n}, ...}.
Fails when a page is not a 200 or lacks the header (an error page must not be timed).

--cpu NAME=PID (the server) and --cpu-tree NAME=PID (PostgreSQL's postmaster: it, its
processes and those it has reaped) add each page's "cpu_ms": CPU time per timed request
(warm-up excluded), by NAME.
"""
import os
import argparse
import http.cookiejar
import json
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--page", action="append", default=[], help="name=path")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--cpu", action="append", default=[], help="name=pid")
    ap.add_argument("--cpu-tree", action="append", default=[], help="name=pid")
    args = ap.parse_args()
    meters = [(n, int(p), False) for n, p in (c.split("=", 1) for c in args.cpu)]
    meters += [(n, int(p), True) for n, p in (c.split("=", 1) for c in args.cpu_tree)]

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(args.base + "/signin").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    if not csrf:
        sys.exit("no csrf token in the sign-in form")
    body = urllib.parse.urlencode(
        {"csrf": csrf.group(1), "next": "/dashboard", "email": args.email, "password": args.password}
    ).encode()
    signed_in = opener.open(args.base + "/signin", body)
    if urllib.parse.urlparse(signed_in.geturl()).path != "/dashboard":
        sys.exit(f"sign-in did not reach the dashboard: {signed_in.geturl()}")

    out = {}
    for page in args.page:
        name, path = page.split("=", 1)
        server, wall = [], []
        size = 0
        cpu_before = {}
        for i in range(max(args.repeat, 2)):
            if i == 1:
                cpu_before = {n: cpu_seconds(pid, tree) for n, pid, tree in meters}
            start = time.perf_counter()
            r = opener.open(args.base + path)
            html = r.read()
            wall.append((time.perf_counter() - start) * 1000)
            timing = r.headers.get("Server-Timing", "")
            m = re.search(r"dur=([0-9.]+)", timing)
            if r.status != 200 or not m:
                sys.exit(f"{name}: status {r.status}, Server-Timing {timing!r}")
            server.append(float(m.group(1)))
            size = len(html)
        text = html.decode()
        if 'role="alert"' in text and "form-error" in text:
            sys.exit(f"{name}: the page reports an error in its filters or items")
        out[name] = {
            "server_ms": statistics.median(server[1:]),
            "server_ms_all": server,
            "wall_ms": statistics.median(wall[1:]),
            "bytes": size,
            "stations_listed": text.count("data-station="),
            "cpu_ms": {n: (cpu_seconds(pid, tree) - cpu_before[n]) * 1000 / (len(server) - 1)
                       for n, pid, tree in meters},
        }
    print(json.dumps(out))


def cpu_seconds(pid, tree):
    """User + system CPU of a process; with tree, also of its children, live or reaped."""
    def fields(p):
        with open(f"/proc/{p}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    f = fields(pid)
    ticks = int(f[11]) + int(f[12])
    if tree:
        ticks += int(f[13]) + int(f[14])
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == pid:
                continue
            try:
                c = fields(p)
            except OSError:
                continue
            if int(c[1]) == pid:
                ticks += int(c[11]) + int(c[12])
    return ticks / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
