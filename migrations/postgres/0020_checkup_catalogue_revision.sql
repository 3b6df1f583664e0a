-- A counter per hospital, raised by every change of the checkup catalogue (items, packages and
-- their items, rules, resources): bookings keep the parsed catalogue in memory and read it
-- again only when the counter has moved.
CREATE TABLE checkup_catalogue_revision (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    revision BIGINT NOT NULL,
    PRIMARY KEY (hospital_id)
);
