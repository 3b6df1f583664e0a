-- Patient sessions of the checkup H5 pages: a person who proved their phone with an SMS code,
-- bound to their identity number (by blind index). Only a hash of the cookie token is kept.
CREATE TABLE checkup_h5_sessions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    token_hash TEXT NOT NULL,
    id_number_bidx TEXT NOT NULL,
    phone_bidx TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, token_hash)
);
