-- Roll-ups that make a KPI set a read of a few hundred rows, however long the history
-- (SPEC §1, issue #3: "maintain aggregates incrementally on ingest"). All are maintained in
-- the ingest transaction; see crates/hops-analytics/src/rollup.rs for the definitions.

-- consultation_daily summed per period: `period_kind` is week, month, quarter, half or year,
-- `period_start` its first day (Asia/Shanghai day number).
CREATE TABLE consultation_period (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    period_kind TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    department_id BIGINT NOT NULL,
    doctor_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created BIGINT NOT NULL,
    paid BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    reply_count BIGINT NOT NULL,
    reply_micros BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    good BIGINT NOT NULL,
    revenue_fen BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, period_kind, period_start, department_id, doctor_id, kind)
);

-- Distinct patients with a consultation in a period, and those of them who had one before it.
CREATE TABLE period_patients (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    period_kind TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    patients BIGINT NOT NULL,
    returning_patients BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, period_kind, period_start)
);

-- Daily sums of appointments, payments and prescriptions, one row per metric and day.
CREATE TABLE activity_daily (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    metric TEXT NOT NULL,
    day INTEGER NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, metric, day)
);

-- Bad reviews (rating ≤ 2) per day of the consultation and reason (hops_analytics::reviews).
CREATE TABLE review_reason_daily (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    day INTEGER NOT NULL,
    reason TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, day, reason)
);

-- Hospitals whose roll-ups are rebuilt from the raw rows at the next start: those with
-- activity ingested before this migration.
CREATE TABLE rollup_rebuilds (
    hospital_id BIGINT NOT NULL PRIMARY KEY REFERENCES hospitals (id)
);
INSERT INTO rollup_rebuilds (hospital_id)
    SELECT hospital_id FROM consultations UNION SELECT hospital_id FROM appointments
    UNION SELECT hospital_id FROM payments UNION SELECT hospital_id FROM prescriptions;

-- Revenue R per contract year (seed 000's fee rules): when the contract year starts (day
-- number of the contract start; each year runs from its anniversary), the target R is measured
-- against, and which revenue counts (comma-separated component codes, see
-- crates/hops-analytics/src/revenue/model.rs).
CREATE TABLE revenue_settings (
    hospital_id BIGINT NOT NULL PRIMARY KEY REFERENCES hospitals (id),
    contract_start INTEGER NOT NULL,
    target_fen BIGINT NOT NULL,
    components TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
