#!/usr/bin/env python3
"""The hops KPI set (docs/kpis.md) in DuckDB over CSV exports — the baseline of bench/analytics.py.
Args: EXPORT_DIR SPEC_JSON RUNS. Prints {"times": {kind: seconds}, "values": {kind: {key: value}}}."""
import datetime as dt, json, os, statistics, sys, time

import duckdb

export, spec, runs = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
con = duckdb.connect()
for t in ["consultations", "appointments", "payments", "prescriptions", "patients", "departments"]:
    con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_csv_auto('{os.path.join(export, t + '.csv')}', header=true)")

EPOCH = dt.date(1970, 1, 1)


def start_us(d):
    """00:00 Asia/Shanghai of date d, in µs since the epoch."""
    return ((d - EPOCH).days * 86400 - 8 * 3600) * 1_000_000


def add_months(d, n):
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def ranges(kind, start):
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
    s = dt.date.fromisoformat(start)
    cur = (s, add_months(s, months))
    prev = (add_months(s, -months), s)
    ago = (add_months(s, -12), add_months(s, months - 12))
    return [cur, prev, ago]


def r4(x):
    return None if x is None else round(x, 4)


def kpis(a, b, doctors):
    f, t = start_us(a), start_us(b)
    c = con.execute(
        """SELECT count(*), count(paid_at), count(completed_at), count(refunded_at), count(accepted_at),
                  count(*) FILTER (WHERE paid_at IS NOT NULL AND first_reply_at IS NOT NULL),
                  sum(first_reply_at - paid_at) FILTER (WHERE paid_at IS NOT NULL AND first_reply_at IS NOT NULL),
                  count(rating), sum(rating), count(*) FILTER (WHERE rating >= 4),
                  coalesce(sum(amount_fen) FILTER (WHERE paid_at IS NOT NULL AND refunded_at IS NULL), 0),
                  count(*) FILTER (WHERE kind = 'revisit'),
                  count(DISTINCT doctor_id) FILTER (WHERE completed_at IS NOT NULL),
                  count(DISTINCT patient_id)
           FROM consultations WHERE created_at >= ? AND created_at < ?""", [f, t]).fetchone()
    created, paid, completed, refunded, accepted, rn, rs, rated, rsum, good, revenue, revisit, active, patients = c
    returning = con.execute(
        """SELECT count(DISTINCT p.patient_id) FROM consultations p WHERE p.created_at >= ? AND p.created_at < ?
           AND p.patient_id IN (SELECT patient_id FROM consultations WHERE created_at < ?)""", [f, t, f]).fetchone()[0]
    regs = con.execute("SELECT count(*) FROM patients WHERE registered_at >= ? AND registered_at < ?", [f, t]).fetchone()[0]
    appts = con.execute("SELECT count(*) FROM appointments WHERE booked_at >= ? AND booked_at < ?", [f, t]).fetchone()[0]
    pay = con.execute("SELECT coalesce(sum(amount_fen), 0), count(*) FILTER (WHERE insurance_fen > 0), coalesce(sum(insurance_fen), 0) FROM payments WHERE paid_at >= ? AND paid_at < ?", [f, t]).fetchone()
    issued = con.execute("SELECT count(*) FROM prescriptions WHERE issued_at >= ? AND issued_at < ?", [f, t]).fetchone()[0]
    delivered = con.execute("SELECT count(*) FROM prescriptions WHERE delivered_at >= ? AND delivered_at < ?", [f, t]).fetchone()[0]
    share = con.execute("SELECT department_id, count(*) FROM consultations WHERE created_at >= ? AND created_at < ? AND paid_at IS NOT NULL GROUP BY department_id", [f, t]).fetchall()
    yuan = lambda fen: f"{fen // 100}.{fen % 100:02d}"
    rate = lambda n, d: r4(n / d) if d else None
    return {
        "registrations_new": regs,
        "consultations_created": created,
        "consultations_paid": paid,
        "consultations_completed": completed,
        "consultations_refunded": refunded,
        "conversion_rate": rate(paid, created),
        "acceptance_rate": rate(accepted, paid),
        "avg_first_reply_minutes": round(rs / rn / 60e6, 2) if rn else None,
        "active_doctors": active,
        "doctor_activity_rate": rate(active, doctors),
        "satisfaction_avg": round(rsum / rated, 2) if rated else None,
        "good_review_rate": rate(good, rated),
        "consultation_revenue": yuan(int(revenue)),
        "appointments": appts,
        "payments_total": yuan(int(pay[0])),
        "insurance_settlements": pay[1],
        "insurance_amount": yuan(int(pay[2])),
        "prescriptions_issued": issued,
        "prescriptions_delivered": delivered,
        "revisit_share": rate(revisit, created),
        "returning_patient_rate": rate(returning, patients),
    }, share


out = {"times": {}, "values": {}}
for kind, s in spec.items():
    rs = ranges(kind, s["periods"]["start"])
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        results = [kpis(a, b, s["doctors"]) for a, b in rs]
        times.append(time.perf_counter() - t0)
    out["times"][kind] = statistics.median(times)
    out["values"][kind] = results[0][0]
print(json.dumps(out))
