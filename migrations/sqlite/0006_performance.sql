-- Doctor performance (医生绩效, SPEC §1 item 7): a per-hospital monthly formula, per-doctor
-- monthly sheets and their verification flow. Money is integer fen; instants µs since the epoch;
-- months are 'YYYY-MM' (Asia/Shanghai calendar months). A sheet keeps the inputs it was computed
-- from and its month keeps the formula used, so a sheet's printed trace can always be recomputed
-- exactly and does not change once the month is locked.

-- The formula in force (one row per hospital once saved).
CREATE TABLE performance_settings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    price_text_fen BIGINT NOT NULL,
    price_video_fen BIGINT NOT NULL,
    price_phone_fen BIGINT NOT NULL,
    price_revisit_fen BIGINT NOT NULL,
    -- The doctor's share of consultation revenue in basis points (1/100 of a percent), 0–10000.
    share_bp BIGINT NOT NULL,
    timeout_minutes BIGINT NOT NULL,
    timeout_deduction_fen BIGINT NOT NULL,
    complaint_deduction_fen BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id)
);

-- A generated month, with the formula its sheets were computed with, and its lock.
CREATE TABLE performance_months (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    month TEXT NOT NULL,
    price_text_fen BIGINT NOT NULL,
    price_video_fen BIGINT NOT NULL,
    price_phone_fen BIGINT NOT NULL,
    price_revisit_fen BIGINT NOT NULL,
    share_bp BIGINT NOT NULL,
    timeout_minutes BIGINT NOT NULL,
    timeout_deduction_fen BIGINT NOT NULL,
    complaint_deduction_fen BIGINT NOT NULL,
    generated_at BIGINT NOT NULL,
    generated_by TEXT NOT NULL,
    locked_at BIGINT,
    locked_by TEXT,
    PRIMARY KEY (hospital_id, month)
);

-- One doctor's sheet of one month: the activity inputs, the resulting total and the status
-- (draft, confirmed, disputed, resolved). Doctor code, name and department are as generated.
CREATE TABLE performance_sheets (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    month TEXT NOT NULL,
    doctor_id BIGINT NOT NULL,
    doctor_code TEXT NOT NULL,
    doctor_name TEXT NOT NULL,
    department_name TEXT NOT NULL,
    text_count BIGINT NOT NULL,
    video_count BIGINT NOT NULL,
    phone_count BIGINT NOT NULL,
    revisit_count BIGINT NOT NULL,
    paid_count BIGINT NOT NULL,
    revenue_fen BIGINT NOT NULL,
    timeout_count BIGINT NOT NULL,
    total_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, month, doctor_id),
    FOREIGN KEY (hospital_id, month) REFERENCES performance_months (hospital_id, month),
    FOREIGN KEY (hospital_id, doctor_id) REFERENCES doctors (hospital_id, id)
);

-- Upheld complaints (kind 'complaint', deducted by the month's formula) and manual adjustments
-- (kind 'manual', a signed amount), each with its reason.
CREATE TABLE performance_adjustments (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    sheet_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, sheet_id) REFERENCES performance_sheets (hospital_id, id)
);
CREATE INDEX performance_adjustments_sheet ON performance_adjustments (hospital_id, sheet_id);

-- The history of a sheet shown to the doctor and the operator (the audit log has it too).
CREATE TABLE performance_events (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    sheet_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, sheet_id) REFERENCES performance_sheets (hospital_id, id)
);
CREATE INDEX performance_events_sheet ON performance_events (hospital_id, sheet_id, at);
