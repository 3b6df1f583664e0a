-- Questionnaires (forms) for every module (hops_platform::forms, docs/forms.md): a form and its
-- versions — sections and questions as asked —, and the answers people gave, per version.

-- A form. code: the owner's key for it ('desk.satisfaction.12', 'checkup.advice', 'forms.<id>');
-- owner: the module that edits it ('forms' for the forms console's own). version: the current
-- version, the one asked now.
CREATE TABLE forms (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    code TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    active SMALLINT NOT NULL DEFAULT 1,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id)
);
CREATE UNIQUE INDEX forms_code ON forms (hospital_id, code);
CREATE UNIQUE INDEX forms_name ON forms (hospital_id, owner, name);

-- A version of a form: unchanged once answered (a change then makes the next version).
-- scoring: none | sum | mean; bands: 'from=label' one a line.
CREATE TABLE form_versions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    form_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    scoring TEXT NOT NULL DEFAULT 'none',
    bands TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    created_by_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, form_id, version),
    FOREIGN KEY (hospital_id, form_id) REFERENCES forms (hospital_id, id)
);

-- shown_if: the condition in its text form ('smoking = 吸烟 且 age >= 40'), '' always.
CREATE TABLE form_sections (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    form_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    shown_if TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, form_id, version, position),
    FOREIGN KEY (hospital_id, form_id, version) REFERENCES form_versions (hospital_id, form_id, version)
);

-- kind: single | multiple | scale | number | text | date. options: one a line, 'label' or
-- 'label=score'. min_value/max_value: the scale's or number's range as written ('1', '37.5',
-- '' open); earliest/latest: a date's ('YYYY-MM-DD', 'today' or '').
CREATE TABLE form_questions (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    form_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    section INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    help TEXT NOT NULL DEFAULT '',
    required SMALLINT NOT NULL DEFAULT 0,
    active SMALLINT NOT NULL DEFAULT 1,
    options TEXT NOT NULL DEFAULT '',
    min_value TEXT NOT NULL DEFAULT '',
    max_value TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    decimals INTEGER NOT NULL DEFAULT 0,
    earliest TEXT NOT NULL DEFAULT '',
    latest TEXT NOT NULL DEFAULT '',
    shown_if TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, form_id, version, position),
    UNIQUE (hospital_id, form_id, version, code),
    FOREIGN KEY (hospital_id, form_id, version) REFERENCES form_versions (hospital_id, form_id, version)
);

-- One person's answers to one version. subject: whom they are about, 'patient:<id>' or
-- 'checkup_person:<id>' (no single person id exists yet; a later migration maps this column to
-- one). context: what asked them ('desk_followup_task:<id>'). score_sum/scored: the sum and
-- count of the scored answers.
CREATE TABLE form_responses (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    form_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    subject TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    score_sum BIGINT NOT NULL DEFAULT 0,
    scored INTEGER NOT NULL DEFAULT 0,
    submitted_at BIGINT NOT NULL,
    submitted_day INTEGER NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (hospital_id, id),
    FOREIGN KEY (hospital_id, form_id, version) REFERENCES form_versions (hospital_id, form_id, version)
);
CREATE INDEX form_responses_form ON form_responses (hospital_id, form_id, submitted_at);
CREATE INDEX form_responses_subject ON form_responses (hospital_id, subject);

-- value: the answer as given (chosen options one a line).
CREATE TABLE form_answers (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    response_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    score INTEGER,
    PRIMARY KEY (hospital_id, response_id, code),
    FOREIGN KEY (hospital_id, response_id) REFERENCES form_responses (hospital_id, id)
);
