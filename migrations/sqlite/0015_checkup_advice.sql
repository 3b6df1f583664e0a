-- Checkup questionnaire with add-on recommendations, and invoice requests (SPEC §3, issue 4
-- item 6; crates/hops-checkup/src/advice and src/invoice).

-- The hospital's health questionnaire (健康问卷), asked in `position` order. kind: single |
-- multi; options: one a line.
CREATE TABLE checkup_questions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    prompt TEXT NOT NULL,
    kind TEXT NOT NULL,
    options TEXT NOT NULL,
    position INTEGER NOT NULL,
    active SMALLINT NOT NULL DEFAULT 1,
    PRIMARY KEY (hospital_id, code)
);

-- An answer recommends an item (加项推荐) with the reason shown to the person, optionally only
-- for one sex (M/F) or an age range.
CREATE TABLE checkup_advice_rules (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    question_code TEXT NOT NULL,
    answer TEXT NOT NULL,
    item_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    sex TEXT,
    min_age INTEGER,
    max_age INTEGER,
    position INTEGER NOT NULL,
    PRIMARY KEY (hospital_id, question_code, answer, item_code),
    FOREIGN KEY (hospital_id, question_code) REFERENCES checkup_questions (hospital_id, code),
    FOREIGN KEY (hospital_id, item_code) REFERENCES checkup_items (hospital_id, code)
);

-- Invoice requests (发票申请). title_kind: personal | company; status: requested | issued |
-- cancelled. open_key is the booking id while the request is requested or issued (one open
-- request per booking), NULL once cancelled. amount_fen is what the person paid.
-- requested_by is the staff user, NULL when the person asked on the H5 pages.
CREATE TABLE checkup_invoice_requests (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    booking_id BIGINT NOT NULL,
    title_kind TEXT NOT NULL,
    title TEXT NOT NULL,
    tax_number TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    open_key BIGINT,
    invoice_number TEXT,
    note TEXT NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    requested_by BIGINT,
    issued_at BIGINT,
    issued_by BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, open_key),
    UNIQUE (hospital_id, invoice_number),
    FOREIGN KEY (hospital_id, booking_id) REFERENCES checkup_bookings (hospital_id, id)
);
CREATE INDEX checkup_invoice_requests_status ON checkup_invoice_requests (hospital_id, status, id);
CREATE INDEX checkup_invoice_requests_booking ON checkup_invoice_requests (hospital_id, booking_id);
