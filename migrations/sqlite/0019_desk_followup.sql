-- Service desk follow-up (回访) and complaints (SPEC §2): questionnaires, follow-up plans with
-- their retry rules, key patients, call tasks with their attempts and answers, patients who
-- asked not to be called again; complaint cases with their root-cause categories and history.

-- A satisfaction questionnaire. Its questions are replaced as a whole when it is edited;
-- answers keep the question's text and score as asked.
CREATE TABLE desk_followup_questionnaires (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    active SMALLINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id)
);
CREATE UNIQUE INDEX desk_followup_questionnaires_name ON desk_followup_questionnaires (hospital_id, name);

-- kind: single (options 'label=score' joined by '|'), rating (1–5), text.
CREATE TABLE desk_followup_questions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    questionnaire_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '',
    required SMALLINT NOT NULL DEFAULT 1,
    PRIMARY KEY (hospital_id, questionnaire_id, position),
    FOREIGN KEY (hospital_id, questionnaire_id) REFERENCES desk_followup_questionnaires (hospital_id, id)
);

-- A follow-up plan: whom (audience), when (delay after the event, repeat for key patients),
-- the script and questionnaire, and the retry rule (hours until the next call per outcome,
-- 0 = no retry; at most max_attempts calls).
CREATE TABLE desk_followup_plans (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    audience TEXT NOT NULL,
    department_id BIGINT,
    delay_days INTEGER NOT NULL,
    repeat_days INTEGER NOT NULL DEFAULT 0,
    script TEXT NOT NULL,
    questionnaire_id BIGINT,
    max_attempts INTEGER NOT NULL,
    retry_no_answer_hours INTEGER NOT NULL,
    retry_busy_hours INTEGER NOT NULL,
    retry_family_hours INTEGER NOT NULL DEFAULT 0,
    active SMALLINT NOT NULL DEFAULT 1,
    generated_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, department_id) REFERENCES departments (hospital_id, id),
    FOREIGN KEY (hospital_id, questionnaire_id) REFERENCES desk_followup_questionnaires (hospital_id, id)
);
CREATE UNIQUE INDEX desk_followup_plans_name ON desk_followup_plans (hospital_id, name);

-- Patients the hospital keeps in regular contact with (重点患者).
CREATE TABLE desk_followup_key_patients (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    patient_id BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    marked_at BIGINT NOT NULL,
    marked_by BIGINT,
    PRIMARY KEY (hospital_id, patient_id),
    FOREIGN KEY (hospital_id, patient_id) REFERENCES patients (hospital_id, id)
);

-- A call task. source_key names the event (consultation, booking, key-patient cycle), so a
-- plan never calls twice about one event. The person is shown masked; the number in clear is
-- read from master data or the checkup booking (PersonalUnmask, audited).
CREATE TABLE desk_followup_tasks (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    plan_id BIGINT NOT NULL,
    source_kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    source_ref TEXT NOT NULL DEFAULT '',
    patient_id BIGINT,
    booking_id BIGINT,
    subject TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    phone_masked TEXT NOT NULL DEFAULT '',
    doctor_id BIGINT,
    doctor_name TEXT NOT NULL DEFAULT '',
    department_id BIGINT,
    department_name TEXT NOT NULL DEFAULT '',
    event_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_outcome TEXT,
    questionnaire_id BIGINT,
    answered_at BIGINT,
    answered_day INTEGER,
    closed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, plan_id, source_key),
    FOREIGN KEY (hospital_id, plan_id) REFERENCES desk_followup_plans (hospital_id, id),
    FOREIGN KEY (hospital_id, patient_id) REFERENCES patients (hospital_id, id),
    FOREIGN KEY (hospital_id, booking_id) REFERENCES checkup_bookings (hospital_id, id),
    FOREIGN KEY (hospital_id, doctor_id) REFERENCES doctors (hospital_id, id),
    FOREIGN KEY (hospital_id, department_id) REFERENCES departments (hospital_id, id),
    FOREIGN KEY (hospital_id, questionnaire_id) REFERENCES desk_followup_questionnaires (hospital_id, id)
);
CREATE INDEX desk_followup_tasks_queue ON desk_followup_tasks (hospital_id, status, due_at);
CREATE INDEX desk_followup_tasks_subject ON desk_followup_tasks (hospital_id, subject);
CREATE INDEX desk_followup_tasks_answered ON desk_followup_tasks (hospital_id, answered_day);

