-- Service desk (SPEC §2): teams, categories, business calendars and SLA policies, tickets with
-- their full history, attachments, canned replies; the knowledge base with versions; the FAQ
-- bot's conversations.

-- A team of agents (客服组, 医助组 …) with its lead, who receives escalations.
CREATE TABLE desk_teams (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    lead_user_id BIGINT,
    PRIMARY KEY (hospital_id, code)
);

CREATE TABLE desk_team_members (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    team_code TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, team_code, user_id),
    FOREIGN KEY (hospital_id, team_code) REFERENCES desk_teams (hospital_id, code)
);

-- A business calendar: weekly hours in the text form of `sla::calendar` (e.g. `7x24`,
-- `daily 08:00-20:00`), holidays and make-up workdays as comma-separated dates.
CREATE TABLE desk_calendars (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    hours TEXT NOT NULL,
    holidays TEXT NOT NULL DEFAULT '',
    workdays TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, code)
);

CREATE TABLE desk_categories (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    team_code TEXT,
    active SMALLINT NOT NULL DEFAULT 1,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hospital_id, code)
);

-- SLA targets per category and priority (priority '' = any priority of the category; category
-- '' = the hospital's default), in business minutes of the calendar.
CREATE TABLE desk_sla_policies (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    category_code TEXT NOT NULL,
    priority TEXT NOT NULL,
    name TEXT NOT NULL,
    calendar_code TEXT NOT NULL,
    first_response_minutes INTEGER,
    resolution_minutes INTEGER,
    warn_pct INTEGER NOT NULL DEFAULT 80,
    PRIMARY KEY (hospital_id, category_code, priority),
    FOREIGN KEY (hospital_id, calendar_code) REFERENCES desk_calendars (hospital_id, code)
);

-- A ticket. The SLA targets and calendar are copied from the policy when the ticket is opened
-- (or its category/priority changes), so later policy edits do not rewrite history. The due
-- columns are kept in step with the history for sorting (NULL while the clock is stopped).
-- The requester's phone is encrypted, blind-indexed and masked.
CREATE TABLE desk_tickets (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    number TEXT NOT NULL,
    channel TEXT NOT NULL,
    category_code TEXT NOT NULL,
    priority TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    requester_kind TEXT NOT NULL,
    requester_name TEXT NOT NULL DEFAULT '',
    requester_phone_enc BLOB,
    requester_phone_bidx TEXT,
    requester_phone_masked TEXT NOT NULL DEFAULT '',
    team_code TEXT,
    owner_id BIGINT,
    tags TEXT NOT NULL DEFAULT '',
    external_ref TEXT,
    merged_into BIGINT,
    sla_name TEXT NOT NULL DEFAULT '',
    calendar_code TEXT,
    first_response_minutes INTEGER,
    resolution_minutes INTEGER,
    warn_pct INTEGER NOT NULL DEFAULT 80,
    first_response_due BIGINT,
    resolution_due BIGINT,
    escalated_at BIGINT,
    created_at BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, category_code) REFERENCES desk_categories (hospital_id, code)
);
CREATE UNIQUE INDEX desk_tickets_number ON desk_tickets (hospital_id, number);
CREATE UNIQUE INDEX desk_tickets_external ON desk_tickets (hospital_id, external_ref);
CREATE INDEX desk_tickets_queue ON desk_tickets (hospital_id, status, resolution_due);
CREATE INDEX desk_tickets_owner ON desk_tickets (hospital_id, owner_id, status);
CREATE INDEX desk_tickets_phone ON desk_tickets (hospital_id, requester_phone_bidx);
CREATE INDEX desk_tickets_created ON desk_tickets (hospital_id, created_at);

-- Everything that happened to a ticket, in order: created, public replies, internal notes,
-- status changes (the SLA clocks are computed from these), assignment, category/priority
-- changes, merges, warnings and escalations.
CREATE TABLE desk_ticket_events (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    status TEXT,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, ticket_id) REFERENCES desk_tickets (hospital_id, id)
);
CREATE INDEX desk_ticket_events_ticket ON desk_ticket_events (hospital_id, ticket_id, at);

-- Attachments, encrypted at rest (they may show medical records); type and size are checked
-- on upload.
CREATE TABLE desk_attachments (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data_enc BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, ticket_id) REFERENCES desk_tickets (hospital_id, id)
);

CREATE TABLE desk_canned_replies (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (hospital_id, code)
);

-- Knowledge base: the current version of each article; every saved version in
-- desk_kb_versions. Variants are one per line.
CREATE TABLE desk_kb_articles (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    question TEXT NOT NULL,
    variants TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id)
);
CREATE UNIQUE INDEX desk_kb_articles_question ON desk_kb_articles (hospital_id, question);

CREATE TABLE desk_kb_versions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    article_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    question TEXT NOT NULL,
    variants TEXT NOT NULL,
    answer TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    saved_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, article_id, version),
    FOREIGN KEY (hospital_id, article_id) REFERENCES desk_kb_articles (hospital_id, id)
);

-- The bot's conversations: a session per chat (its token is kept as a hash), each question
-- with what the bot did (answered, unsure, doctor, person). handed_over_ticket is the ticket
-- made when the patient asked for a person.
CREATE TABLE desk_bot_sessions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    token_hash TEXT NOT NULL,
    channel TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    questions INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    handed_over_ticket BIGINT,
    PRIMARY KEY (hospital_id, id)
);
CREATE UNIQUE INDEX desk_bot_sessions_token ON desk_bot_sessions (hospital_id, token_hash);
CREATE INDEX desk_bot_sessions_started ON desk_bot_sessions (hospital_id, started_at);

CREATE TABLE desk_bot_turns (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    session_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    at BIGINT NOT NULL,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL,
    article_id BIGINT,
    confidence DOUBLE PRECISION,
    PRIMARY KEY (hospital_id, session_id, seq),
    FOREIGN KEY (hospital_id, session_id) REFERENCES desk_bot_sessions (hospital_id, id)
);
CREATE INDEX desk_bot_turns_outcome ON desk_bot_turns (hospital_id, outcome, at);
