#!/usr/bin/env python3
"""Checkup booking benchmark (issue #4), on SQLite and on PostgreSQL, in one run:

  (a) throughput: N concurrent clients (N = 1, 16, 64, 256; wrk on loopback) book a checkup each
      for a new person through `POST /api/v1/checkup/bookings` for 10 s on a date with ample
      places: bookings/s, p50/p99 latency, and the date's `used` against the 201 answers (up to
      N more: answers in flight when wrk stops are not read);
  (b) the last places: N clients hammer a date with 100 places for 5 s: exactly 100 bookings,
      every other answer 409 capacity_full, `used` = capacity, never more;
  (c) baseline: the bare capacity-taking transaction (conditional UPDATE of the pool + INSERT of
      the booking) with pgbench on the same PostgreSQL, custom script, same N; hops's rate is
      printed as a ratio of it.

Usage: bench/booking.py [--seconds 10] [--clients 1,16,64,256]
Needs: cargo, python3, wrk (apt-get install wrk), PostgreSQL at HOPS_BENCH_PG
(default postgres://postgres@127.0.0.1:5432) with pgbench.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request

import common
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/hops-target"))
PG = os.environ.get("HOPS_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "Bench-Pass-2026!"


def http(method, url, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def psql(db, sql):
    subprocess.run(["psql", f"{PG}/{db}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True, stdout=subprocess.DEVNULL)


def fresh_pg_db(name):
    psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    psql("postgres", f"CREATE DATABASE {name}")
    return f"{PG}/{name}"


def start_server(hops, engine):
    url = fresh_pg_db("hops_bench_booking") if engine == "postgres" else None
    server, base, data = common.start_server(hops, PASSWORD, f"hops-bench-booking-{engine}-", database_url=url)
    s, r = http("POST", base + "/api/v1/auth/login", {"hospital": "bench", "username": "operator", "password": PASSWORD})
    assert s == 200, r
    token = r["token"]
    for item in [{"code": "BLOOD", "name": "血常规", "category": "检验", "body_part": "血液", "price": "30.00"},
                 {"code": "DR", "name": "胸部DR", "category": "影像", "body_part": "胸部", "price": "80.00"}]:
        assert http("POST", base + "/api/v1/checkup/items", item, token)[0] == 200
    s, r = http("POST", base + "/api/v1/checkup/packages", {"code": "BASIC", "name": "基础套餐", "price": "100.00", "items": ["BLOOD", "DR"]}, token)
    assert s == 200, r
    return server, base, token, data


def capacity(base, token, day, n):
    s, r = http("PUT", f"{base}/api/v1/checkup/capacity/{day}", {"individual": n}, token)
    assert s == 200, r


def used(base, token, day):
    s, r = http("GET", f"{base}/api/v1/checkup/capacity/{day}", token=token)
    pool = next(p for p in r["pools"] if p["kind"] == "individual")
    return pool["capacity"], pool["used"]


def wrk(base, token, day, clients, seconds, offset):
    out = subprocess.run(["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
                          "-s", os.path.join(ROOT, "bench", "booking.lua"), base, "--", "/api/v1/checkup/bookings", token, day, str(offset)],
                         capture_output=True, text=True, check=True)
    m = re.search(r"RESULT (.*)", out.stdout)
    assert m, out.stdout + out.stderr
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


PGBENCH_SCRIPT = """\\set n random(1, 2000000000)
BEGIN;
UPDATE pools SET used = used + 1 WHERE id = 1 AND used < capacity;
INSERT INTO bookings (id, pool_id, created_at) VALUES (:n, 1, now()) ON CONFLICT DO NOTHING;
COMMIT;
"""


def max_connections():
    out = subprocess.run(["psql", f"{PG}/postgres", "-qAtc", "SHOW max_connections"], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def pgbench(clients, seconds):
    """The bare transaction's rate with `clients` connections (at most the server's
    max_connections less 10: beyond that PostgreSQL refuses connections)."""
    clients = min(clients, max_connections() - 10)
    url = fresh_pg_db("hops_bench_pgbench")
    psql("hops_bench_pgbench", "CREATE TABLE pools (id int PRIMARY KEY, capacity bigint, used bigint); INSERT INTO pools VALUES (1, 1000000000, 0); "
         "CREATE TABLE bookings (id bigint PRIMARY KEY, pool_id int, created_at timestamptz)")
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)
    script.write(PGBENCH_SCRIPT)
    script.close()
    logs = tempfile.mkdtemp(prefix="hops-bench-pgbench-")
    out = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), "-f", script.name,
                          "-l", "--log-prefix", os.path.join(logs, "tx"), url],
                         capture_output=True, text=True, check=True)
    m = re.search(r"tps = ([0-9.]+)", out.stdout)
    # Per-transaction log: the third column is the latency in µs.
    lat = sorted(int(line.split()[2]) for f in os.listdir(logs) for line in open(os.path.join(logs, f)) if line.strip())
    shutil.rmtree(logs, ignore_errors=True)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0 if lat else float("nan")
    return float(m.group(1)), clients, pct(0.5), pct(0.99)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", default="1,16,64,256")
    ap.add_argument("--hops", help="a hops binary to use instead of building the release one")
    a = ap.parse_args()
    clients = [int(c) for c in a.clients.split(",")]
    hops = a.hops
    if not hops:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "hops"], cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
        hops = os.path.join(TARGET, "release", "hops")
    if not shutil.which("wrk") or not shutil.which("pgbench"):
        sys.exit("needs wrk and pgbench (apt-get install wrk postgresql-client)")
    pg = {n: pgbench(n, a.seconds) for n in clients}
    base_rates = {n: b[0] for n, b in pg.items()}
    for n, (_, used_clients, _, _) in pg.items():
        if used_clients != n:
            print(f"note: pgbench ran {used_clients} clients for N = {n} (PostgreSQL max_connections)")
    print(f"{'engine':9} {'N':>4} {'bookings/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'201':>7} {'used':>7} {'other':>6} {'pgbench tps':>12} {'p50/p99 ms':>13} {'ratio':>6}   last 100 places")
    offset = 0
    for engine in ["sqlite", "postgres"]:
        server, base, token, data = start_server(hops, engine)
        try:
            for i, n in enumerate(clients):
                hot = (date.today() + timedelta(days=1 + i)).isoformat()
                capacity(base, token, hot, 100_000)
                r = wrk(base, token, hot, n, a.seconds, offset)
                offset += 20_000_000
                cap, u = used(base, token, hot)
                # wrk stops at the deadline without reading the answers still in flight (at most
                # one per client): those bookings exist though wrk did not count them.
                assert r["created"] <= u <= r["created"] + n, f"used {u} against {r['created']} answered 201"
                rate = r["created"] / r["seconds"]
                last = (date.today() + timedelta(days=30 + i)).isoformat()
                capacity(base, token, last, 100)
                l = wrk(base, token, last, n, 5, offset)
                offset += 20_000_000
                lcap, lused = used(base, token, last)
                ok = l["created"] == 100 and lused == 100 and l["other"] == 0
                print(f"{engine:9} {n:>4} {rate:>11.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {int(r['created']):>7} {u:>7} {int(r['other']):>6} "
                      f"{base_rates[n]:>12.1f} {pg[n][2]:>6.2f}/{pg[n][3]:<6.2f} {rate / base_rates[n]:>6.2f}   {int(l['created'])} booked of {lcap}, used {lused}, "
                      f"{int(l['full'])} capacity_full, {int(l['other'])} other: {'OK' if ok else 'WRONG'}")
                sys.stdout.flush()
        finally:
            server.terminate()
            server.wait()
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
