-- The checkup health questionnaire moves onto the forms engine (0030): a hospital's questions
-- become version 1 of its form 'checkup.advice' (owner 'checkup', not scored); the
-- recommendation rules stay in checkup_advice_rules and name the form's question codes.
-- Ids come from the allocator (the hops_ids sequence on PostgreSQL).

INSERT INTO forms (hospital_id, id, code, owner, name, intro, active, version, created_at, updated_at)
SELECT d.hospital_id, nextval('hops_ids'), 'checkup.advice', 'checkup', '健康问卷', '', 1, 1,
    CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT), CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT)
FROM (SELECT DISTINCT hospital_id FROM checkup_questions) d;

INSERT INTO form_versions (hospital_id, form_id, version, scoring, bands, created_at, created_by, created_by_name)
SELECT hospital_id, id, 1, 'none', '', created_at, NULL, '' FROM forms WHERE code = 'checkup.advice';

INSERT INTO form_sections (hospital_id, form_id, version, position, title, shown_if)
SELECT hospital_id, id, 1, 0, '', '' FROM forms WHERE code = 'checkup.advice';

INSERT INTO form_questions (hospital_id, form_id, version, position, section, code, kind, text, help, required, active, options,
    min_value, max_value, unit, decimals, earliest, latest, shown_if)
SELECT q.hospital_id, f.id, 1, q.position, 0, q.code, CASE q.kind WHEN 'multi' THEN 'multiple' ELSE 'single' END, q.prompt, '', 0,
    q.active, q.options, '', '', '', 0, '', '', ''
FROM checkup_questions q JOIN forms f ON f.hospital_id = q.hospital_id AND f.code = 'checkup.advice';

-- The rules lose their foreign key to the old questions table.
ALTER TABLE checkup_advice_rules DROP CONSTRAINT checkup_advice_rules_hospital_id_question_code_fkey;
DROP TABLE checkup_questions;
