-- Patient and employer-contact sessions of the H5 pages prove one phone, nothing more (security
-- issue 12, finding 1): a patient session was bound to whatever identity number was typed next
-- to the code. Both kinds now keep the phone that was proved — encrypted, with its blind index —
-- and act as that phone. Sessions alive at the upgrade end (they are short-lived).
DROP TABLE checkup_h5_sessions;
CREATE TABLE checkup_h5_sessions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    token_hash TEXT NOT NULL,
    phone_enc BYTEA NOT NULL,
    phone_bidx TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, token_hash)
);

DROP TABLE checkup_contact_sessions;
CREATE TABLE checkup_contact_sessions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    token_hash TEXT NOT NULL,
    phone_enc BYTEA NOT NULL,
    phone_bidx TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, token_hash)
);
