-- One patient login for every patient page of a hospital (issue 13, item 2), in the platform.
-- A session proves one phone (SMS code, or WeChat authorisation of an openid bound to a phone
-- proved once): only a hash of the cookie token is kept; the phone is encrypted for the row
-- (keyed by the token's hash) with its blind index. `kind` is who signed in: a patient
-- (`patient`) or an employer's contact (`group_contact`); a session of one kind never opens
-- the pages of the other. A session ends after `idle` without use (last_seen_at) or at
-- expires_at, whichever comes first, and when signed out.
CREATE TABLE patient_sessions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    token_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    phone_enc BYTEA NOT NULL,
    phone_bidx TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, token_hash)
);
CREATE INDEX patient_sessions_expiry ON patient_sessions (hospital_id, expires_at);

-- One-time values of the WeChat web authorisation: the `state` of a redirect to WeChat
-- (purpose `state`) and the pending binding of an openid that has no phone yet (purpose
-- `bind`). Each is kept as a hash, bound to the browser that started it (the hash of a nonce
-- in its cookie), short-lived and deleted when used.
CREATE TABLE patient_wechat_pending (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    token_hash TEXT NOT NULL,
    purpose TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    openid_bidx TEXT NOT NULL DEFAULT '',
    next TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, token_hash)
);

-- An openid bound to the phone its patient proved once by SMS code: afterwards WeChat
-- authorisation alone signs that phone in. The openid is kept only as its blind index; the
-- phone encrypted for the row (keyed by that index) with its own blind index.
CREATE TABLE patient_wechat_bindings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    openid_bidx TEXT NOT NULL,
    phone_enc BYTEA NOT NULL,
    phone_bidx TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    bound_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, openid_bidx)
);
CREATE INDEX patient_wechat_bindings_phone ON patient_wechat_bindings (hospital_id, phone_bidx);
