-- Verification codes sent by SMS (hops_platform::sms). Only a keyed hash of each code is
-- kept; the phone number only as its blind index.
CREATE TABLE sms_codes (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    phone_bidx TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at BIGINT,
    PRIMARY KEY (hospital_id, id)
);
CREATE INDEX sms_codes_phone ON sms_codes (hospital_id, phone_bidx, purpose, created_at);
