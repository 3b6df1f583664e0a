-- Health-checkup booking platform, part 1 (SPEC §3, crates/hops-checkup): catalogue and rules,
-- employers, capacity pools per date, verified persons and bookings.
-- Catalogue rows are keyed by their code (the hospital's own item/package codes are what the
-- API, the rules and the XLSX catalogue speak); codes do not change, names may.

CREATE TABLE checkup_resources (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (hospital_id, code)
);

CREATE TABLE checkup_items (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    body_part TEXT NOT NULL,
    meaning TEXT NOT NULL DEFAULT '',
    target_group TEXT NOT NULL DEFAULT '',
    price_fen BIGINT NOT NULL,
    sex TEXT,
    min_age INTEGER,
    max_age INTEGER,
    marital TEXT NOT NULL DEFAULT 'any',
    preparation TEXT NOT NULL DEFAULT '',
    resource TEXT,
    active SMALLINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, code),
    FOREIGN KEY (hospital_id, resource) REFERENCES checkup_resources (hospital_id, code)
);

CREATE TABLE checkup_packages (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    target_group TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    price_fen BIGINT NOT NULL,
    sex TEXT,
    min_age INTEGER,
    max_age INTEGER,
    marital TEXT NOT NULL DEFAULT 'any',
    special_pool SMALLINT NOT NULL DEFAULT 0,
    active SMALLINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, code)
);

CREATE TABLE checkup_package_items (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    package_code TEXT NOT NULL,
    item_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (hospital_id, package_code, item_code),
    FOREIGN KEY (hospital_id, package_code) REFERENCES checkup_packages (hospital_id, code),
    FOREIGN KEY (hospital_id, item_code) REFERENCES checkup_items (hospital_id, code)
);

-- kind: exclusive (item_a, item_b), requires (item_a needs item_b), required (item_a; item_b '').
CREATE TABLE checkup_rules (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    item_a TEXT NOT NULL,
    item_b TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, kind, item_a, item_b)
);

CREATE TABLE checkup_employers (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '',
    window_from INTEGER,
    window_to INTEGER,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, code)
);

-- One row per pool and date. kind: individual, vip, group (pool_key = employer code),
-- special (package code), resource (resource code). A VIP pool is released once: its unused
-- places move to the individual pool (released = 1, released_places = how many).
CREATE TABLE checkup_pools (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    day INTEGER NOT NULL,
    kind TEXT NOT NULL,
    pool_key TEXT NOT NULL DEFAULT '',
    capacity BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0,
    released SMALLINT NOT NULL DEFAULT 0,
    released_places BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, day, kind, pool_key),
    CHECK (used >= 0 AND used <= capacity)
);

-- Per-hospital booking settings (defaults in code when absent).
CREATE TABLE checkup_settings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    hold_minutes INTEGER NOT NULL,
    vip_cutoff_hours INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id)
);

CREATE TABLE checkup_closed_days (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    day INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, day)
);

-- The person a booking is bound to (防替检): numbers encrypted, found by blind index, masked.
CREATE TABLE checkup_persons (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date INTEGER NOT NULL,
    id_number_enc BYTEA NOT NULL,
    id_number_bidx TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    phone_enc BYTEA NOT NULL,
    phone_bidx TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    married SMALLINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, id_number_bidx)
);
CREATE INDEX checkup_persons_phone ON checkup_persons (hospital_id, phone_bidx);

-- active_key = '<person id>:<day>' while the booking holds places (one active booking per
-- person and day), NULL afterwards; idem_key is the client's Idempotency-Key.
CREATE TABLE checkup_bookings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    number TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    package_code TEXT NOT NULL,
    day INTEGER NOT NULL,
    channel TEXT NOT NULL,
    employer_code TEXT,
    status TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    hold_until BIGINT,
    active_key TEXT,
    idem_key TEXT,
    request_hash TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, number),
    UNIQUE (hospital_id, active_key),
    UNIQUE (hospital_id, idem_key),
    FOREIGN KEY (hospital_id, person_id) REFERENCES checkup_persons (hospital_id, id),
    FOREIGN KEY (hospital_id, package_code) REFERENCES checkup_packages (hospital_id, code)
);
CREATE INDEX checkup_bookings_day ON checkup_bookings (hospital_id, day);
CREATE INDEX checkup_bookings_person ON checkup_bookings (hospital_id, person_id);

CREATE TABLE checkup_booking_items (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    booking_id BIGINT NOT NULL,
    item_code TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (hospital_id, booking_id, item_code),
    FOREIGN KEY (hospital_id, booking_id) REFERENCES checkup_bookings (hospital_id, id)
);

-- The places a booking holds, to give back exactly those.
CREATE TABLE checkup_booking_pools (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    booking_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    kind TEXT NOT NULL,
    pool_key TEXT NOT NULL,
    PRIMARY KEY (hospital_id, booking_id, kind, pool_key),
    FOREIGN KEY (hospital_id, booking_id) REFERENCES checkup_bookings (hospital_id, id)
);
