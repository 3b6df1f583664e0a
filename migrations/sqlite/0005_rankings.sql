-- Monthly leaderboards of doctors and departments (seed 002 十一): the hospital's ranking
-- method, published months with their frozen inputs, and feedback from the public page.
-- Months are the LocalDay (Asia/Shanghai calendar day number) of their first day; instants are
-- µs since the epoch.

CREATE TABLE ranking_settings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    weight_volume DOUBLE PRECISION NOT NULL,
    weight_satisfaction DOUBLE PRECISION NOT NULL,
    weight_reply DOUBLE PRECISION NOT NULL,
    weight_revisit DOUBLE PRECISION NOT NULL,
    prior_weight BIGINT NOT NULL,
    min_sample BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id)
);

-- A published month: the method it was ranked with. Republishing replaces it.
CREATE TABLE ranking_publications (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    month BIGINT NOT NULL,
    weight_volume DOUBLE PRECISION NOT NULL,
    weight_satisfaction DOUBLE PRECISION NOT NULL,
    weight_reply DOUBLE PRECISION NOT NULL,
    weight_revisit DOUBLE PRECISION NOT NULL,
    prior_weight BIGINT NOT NULL,
    min_sample BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, month)
);

-- The inputs of a published ranking (per doctor or department), frozen at publication, with
-- the names shown then; the ranking is recomputed from them by the same rules.
CREATE TABLE ranking_entries (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    month BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    title TEXT NOT NULL,
    consultations BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    replies BIGINT NOT NULL,
    reply_micros BIGINT NOT NULL,
    revisits BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, month, kind, subject_id),
    FOREIGN KEY (hospital_id, month) REFERENCES ranking_publications (hospital_id, month)
);

-- Feedback from the public ranking page. The contact is encrypted (AES-256-GCM, context
-- ranking_feedback.contact) and shown masked.
CREATE TABLE ranking_feedback (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    contact_enc BLOB,
    contact_masked TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    handled_at BIGINT,
    handled_by TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id)
);
CREATE INDEX ranking_feedback_created ON ranking_feedback (hospital_id, created_at);
