-- Master data: departments, doctors, patients.
-- Personal data (ID-card and mobile numbers) is stored encrypted (*_enc), with a keyed blind
-- index (*_bidx) for exact lookup and the masked form (*_masked) for lists.

CREATE TABLE departments (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    online SMALLINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, code)
);

CREATE TABLE doctors (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    specialty TEXT NOT NULL DEFAULT '',
    online_clinic SMALLINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, code),
    FOREIGN KEY (hospital_id, department_id) REFERENCES departments (hospital_id, id)
);
CREATE INDEX doctors_department ON doctors (hospital_id, department_id);

CREATE TABLE patients (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    external_id TEXT,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date INTEGER,
    id_number_enc BYTEA,
    id_number_bidx TEXT,
    id_number_masked TEXT NOT NULL DEFAULT '',
    phone_enc BYTEA,
    phone_bidx TEXT,
    phone_masked TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    registered_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, external_id),
    UNIQUE (hospital_id, id_number_bidx)
);
CREATE INDEX patients_phone ON patients (hospital_id, phone_bidx);
CREATE INDEX patients_registered ON patients (hospital_id, registered_at);
CREATE INDEX patients_name ON patients (hospital_id, name);
