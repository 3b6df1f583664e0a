-- Registrations per Shanghai day and acquisition channel, kept exact by every patient insert
-- and update (crates/hops-master/src/store.rs), so dashboards and KPIs count registrations
-- without scanning the patients table. Filled here from the patients already stored
-- (registration instants are µs since 1970, so integer division is the floor).
CREATE TABLE patient_daily (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    day INTEGER NOT NULL,
    channel TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, day, channel)
);
INSERT INTO patient_daily (hospital_id, day, channel, registrations)
    SELECT hospital_id, CAST((registered_at + 28800000000) / 86400000000 AS INTEGER), channel, COUNT(*)
    FROM patients GROUP BY hospital_id, CAST((registered_at + 28800000000) / 86400000000 AS INTEGER), channel;
