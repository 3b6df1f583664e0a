-- Notifications (hops_platform::notify, issue 13 item 3): per-hospital quiet hours, the
-- hospital's own texts per topic and channel (defaults live in code), opt-outs per recipient and
-- topic (keyed by the recipient's blind index), one delivery record per message and channel
-- (recipient encrypted and masked, content encrypted), the staff's in-app inbox, and the phone
-- and e-mail a staff member gave for notifications (encrypted, masked).
CREATE TABLE notify_settings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    quiet_enabled SMALLINT NOT NULL,
    quiet_start INTEGER NOT NULL,
    quiet_end INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id)
);

CREATE TABLE notify_templates (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    topic TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    provider_template TEXT NOT NULL,
    enabled SMALLINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, topic, channel)
);

CREATE TABLE notify_opt_outs (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    recipient_key TEXT NOT NULL,
    topic TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, recipient_key, topic)
);

CREATE TABLE notify_deliveries (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    topic TEXT NOT NULL,
    channel TEXT NOT NULL,
    provider TEXT NOT NULL,
    reference TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    recipient_enc BYTEA NOT NULL,
    content_enc BYTEA NOT NULL,
    template TEXT NOT NULL,
    urgent SMALLINT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    provider_message_id TEXT,
    due_at BIGINT NOT NULL,
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id)
);
CREATE INDEX notify_deliveries_created ON notify_deliveries (hospital_id, created_at);
CREATE INDEX notify_deliveries_reference ON notify_deliveries (hospital_id, reference, topic);

CREATE TABLE notify_inbox (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    topic TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    delivery_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, delivery_id),
    FOREIGN KEY (hospital_id, user_id) REFERENCES users (hospital_id, id)
);
CREATE INDEX notify_inbox_user ON notify_inbox (hospital_id, user_id, read_at);

CREATE TABLE notify_contacts (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    user_id BIGINT NOT NULL,
    phone_enc BYTEA,
    phone_masked TEXT,
    email_enc BYTEA,
    email_masked TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, user_id),
    FOREIGN KEY (hospital_id, user_id) REFERENCES users (hospital_id, id)
);
