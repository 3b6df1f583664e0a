#!/usr/bin/env python3
"""Analytics benchmark (issue #3), run side by side in one run:

  (a) the complete KPI set (current period, previous period, same period a year earlier,
      department share) through hops — `GET /api/v1/kpis` with `Cache-Control: no-cache`, so
      the set is computed for every request — for one month and one quarter;
  (b) the same KPI set computed by DuckDB over the same rows (exported from hops' database to
      CSV and loaded in memory first; loading is not timed);
  (c) p50/p99 latency of `GET /api/v1/kpis` and of the dashboard page under wrk on loopback
      (as users get them: KPI sets remembered for up to 5 s, cleared by any change).

Usage: bench/analytics.py [--scale N]   (N = 10 → ≈1 million consultations; 100 → ≈10 million)
The demo data is generated once per scale under ~/.cache/hops-bench/ and reused.
Needs: cargo, python3, wrk (apt-get install wrk); DuckDB is installed into a venv under
~/.cache/hops-bench-venv by this script (pip, from PyPI).
"""
import argparse, csv, json, os, re, sqlite3, statistics, subprocess, sys, time, urllib.request

from common import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.expanduser("~/.cache")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(CACHE, "hops-target"))
VENV = os.path.join(CACHE, "hops-bench-venv")


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def ensure_duckdb():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        sh(sys.executable, "-m", "venv", VENV)
    if subprocess.run([py, "-c", "import duckdb"], capture_output=True).returncode != 0:
        sh(py, "-m", "pip", "install", "-q", "duckdb")
    return py


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.status, r.read(), r.headers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    a = ap.parse_args()
    # Build into the same target directory the binary is run from.
    sh("cargo", "build", "--release", "-q", "-p", "hops", cwd=ROOT, env={**os.environ, "CARGO_TARGET_DIR": TARGET})
    hops = os.path.join(TARGET, "release", "hops")
    data = os.path.join(CACHE, "hops-bench", f"scale-{a.scale}")
    if not os.path.exists(os.path.join(data, "done")):
        os.makedirs(data, exist_ok=True)
        t = time.time()
        sh(hops, "--data", data, "demo", "--scale", str(a.scale), "--no-serve", stdout=subprocess.DEVNULL)
        open(os.path.join(data, "done"), "w").write(f"{time.time() - t:.0f}\n")
    db = sqlite3.connect(os.path.join(data, "hops.db"))
    n_cons = db.execute("SELECT COUNT(*) FROM consultations").fetchone()[0]
    h = db.execute("SELECT id FROM hospitals WHERE code = 'demo'").fetchone()[0]
    last_day = db.execute("SELECT MAX(created_day) FROM consultations").fetchone()[0]
    print(f"data: scale {a.scale}, {n_cons:,} consultations (generated in {open(os.path.join(data, 'done')).read().strip()} s)")

    port = free_port()
    env = dict(os.environ, HOPS_JOB_WORKERS="0", HOPS_LOG="warn")
    server = subprocess.Popen([hops, "--data", data, "serve", "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                http("GET", base + "/healthz")
                break
            except Exception:
                time.sleep(0.2)
        _, body, _ = http("POST", base + "/api/v1/auth/login", {"hospital": "demo", "username": "operator", "password": "Hops-Demo-2026"})
        token = json.loads(body)["token"]
        auth = {"authorization": f"Bearer {token}"}
        # The last full month before the data's last day, and its quarter.
        y, m = time.gmtime((last_day - 25) * 86400)[:2]
        month = f"{y:04d}-{m:02d}"
        periods = [("month", month), ("quarter", month)]
        hops_times, kpis = {}, {}
        for kind, at in periods:
            ts = []
            for _ in range(a.runs):
                t = time.perf_counter()
                # no-cache: time the computation, not the few-second memo of KPI sets.
                _, body, _ = http("GET", f"{base}/api/v1/kpis?period={kind}&at={at}", headers={**auth, "Cache-Control": "no-cache"})
                ts.append(time.perf_counter() - t)
            hops_times[kind] = statistics.median(ts)
            kpis[kind] = json.loads(body)

        py = ensure_duckdb()
        export = os.path.join(data, "csv")
        if not os.path.exists(os.path.join(export, "done")):
            os.makedirs(export, exist_ok=True)
            for table, cols in [
                ("consultations", "patient_id, department_id, doctor_id, kind, created_at, paid_at, accepted_at, first_reply_at, completed_at, refunded_at, amount_fen, rating"),
                ("appointments", "booked_at"),
                ("payments", "amount_fen, paid_at, insurance_fen"),
                ("prescriptions", "issued_at, delivered_at"),
                ("patients", "registered_at"),
                ("departments", "id, code"),
            ]:
                with open(os.path.join(export, f"{table}.csv"), "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow([c.strip() for c in cols.split(",")])
                    for row in db.execute(f"SELECT {cols} FROM {table} WHERE hospital_id = ?", (h,)):
                        w.writerow(["" if v is None else v for v in row])
            open(os.path.join(export, "done"), "w").write("ok")
        doctors = db.execute("SELECT COUNT(*) FROM doctors WHERE hospital_id = ?", (h,)).fetchone()[0]
        bounds = {kind: [(k["period"]["start"]) for k in [kpis[kind]]] for kind, _ in periods}
        spec = {kind: {"periods": period_bounds(kpis[kind]["period"]), "doctors": doctors} for kind, _ in periods}
        out = subprocess.run([py, os.path.join(ROOT, "bench", "duckdb_kpis.py"), export, json.dumps(spec), str(a.runs)], check=True, capture_output=True, text=True).stdout
        duck = json.loads(out)
        print()
        print(f"{'KPI set':<12}{'hops (s)':>12}{'DuckDB (s)':>12}{'hops/DuckDB':>14}")
        for kind, _ in periods:
            print(f"{kind:<12}{hops_times[kind]:>12.3f}{duck['times'][kind]:>12.3f}{hops_times[kind] / duck['times'][kind]:>14.2f}")
        for kind, _ in periods:
            mine = kpis[kind]["kpis"]
            theirs = duck["values"][kind]
            diffs = [k for k, v in theirs.items() if mine.get(k, {}).get("value") != v]
            print(f"{kind}: {len(theirs)} KPIs compared with DuckDB, {len(diffs)} differ {diffs[:5]}")

        # Latency under load.
        _, _, headers = http_form(base + "/login", {"hospital": "demo", "username": "operator", "password": "Hops-Demo-2026"})
        cookie = re.search(r"hops_session=[^;]+", headers.get("set-cookie", "")).group(0)
        print()
        for name, url, header in [
            ("GET /api/v1/kpis (month)", f"{base}/api/v1/kpis?period=month&at={month}", f"Authorization: Bearer {token}"),
            ("GET / (dashboard)", f"{base}/", f"Cookie: {cookie}"),
        ]:
            # The first request computes what the memo then serves for a few seconds; time it
            # on its own (it is the cost after every change), then load the warm server.
            hname, hvalue = header.split(": ", 1)
            t = time.perf_counter()
            http("GET", url, headers={hname: hvalue})
            first_ms = (time.perf_counter() - t) * 1000
            r = subprocess.run(["wrk", "-t2", "-c8", f"-d{a.wrk_seconds}s", "--timeout", "60s", "--latency", "-H", header, url], capture_output=True, text=True, check=True).stdout
            lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", r, re.M))
            rps = re.search(r"Requests/sec:\s+(\S+)", r).group(1)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", r)
            print(f"{name:<28} first request {first_ms:.1f}ms; then p50 {lat.get('50')}, p99 {lat.get('99')}, {rps} req/s{'' if not non2xx else ', ' + non2xx.group(1) + ' errors'} (wrk -t2 -c8, target p99 < 50 ms)")
    finally:
        server.terminate()
        server.wait()


def period_bounds(p):
    return {"start": p["start"], "end": p["end"]}


def http_form(url, fields):
    import urllib.parse

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        r = opener.open(req)
        return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


if __name__ == "__main__":
    main()
