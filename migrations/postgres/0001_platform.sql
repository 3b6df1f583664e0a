-- Platform core. Every tenant table has hospital_id in its primary key and foreign keys.
-- Instants are integer microseconds since the Unix epoch; money is integer fen; flags SMALLINT.

-- Ids come from one sequence (SQLite uses the id_alloc row instead).
CREATE SEQUENCE hops_ids START 1000;

CREATE TABLE hospitals (
    id BIGINT NOT NULL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    grade TEXT NOT NULL,
    is_platform SMALLINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret BYTEA,
    totp_enabled SMALLINT NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled SMALLINT NOT NULL DEFAULT 0,
    phone_enc BYTEA,
    phone_bidx TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, username)
);

CREATE TABLE sessions (
    hospital_id BIGINT NOT NULL,
    id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    totp_verified SMALLINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, user_id) REFERENCES users (hospital_id, id)
);
CREATE INDEX sessions_user ON sessions (hospital_id, user_id);

CREATE TABLE audit_log (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (hospital_id, seq)
);
CREATE INDEX audit_log_at ON audit_log (hospital_id, at);

CREATE TABLE audit_head (
    hospital_id BIGINT NOT NULL PRIMARY KEY REFERENCES hospitals (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- The audit log is append-only: the database itself refuses edits and deletions.

CREATE TABLE jobs (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idem_key TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, kind, idem_key)
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE job_probes (
    hospital_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    job_id BIGINT NOT NULL,
    worker TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, job_id) REFERENCES jobs (hospital_id, id)
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
