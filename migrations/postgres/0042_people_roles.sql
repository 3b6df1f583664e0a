-- One person per human per hospital (issue 13, item 1), second half: a patient and a checkup
-- person keep only what is their role's own and point at their person (migration 0028 made
-- `people`; the start-up step `hops_platform::people::adopt`, run by the application between
-- 0041 and this migration, moved every row's name, sex, birth date and sealed numbers there).
-- Guarded: a row the step did not give a person makes SET NOT NULL fail, and nothing is dropped.
ALTER TABLE patients ALTER COLUMN person_id SET NOT NULL;
ALTER TABLE patients
    DROP COLUMN name, DROP COLUMN sex, DROP COLUMN birth_date,
    DROP COLUMN id_number_enc, DROP COLUMN id_number_bidx, DROP COLUMN id_number_masked,
    DROP COLUMN phone_enc, DROP COLUMN phone_bidx, DROP COLUMN phone_masked;
DROP INDEX patients_person;
ALTER TABLE patients ADD CONSTRAINT patients_person UNIQUE (hospital_id, person_id);
ALTER TABLE patients ADD CONSTRAINT patients_person_fk FOREIGN KEY (hospital_id, person_id) REFERENCES people (hospital_id, id);

ALTER TABLE checkup_persons ALTER COLUMN person_id SET NOT NULL;
ALTER TABLE checkup_persons
    DROP COLUMN name, DROP COLUMN sex, DROP COLUMN birth_date,
    DROP COLUMN id_number_enc, DROP COLUMN id_number_bidx, DROP COLUMN id_number_masked,
    DROP COLUMN phone_enc, DROP COLUMN phone_bidx, DROP COLUMN phone_masked;
DROP INDEX checkup_persons_person;
ALTER TABLE checkup_persons ADD CONSTRAINT checkup_persons_person UNIQUE (hospital_id, person_id);
ALTER TABLE checkup_persons ADD CONSTRAINT checkup_persons_person_fk FOREIGN KEY (hospital_id, person_id) REFERENCES people (hospital_id, id);
