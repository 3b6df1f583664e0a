#!/usr/bin/env python3
"""Sign-in flood benchmark (issue #12): does a flood of failed sign-ins starve everyone else?

One server (release build, SQLite, `HOPS_TRUSTED_PROXIES=127.0.0.1` as behind the hospital's
reverse proxy), in one run:

  (a) baseline: `GET /healthz` latency under `wrk -c 4` on an idle server, and a real user's
      sign-in (right password, one at a time) on the idle server;
  (b) spread flood: `wrk -c 64` sends failed sign-ins, each claiming a new X-Forwarded-For
      address and naming one of 5,000 accounts, so neither the per-caller nor the per-account
      limit cuts it early and every request costs a password hash; meanwhile the same `/healthz`
      load and the same real user's sign-ins (from an address of their own) are measured;
  (c) one-caller flood: the same from one address; the per-caller limit cuts it after its burst
      and everything after is refused before any hashing.

Printed: /healthz p50/p99 and the real user's sign-in p50/max in each phase, with the ratio of
each flooded figure to the idle baseline; the flood's own rate, how many of its requests were
answered as a wrong password (401: hashed, or — once the server's budget of made-up-name
verifications is spent — a wait as long as a hash, without the CPU) and how many were refused
(429) before anything was hashed. Baseline: phase (a), the same server and load without a flood.

Usage: bench/login_flood.py [--seconds 10]
Needs: cargo, python3, wrk (apt-get install wrk).
"""
import argparse, json, os, re, shutil, subprocess, threading, time, urllib.request

from common import start_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/hops-target"))
PASSWORD = "Bench-Pass-2026!"


def login(base, forwarded):
    body = json.dumps({"hospital": "bench", "username": "operator", "password": PASSWORD}).encode()
    req = urllib.request.Request(base + "/api/v1/auth/login", data=body, method="POST",
                                 headers={"content-type": "application/json", "x-forwarded-for": forwarded})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    return status, (time.perf_counter() - t) * 1000


def wrk_healthz(base, seconds, out):
    r = subprocess.run(["wrk", "-t", "1", "-c", "4", "-d", f"{seconds}s", "--latency", base + "/healthz"],
                       capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", r, re.M))
    out["p50"], out["p99"] = ms(pct["50"]), ms(pct["99"])
    out["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", r).group(1))


def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk_flood(base, mode, seconds, out):
    r = subprocess.run(["wrk", "-t", "2", "-c", "64", "-d", f"{seconds}s", "--timeout", "30s",
                        "-s", os.path.join(ROOT, "bench", "login_flood.lua"), base, "--", mode, "bench"],
                       capture_output=True, text=True, check=True).stdout
    m = re.search(r"RESULT (.*)", r)
    assert m, r
    out.update({k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())})


def user_logins(base, seconds, out, who):
    """The real user signing in once every 0.5 s for `seconds` (each from their own address)."""
    times, statuses = [], []
    end = time.time() + seconds
    while time.time() < end:
        s, t = login(base, who)
        statuses.append(s)
        times.append(t)
        time.sleep(0.5)
    times.sort()
    out["login_p50"] = times[len(times) // 2]
    out["login_max"] = times[-1]
    out["login_ok"] = f"{statuses.count(200)}/{len(statuses)}"


def phase(base, seconds, flood=None):
    h, u, f = {}, {}, {}
    jobs = [threading.Thread(target=wrk_healthz, args=(base, seconds, h)),
            threading.Thread(target=user_logins, args=(base, seconds, u, "192.0.2.10"))]
    if flood:
        jobs.append(threading.Thread(target=wrk_flood, args=(base, flood, seconds, f)))
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()
    return h, u, f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    assert shutil.which("wrk"), "wrk is missing: apt-get install wrk"
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "hops"], cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
    hops = os.path.join(TARGET, "release", "hops")
    server, base, data = start_server(hops, PASSWORD, "hops-bench-login-", {"HOPS_TRUSTED_PROXIES": "127.0.0.1", "HOPS_LOG": "error"})
    try:
        print(f"cores: {os.cpu_count()}; each phase {a.seconds} s; /healthz under wrk -c 4; the real user signs in every 0.5 s")
        idle_h, idle_u, _ = phase(base, a.seconds)
        print(f"(a) idle:            /healthz p50 {idle_h['p50']:.2f} ms p99 {idle_h['p99']:.2f} ms ({idle_h['rps']:.0f} req/s); "
              f"user sign-in p50 {idle_u['login_p50']:.0f} ms max {idle_u['login_max']:.0f} ms ({idle_u['login_ok']} ok)")
        for label, mode in (("(b) spread flood:    ", "spread"), ("(c) one-caller flood:", "one")):
            h, u, f = phase(base, a.seconds, mode)
            print(f"{label} /healthz p50 {h['p50']:.2f} ms p99 {h['p99']:.2f} ms ({h['rps']:.0f} req/s), "
                  f"p99 ratio to idle {h['p99'] / idle_h['p99']:.2f}; user sign-in p50 {u['login_p50']:.0f} ms max {u['login_max']:.0f} ms "
                  f"({u['login_ok']} ok), p50 ratio to idle {u['login_p50'] / idle_u['login_p50']:.2f}; "
                  f"flood {f['rps']:.0f} req/s, {int(f['s401'])} answered as wrong (401), {int(f['s429'])} refused before any hashing (429), "
                  f"{int(f['other'])} other, flood p99 {f['p99']:.0f} ms")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
