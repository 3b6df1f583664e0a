-- Sessions of employer contacts on the checkup H5 pages (团检代预约): a contact who proved their
-- phone with an SMS code, bound to that phone (by blind index); what they may see and book for
-- follows the employers whose contact phone it is at each request. Only a hash of the cookie
-- token is kept.
CREATE TABLE checkup_contact_sessions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    token_hash TEXT NOT NULL,
    phone_bidx TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, token_hash)
);
