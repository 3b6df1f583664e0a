-- One person per human per hospital (issue 13, item 1): the name, sex, birth date and the two
-- personal numbers (sealed: encrypted for the row, blind-indexed, masked) are the person's;
-- patients and checkup persons are roles that point at it. The start-up step that moves what
-- those tables held into people (ciphertexts are bound to their rows, so SQL cannot move
-- them) runs right after this migration and fills person_id.
CREATE TABLE people (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date INTEGER,
    id_number_enc BYTEA,
    id_number_bidx TEXT,
    id_number_masked TEXT NOT NULL DEFAULT '',
    phone_enc BYTEA,
    phone_bidx TEXT,
    phone_masked TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, id_number_bidx)
);
CREATE INDEX people_phone ON people (hospital_id, phone_bidx);
CREATE INDEX people_name ON people (hospital_id, name);

ALTER TABLE patients ADD COLUMN person_id BIGINT;
CREATE INDEX patients_person ON patients (hospital_id, person_id);
ALTER TABLE checkup_persons ADD COLUMN person_id BIGINT;
CREATE INDEX checkup_persons_person ON checkup_persons (hospital_id, person_id);
