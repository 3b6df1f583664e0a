-- Status flows and approvals (hops_platform::flow, issue 13 item 7): one row per status change
-- of anything that has a status flow (who, when, from, to, which action, note), approval
-- records (who asked, which permission may decide, the decision), and per hospital and flow
-- whether a change must be approved first.
CREATE TABLE status_history (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    -- NULL for the row that creates the subject with its first status.
    from_status TEXT,
    to_status TEXT NOT NULL,
    action TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id)
);
CREATE INDEX status_history_subject ON status_history (hospital_id, subject_kind, subject_id, at);

CREATE TABLE approvals (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    -- What the subject is, as shown in the inbox (e.g. 2025年1月 月报).
    subject_title TEXT NOT NULL,
    -- What is asked, as a code (publish) and as shown (发布).
    request TEXT NOT NULL,
    request_label TEXT NOT NULL,
    requested_by BIGINT,
    requested_by_name TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    request_note TEXT NOT NULL DEFAULT '',
    -- The permission whose holders may decide (accounts::model::Permission::code).
    approver_permission TEXT NOT NULL,
    -- pending | approved | rejected
    decision TEXT NOT NULL,
    decided_by BIGINT,
    decided_by_name TEXT,
    decided_at BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id)
);
CREATE INDEX approvals_pending ON approvals (hospital_id, decision, approver_permission, requested_at);
CREATE INDEX approvals_subject ON approvals (hospital_id, subject_kind, subject_id);

CREATE TABLE flow_settings (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    subject_kind TEXT NOT NULL,
    approval_required SMALLINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (hospital_id, subject_kind)
);
