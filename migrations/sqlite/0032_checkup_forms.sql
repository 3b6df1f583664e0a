-- The checkup health questionnaire moves onto the forms engine (0030): a hospital's questions
-- become version 1 of its form 'checkup.advice' (owner 'checkup', not scored); the
-- recommendation rules stay in checkup_advice_rules and name the form's question codes.
-- Ids come from the allocator (id_alloc on SQLite).

INSERT INTO forms (hospital_id, id, code, owner, name, intro, active, version, created_at, updated_at)
SELECT h.hospital_id, (SELECT next_id FROM id_alloc WHERE name = 'global') + h.n, 'checkup.advice', 'checkup', '健康问卷', '', 1, 1,
    CAST(strftime('%s', 'now') AS INTEGER) * 1000000, CAST(strftime('%s', 'now') AS INTEGER) * 1000000
FROM (SELECT hospital_id, ROW_NUMBER() OVER (ORDER BY hospital_id) AS n FROM (SELECT DISTINCT hospital_id FROM checkup_questions) d) h;
UPDATE id_alloc SET next_id = next_id + 1 + (SELECT COUNT(DISTINCT hospital_id) FROM checkup_questions) WHERE name = 'global';

INSERT INTO form_versions (hospital_id, form_id, version, scoring, bands, created_at, created_by, created_by_name)
SELECT hospital_id, id, 1, 'none', '', created_at, NULL, '' FROM forms WHERE code = 'checkup.advice';

INSERT INTO form_sections (hospital_id, form_id, version, position, title, shown_if)
SELECT hospital_id, id, 1, 0, '', '' FROM forms WHERE code = 'checkup.advice';

INSERT INTO form_questions (hospital_id, form_id, version, position, section, code, kind, text, help, required, active, options,
    min_value, max_value, unit, decimals, earliest, latest, shown_if)
SELECT q.hospital_id, f.id, 1, q.position, 0, q.code, CASE q.kind WHEN 'multi' THEN 'multiple' ELSE 'single' END, q.prompt, '', 0,
    q.active, q.options, '', '', '', 0, '', '', ''
FROM checkup_questions q JOIN forms f ON f.hospital_id = q.hospital_id AND f.code = 'checkup.advice';

-- The rules lose their foreign key to the old questions table (SQLite: rebuilt without it).
CREATE TABLE checkup_advice_rules_new (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    question_code TEXT NOT NULL,
    answer TEXT NOT NULL,
    item_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    sex TEXT,
    min_age INTEGER,
    max_age INTEGER,
    position INTEGER NOT NULL,
    PRIMARY KEY (hospital_id, question_code, answer, item_code),
    FOREIGN KEY (hospital_id, item_code) REFERENCES checkup_items (hospital_id, code)
);
INSERT INTO checkup_advice_rules_new (hospital_id, question_code, answer, item_code, reason, sex, min_age, max_age, position)
SELECT hospital_id, question_code, answer, item_code, reason, sex, min_age, max_age, position FROM checkup_advice_rules;
DROP TABLE checkup_advice_rules;
ALTER TABLE checkup_advice_rules_new RENAME TO checkup_advice_rules;
DROP TABLE checkup_questions;
