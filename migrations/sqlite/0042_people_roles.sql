-- no-transaction
-- One person per human per hospital (issue 13, item 1), second half: a patient and a checkup
-- person keep only what is their role's own and point at their person (migration 0028 made
-- `people`; the start-up step `hops_platform::people::adopt`, run by the application between
-- 0041 and this migration, moved every row's name, sex, birth date and sealed numbers there).
-- SQLite drops constrained columns by rebuilding the table, with foreign keys off (other tables
-- refer to both), in one transaction of its own (https://sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"). Guarded: a row the step did not give a person fails
-- the NOT NULL of the copy, and nothing is dropped.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE patients_v2 (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    external_id TEXT,
    channel TEXT NOT NULL DEFAULT '',
    registered_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, external_id),
    UNIQUE (hospital_id, person_id),
    FOREIGN KEY (hospital_id, person_id) REFERENCES people (hospital_id, id)
);
INSERT INTO patients_v2 (hospital_id, id, person_id, external_id, channel, registered_at, created_at, updated_at)
    SELECT hospital_id, id, person_id, external_id, channel, registered_at, created_at, updated_at FROM patients;
DROP TABLE patients;
ALTER TABLE patients_v2 RENAME TO patients;
CREATE INDEX patients_registered ON patients (hospital_id, registered_at);

CREATE TABLE checkup_persons_v2 (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    married SMALLINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, person_id),
    FOREIGN KEY (hospital_id, person_id) REFERENCES people (hospital_id, id)
);
INSERT INTO checkup_persons_v2 (hospital_id, id, person_id, married, created_at, updated_at)
    SELECT hospital_id, id, person_id, married, created_at, updated_at FROM checkup_persons;
DROP TABLE checkup_persons;
ALTER TABLE checkup_persons_v2 RENAME TO checkup_persons;
COMMIT;
PRAGMA foreign_keys = ON;
