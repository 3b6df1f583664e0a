-- Weekday capacity templates (号源模板, issue 4 item 3): the places each pool gets on a weekday
-- (1 = Monday … 7 = Sunday), applied in bulk to a range of dates. A weekday with rows has a
-- template (its individual and VIP rows are always written, 0 included); one without has none.
CREATE TABLE checkup_capacity_templates (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    weekday SMALLINT NOT NULL,
    kind TEXT NOT NULL,
    pool_key TEXT NOT NULL DEFAULT '',
    capacity BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, weekday, kind, pool_key),
    CHECK (weekday BETWEEN 1 AND 7),
    CHECK (capacity >= 0)
);
