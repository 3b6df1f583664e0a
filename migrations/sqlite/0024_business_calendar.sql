-- Business calendar (issue 13): a hospital's own version of a year's public holidays and
-- make-up workdays (法定节假日与调休), as comma-separated dates; a year without a row uses the
-- arrangement hops ships, if any. Used by SLA clocks, schedules, quotas and rosters.
CREATE TABLE business_years (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    year INTEGER NOT NULL,
    holidays TEXT NOT NULL,
    workdays TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, year)
);