CREATE TABLE desk_followup_attempts (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    task_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    agent_id BIGINT,
    agent_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, task_id) REFERENCES desk_followup_tasks (hospital_id, id)
);
CREATE INDEX desk_followup_attempts_task ON desk_followup_attempts (hospital_id, task_id, at);

-- Answers of a task's questionnaire (score NULL for free text).
CREATE TABLE desk_followup_answers (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    task_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    score INTEGER,
    PRIMARY KEY (hospital_id, task_id, position),
    FOREIGN KEY (hospital_id, task_id) REFERENCES desk_followup_tasks (hospital_id, id)
);

-- People who asked not to be called again (the task's subject: 'patient:<id>' or
-- 'checkup-person:<id>').
CREATE TABLE desk_followup_optouts (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    subject TEXT NOT NULL,
    task_id BIGINT,
    at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, subject)
);

-- Root-cause categories of complaints (差评原因). review_reason links a category to the
-- bad-review reason family of `hops_analytics::reviews` it corresponds to.
CREATE TABLE desk_complaint_causes (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    review_reason TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    active SMALLINT NOT NULL DEFAULT 1,
    PRIMARY KEY (hospital_id, code)
);

-- A complaint case. Status: registered → investigating → rectifying → replied → closed. The
-- complainant's phone is encrypted, blind-indexed and masked.
CREATE TABLE desk_complaints (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    number TEXT NOT NULL,
    source TEXT NOT NULL,
    ticket_id BIGINT,
    followup_task_id BIGINT,
    review_ref TEXT NOT NULL DEFAULT '',
    patient_id BIGINT,
    complainant TEXT NOT NULL,
    phone_enc BLOB,
    phone_bidx TEXT,
    phone_masked TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    department_id BIGINT,
    doctor_id BIGINT,
    doctor_name TEXT NOT NULL DEFAULT '',
    cause_code TEXT,
    verdict TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    received_day INTEGER NOT NULL,
    investigation TEXT NOT NULL DEFAULT '',
    rectification TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',
    reply_channel TEXT NOT NULL DEFAULT '',
    review_note TEXT NOT NULL DEFAULT '',
    rectified_by BIGINT,
    closed_at BIGINT,
    created_by BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, ticket_id) REFERENCES desk_tickets (hospital_id, id),
    FOREIGN KEY (hospital_id, followup_task_id) REFERENCES desk_followup_tasks (hospital_id, id),
    FOREIGN KEY (hospital_id, patient_id) REFERENCES patients (hospital_id, id),
    FOREIGN KEY (hospital_id, department_id) REFERENCES departments (hospital_id, id),
    FOREIGN KEY (hospital_id, doctor_id) REFERENCES doctors (hospital_id, id),
    FOREIGN KEY (hospital_id, cause_code) REFERENCES desk_complaint_causes (hospital_id, code)
);
CREATE UNIQUE INDEX desk_complaints_number ON desk_complaints (hospital_id, number);
CREATE INDEX desk_complaints_received ON desk_complaints (hospital_id, received_day);
CREATE INDEX desk_complaints_status ON desk_complaints (hospital_id, status, received_at);

-- Every step of a complaint: who, when, from which status to which, and what they wrote.
CREATE TABLE desk_complaint_events (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    complaint_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, complaint_id) REFERENCES desk_complaints (hospital_id, id)
);
CREATE INDEX desk_complaint_events_complaint ON desk_complaint_events (hospital_id, complaint_id, at);
