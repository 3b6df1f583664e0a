-- Group checkups (团检, seed 004 (一)3(2)), check-in (防替检): employers' contact phones and
-- add-on discounts, the plans (group cards) an employer pays for, the list of employees and
-- their family members, and on bookings who pays what, for whom, and who checked them in.

ALTER TABLE checkup_employers ADD COLUMN contact_phone_enc BLOB;
ALTER TABLE checkup_employers ADD COLUMN contact_phone_bidx TEXT;
ALTER TABLE checkup_employers ADD COLUMN contact_phone_masked TEXT NOT NULL DEFAULT '';
-- Share of an add-on item's list price an employee pays, in percent (100 = no discount).
ALTER TABLE checkup_employers ADD COLUMN addon_pct INTEGER NOT NULL DEFAULT 100;
CREATE INDEX checkup_employers_contact ON checkup_employers (hospital_id, contact_phone_bidx);

-- A group card: kind fixed (the package), amount (items up to budget_fen), menu (the package
-- plus up to menu_pick items of menu_items, comma-separated codes). payer employer: the
-- employer pays what the card covers; payer person (family plans): the person pays
-- person_pct percent of every item.
CREATE TABLE checkup_group_plans (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    employer_code TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    package_code TEXT NOT NULL,
    budget_fen BIGINT,
    menu_items TEXT NOT NULL DEFAULT '',
    menu_pick INTEGER,
    payer TEXT NOT NULL DEFAULT 'employer',
    person_pct INTEGER NOT NULL DEFAULT 100,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, employer_code, code),
    FOREIGN KEY (hospital_id, employer_code) REFERENCES checkup_employers (hospital_id, code),
    FOREIGN KEY (hospital_id, package_code) REFERENCES checkup_packages (hospital_id, code)
);

-- Per-item add-on discounts of an employer (override addon_pct for that item).
CREATE TABLE checkup_group_discounts (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    employer_code TEXT NOT NULL,
    item_code TEXT NOT NULL,
    pct INTEGER NOT NULL,
    PRIMARY KEY (hospital_id, employer_code, item_code),
    FOREIGN KEY (hospital_id, employer_code) REFERENCES checkup_employers (hospital_id, code)
);

-- The people an employer lists: employees (relation self) and their family members (spouse,
-- child, parent, other; of_employee is the employee). Numbers encrypted, found by blind
-- index, shown masked. card_number is the group card handed to the person.
CREATE TABLE checkup_employees (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    employer_code TEXT NOT NULL,
    name TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    id_number_enc BLOB NOT NULL,
    id_number_bidx TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    phone_enc BLOB NOT NULL,
    phone_bidx TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    relation TEXT NOT NULL,
    of_employee BIGINT,
    plan_code TEXT NOT NULL,
    card_number TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, employer_code, id_number_bidx),
    UNIQUE (hospital_id, card_number),
    FOREIGN KEY (hospital_id, employer_code) REFERENCES checkup_employers (hospital_id, code),
    FOREIGN KEY (hospital_id, employer_code, plan_code) REFERENCES checkup_group_plans (hospital_id, employer_code, code)
);

-- Group bookings: the listed person, what the employer pays (total_fen stays what the person
-- pays), who booked on the person's behalf; check-in: when and by which staff user.
ALTER TABLE checkup_bookings ADD COLUMN employee_id BIGINT;
ALTER TABLE checkup_bookings ADD COLUMN employer_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkup_bookings ADD COLUMN booked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE checkup_bookings ADD COLUMN checked_in_at BIGINT;
ALTER TABLE checkup_bookings ADD COLUMN checked_in_by BIGINT;
CREATE INDEX checkup_bookings_employee ON checkup_bookings (hospital_id, employee_id);
