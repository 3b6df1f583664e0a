-- Internet-hospital activity (SPEC §1), ingested from the platform vendor's system.
-- Instants are µs since the epoch; *_day columns are Asia/Shanghai calendar days (for grouping);
-- money is integer fen. Rows are keyed by the source system's external_id (idempotent ingest).

CREATE TABLE consultations (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    external_id TEXT NOT NULL,
    patient_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    doctor_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_day INTEGER NOT NULL,
    paid_at BIGINT,
    accepted_at BIGINT,
    first_reply_at BIGINT,
    completed_at BIGINT,
    cancelled_at BIGINT,
    refunded_at BIGINT,
    amount_fen BIGINT NOT NULL,
    rating SMALLINT,
    review TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, external_id),
    FOREIGN KEY (hospital_id, patient_id) REFERENCES patients (hospital_id, id),
    FOREIGN KEY (hospital_id, department_id) REFERENCES departments (hospital_id, id),
    FOREIGN KEY (hospital_id, doctor_id) REFERENCES doctors (hospital_id, id)
);
CREATE INDEX consultations_created ON consultations (hospital_id, created_at);
CREATE INDEX consultations_patient ON consultations (hospital_id, patient_id, created_at);
CREATE INDEX consultations_day ON consultations (hospital_id, created_day);

CREATE TABLE appointments (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    external_id TEXT NOT NULL,
    patient_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    doctor_id BIGINT,
    booked_at BIGINT NOT NULL,
    visit_date INTEGER NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, external_id),
    FOREIGN KEY (hospital_id, patient_id) REFERENCES patients (hospital_id, id),
    FOREIGN KEY (hospital_id, department_id) REFERENCES departments (hospital_id, id)
);
CREATE INDEX appointments_booked ON appointments (hospital_id, booked_at);

CREATE TABLE payments (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    external_id TEXT NOT NULL,
    patient_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_at BIGINT NOT NULL,
    insurance_fen BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, external_id),
    FOREIGN KEY (hospital_id, patient_id) REFERENCES patients (hospital_id, id)
);
CREATE INDEX payments_paid ON payments (hospital_id, paid_at);

CREATE TABLE prescriptions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    external_id TEXT NOT NULL,
    consultation_id BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    reviewed_at BIGINT,
    dispensed_at BIGINT,
    delivery TEXT NOT NULL,
    shipped_at BIGINT,
    delivered_at BIGINT,
    amount_fen BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, external_id),
    FOREIGN KEY (hospital_id, consultation_id) REFERENCES consultations (hospital_id, id)
);
CREATE INDEX prescriptions_issued ON prescriptions (hospital_id, issued_at);
CREATE INDEX prescriptions_delivered ON prescriptions (hospital_id, delivered_at);

-- Daily aggregates of consultations, maintained on ingest (the days a batch touches are
-- recomputed in the same transaction), so KPIs and dashboards read days, not raw rows.
CREATE TABLE consultation_daily (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    day INTEGER NOT NULL,
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
    PRIMARY KEY (hospital_id, day, department_id, doctor_id, kind)
);
