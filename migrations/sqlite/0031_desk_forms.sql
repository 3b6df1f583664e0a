-- Desk satisfaction questionnaires move onto the forms engine (0030): each questionnaire
-- becomes a form owned by 'desk' with the same id, its questions version 1 (codes q1, q2 …;
-- 评分 a 1–5 scale; scored by the mean, as the desk figures calls), and every answered call
-- one response with the task's id, keyed by the task's subject. desk_followup_questionnaires
-- stays as the desk's list of its forms (plans and tasks refer to it); the desk's own question
-- and answer tables go. A questionnaire edited after it was answered had its older answers
-- kept with their question's text; they now read the current questions of the same position.

INSERT INTO forms (hospital_id, id, code, owner, name, intro, active, version, created_at, updated_at)
SELECT hospital_id, id, 'desk.satisfaction.' || id, 'desk', name, intro, active, 1, updated_at, updated_at
FROM desk_followup_questionnaires;

INSERT INTO form_versions (hospital_id, form_id, version, scoring, bands, created_at, created_by, created_by_name)
SELECT hospital_id, id, 1, 'mean', '', updated_at, NULL, '' FROM desk_followup_questionnaires;

INSERT INTO form_sections (hospital_id, form_id, version, position, title, shown_if)
SELECT hospital_id, id, 1, 0, '', '' FROM desk_followup_questionnaires;

INSERT INTO form_questions (hospital_id, form_id, version, position, section, code, kind, text, help, required, active, options,
    min_value, max_value, unit, decimals, earliest, latest, shown_if)
SELECT hospital_id, questionnaire_id, 1, position, 0, 'q' || position, CASE kind WHEN 'rating' THEN 'scale' ELSE kind END, text, '',
    required, 1, REPLACE(options, '|', char(10)), CASE kind WHEN 'rating' THEN '1' ELSE '' END, CASE kind WHEN 'rating' THEN '5' ELSE '' END, '', 0, '', '', ''
FROM desk_followup_questions;

INSERT INTO form_responses (hospital_id, id, form_id, version, subject, context, score_sum, scored, submitted_at, submitted_day,
    actor_id, actor_name)
SELECT t.hospital_id, t.id, t.questionnaire_id, 1, REPLACE(t.subject, 'checkup-person:', 'checkup_person:'), 'desk_followup_task:' || t.id,
    (SELECT COALESCE(SUM(a.score), 0) FROM desk_followup_answers a WHERE a.hospital_id = t.hospital_id AND a.task_id = t.id),
    (SELECT COUNT(a.score) FROM desk_followup_answers a WHERE a.hospital_id = t.hospital_id AND a.task_id = t.id),
    t.answered_at, t.answered_day,
    (SELECT x.agent_id FROM desk_followup_attempts x WHERE x.hospital_id = t.hospital_id AND x.task_id = t.id AND x.at <= t.answered_at
     ORDER BY x.at DESC, x.id DESC LIMIT 1),
    COALESCE((SELECT x.agent_name FROM desk_followup_attempts x WHERE x.hospital_id = t.hospital_id AND x.task_id = t.id
     AND x.at <= t.answered_at ORDER BY x.at DESC, x.id DESC LIMIT 1), '')
FROM desk_followup_tasks t
WHERE t.answered_at IS NOT NULL AND t.questionnaire_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM desk_followup_answers a WHERE a.hospital_id = t.hospital_id AND a.task_id = t.id);

INSERT INTO form_answers (hospital_id, response_id, code, position, value, score)
SELECT a.hospital_id, a.task_id, 'q' || a.position, a.position, a.answer, a.score
FROM desk_followup_answers a
WHERE EXISTS (SELECT 1 FROM form_responses r WHERE r.hospital_id = a.hospital_id AND r.id = a.task_id);

-- The response a call recorded.
ALTER TABLE desk_followup_tasks ADD COLUMN response_id BIGINT;
UPDATE desk_followup_tasks SET response_id = id
WHERE EXISTS (SELECT 1 FROM form_responses r WHERE r.hospital_id = desk_followup_tasks.hospital_id AND r.id = desk_followup_tasks.id);

DROP TABLE desk_followup_answers;
DROP TABLE desk_followup_questions;
DROP INDEX desk_followup_questionnaires_name;
ALTER TABLE desk_followup_questionnaires DROP COLUMN name;
ALTER TABLE desk_followup_questionnaires DROP COLUMN intro;
ALTER TABLE desk_followup_questionnaires DROP COLUMN active;
ALTER TABLE desk_followup_questionnaires DROP COLUMN updated_at;
