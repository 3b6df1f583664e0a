-- The checkup centre as patients need to find it: where, how to call, when to arrive.
CREATE TABLE checkup_centre (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    arrival TEXT NOT NULL DEFAULT '',
    directions TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id)
);
