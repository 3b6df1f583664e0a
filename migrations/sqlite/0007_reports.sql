-- Periodic operations reports (SPEC §1.5): drafts of the conclusions text, published reports
-- (immutable: the rendered PDF and XLSX and the numbers they show, as published), subscribers
-- and what was e-mailed to whom. Periods are stored as their kind (week, month, quarter, half,
-- year) and first day (Asia/Shanghai calendar day number).

CREATE TABLE report_drafts (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    period_kind TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    conclusions TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, period_kind, period_start)
);

CREATE TABLE reports (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    period_kind TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    title TEXT NOT NULL,
    label TEXT NOT NULL,
    conclusions TEXT NOT NULL,
    numbers TEXT NOT NULL,
    pdf BLOB NOT NULL,
    xlsx BLOB NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, period_kind, period_start)
);
CREATE INDEX reports_published ON reports (hospital_id, published_at);

CREATE TABLE report_subscribers (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    kinds TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, email)
);

-- One row per report and recipient address once the mail was accepted by the SMTP server,
-- so a retried or repeated delivery job never sends the same report to the same address twice.
CREATE TABLE report_deliveries (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    report_id BIGINT NOT NULL,
    email TEXT NOT NULL,
    subscriber_name TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, report_id, email),
    FOREIGN KEY (hospital_id, report_id) REFERENCES reports (hospital_id, id)
);
