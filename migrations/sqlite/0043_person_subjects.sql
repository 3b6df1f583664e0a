-- Whom follow-up calls, opt-outs and questionnaire answers are about: the person (issue 13,
-- item 1), so a patient who also had a checkup has one history and one opt-out. References by
-- role ('patient:<id>', 'checkup-person:<id>', 'checkup_person:<id>') become 'person:<id>'
-- where the role row exists; a reference to a row that does not exist is left as it was (it
-- still reads, labelled by role). The CASE guards keep the number cast to the rows it fits.
UPDATE desk_followup_tasks SET subject = 'person:' || CAST((SELECT r.person_id FROM patients r
        WHERE r.hospital_id = desk_followup_tasks.hospital_id AND r.id = (CASE WHEN desk_followup_tasks.subject LIKE 'patient:%' THEN CAST(SUBSTR(desk_followup_tasks.subject, 9) AS BIGINT) END)) AS TEXT)
    WHERE EXISTS (SELECT 1 FROM patients r WHERE r.hospital_id = desk_followup_tasks.hospital_id AND r.id = (CASE WHEN desk_followup_tasks.subject LIKE 'patient:%' THEN CAST(SUBSTR(desk_followup_tasks.subject, 9) AS BIGINT) END));
UPDATE desk_followup_tasks SET subject = 'person:' || CAST((SELECT r.person_id FROM checkup_persons r
        WHERE r.hospital_id = desk_followup_tasks.hospital_id AND r.id = (CASE WHEN desk_followup_tasks.subject LIKE 'checkup-person:%' OR desk_followup_tasks.subject LIKE 'checkup\_person:%' ESCAPE '\' THEN CAST(SUBSTR(desk_followup_tasks.subject, 16) AS BIGINT) END)) AS TEXT)
    WHERE EXISTS (SELECT 1 FROM checkup_persons r WHERE r.hospital_id = desk_followup_tasks.hospital_id AND r.id = (CASE WHEN desk_followup_tasks.subject LIKE 'checkup-person:%' OR desk_followup_tasks.subject LIKE 'checkup\_person:%' ESCAPE '\' THEN CAST(SUBSTR(desk_followup_tasks.subject, 16) AS BIGINT) END));
UPDATE form_responses SET subject = 'person:' || CAST((SELECT r.person_id FROM patients r
        WHERE r.hospital_id = form_responses.hospital_id AND r.id = (CASE WHEN form_responses.subject LIKE 'patient:%' THEN CAST(SUBSTR(form_responses.subject, 9) AS BIGINT) END)) AS TEXT)
    WHERE EXISTS (SELECT 1 FROM patients r WHERE r.hospital_id = form_responses.hospital_id AND r.id = (CASE WHEN form_responses.subject LIKE 'patient:%' THEN CAST(SUBSTR(form_responses.subject, 9) AS BIGINT) END));
UPDATE form_responses SET subject = 'person:' || CAST((SELECT r.person_id FROM checkup_persons r
        WHERE r.hospital_id = form_responses.hospital_id AND r.id = (CASE WHEN form_responses.subject LIKE 'checkup-person:%' OR form_responses.subject LIKE 'checkup\_person:%' ESCAPE '\' THEN CAST(SUBSTR(form_responses.subject, 16) AS BIGINT) END)) AS TEXT)
    WHERE EXISTS (SELECT 1 FROM checkup_persons r WHERE r.hospital_id = form_responses.hospital_id AND r.id = (CASE WHEN form_responses.subject LIKE 'checkup-person:%' OR form_responses.subject LIKE 'checkup\_person:%' ESCAPE '\' THEN CAST(SUBSTR(form_responses.subject, 16) AS BIGINT) END));
-- Opt-outs are one per subject: two roles of one person become one opt-out.
INSERT INTO desk_followup_optouts (hospital_id, subject, task_id, at)
    SELECT m.hospital_id, m.subject, m.task_id, m.at FROM (
        SELECT o.hospital_id, 'person:' || CAST(r.person_id AS TEXT) AS subject, o.task_id, o.at FROM desk_followup_optouts o
            JOIN patients r ON r.hospital_id = o.hospital_id AND r.id = (CASE WHEN o.subject LIKE 'patient:%' THEN CAST(SUBSTR(o.subject, 9) AS BIGINT) END)
        UNION ALL
        SELECT o.hospital_id, 'person:' || CAST(r.person_id AS TEXT) AS subject, o.task_id, o.at FROM desk_followup_optouts o
            JOIN checkup_persons r ON r.hospital_id = o.hospital_id AND r.id = (CASE WHEN o.subject LIKE 'checkup-person:%' OR o.subject LIKE 'checkup\_person:%' ESCAPE '\' THEN CAST(SUBSTR(o.subject, 16) AS BIGINT) END)
    ) m WHERE TRUE
    ON CONFLICT (hospital_id, subject) DO NOTHING;
DELETE FROM desk_followup_optouts
    WHERE EXISTS (SELECT 1 FROM patients r WHERE r.hospital_id = desk_followup_optouts.hospital_id AND r.id = (CASE WHEN desk_followup_optouts.subject LIKE 'patient:%' THEN CAST(SUBSTR(desk_followup_optouts.subject, 9) AS BIGINT) END));
DELETE FROM desk_followup_optouts
    WHERE EXISTS (SELECT 1 FROM checkup_persons r WHERE r.hospital_id = desk_followup_optouts.hospital_id AND r.id = (CASE WHEN desk_followup_optouts.subject LIKE 'checkup-person:%' OR desk_followup_optouts.subject LIKE 'checkup\_person:%' ESCAPE '\' THEN CAST(SUBSTR(desk_followup_optouts.subject, 16) AS BIGINT) END));
