-- Status changes recorded before the status history existed, moved or copied into it (issue 13
-- item 7). Tickets' and complaints' status events move (their rows keep their ids and leave
-- the old tables: one record per fact); performance answers and resolutions move out of
-- performance_events; locked performance months, published reports and booking changes that
-- were recorded only in the audit log are copied. What the old records cannot tell is named in
-- docs/flow.md ("Backfill").

-- Tickets: the status events of desk_ticket_events; the action is read off the two statuses.
INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note)
SELECT hospital_id, id, 'desk_ticket', ticket_id, prev, status,
    CASE
        WHEN prev IS NULL THEN 'create'
        WHEN status = 'pending' THEN 'pend'
        WHEN status = 'resolved' THEN 'resolve'
        WHEN status = 'open' AND prev = 'new' THEN 'start'
        WHEN status = 'open' AND prev = 'pending' THEN 'resume'
        WHEN status = 'open' THEN 'reopen'
        WHEN status = 'closed' AND prev = 'resolved' THEN 'close'
        ELSE 'merge'
    END,
    actor_id, actor_name, at, body
FROM (
    SELECT e.hospital_id, e.id, e.ticket_id, e.status, e.actor_id, e.actor_name, e.at, e.body,
        LAG(e.status) OVER (PARTITION BY e.hospital_id, e.ticket_id ORDER BY e.at, e.id) AS prev
    FROM desk_ticket_events e WHERE e.kind = 'status'
) s;
DELETE FROM desk_ticket_events WHERE kind = 'status';

-- Complaints: their events were status changes only.
INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note)
SELECT hospital_id, id, 'desk_complaint', complaint_id, from_status, to_status, action, actor_id, actor_name, at, note
FROM desk_complaint_events;
DROP TABLE desk_complaint_events;

-- Performance sheets: answers and resolutions. A confirmation or dispute after a confirmation
-- means the sheet went back to draft in between (its total changed).
INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note)
SELECT hospital_id, id, 'performance_sheet', sheet_id,
    CASE WHEN prev IS NULL OR prev = 'confirmed' THEN 'draft' ELSE prev END,
    to_s, action, NULL, actor_name, at, comment
FROM (
    SELECT x.*, LAG(x.to_s) OVER (PARTITION BY x.hospital_id, x.sheet_id ORDER BY x.at, x.id) AS prev
    FROM (
        SELECT e.hospital_id, e.id, e.sheet_id, e.action, e.actor_name, e.at, e.comment,
            CASE WHEN e.action IN ('confirmed', 'confirmed_on_behalf') THEN 'confirmed'
                 WHEN e.action IN ('disputed', 'disputed_on_behalf') THEN 'disputed'
                 ELSE 'resolved' END AS to_s
        FROM performance_events e
        WHERE e.action IN ('confirmed', 'confirmed_on_behalf', 'disputed', 'disputed_on_behalf', 'resolved')
    ) x
) y;
DELETE FROM performance_events WHERE action IN ('confirmed', 'confirmed_on_behalf', 'disputed', 'disputed_on_behalf', 'resolved');

-- Locked performance months (subject id: the month as YYYYMM).
INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note)
SELECT hospital_id, (SELECT next_id FROM id_alloc WHERE name = 'global') + ROW_NUMBER() OVER (ORDER BY hospital_id, month) - 1, 'performance_month', CAST(REPLACE(month, '-', '') AS BIGINT),
    'open', 'locked', 'lock', NULL, COALESCE(locked_by, ''), locked_at, ''
FROM performance_months WHERE locked_at IS NOT NULL;
UPDATE id_alloc SET next_id = next_id + (SELECT COUNT(*) FROM performance_months WHERE locked_at IS NOT NULL) WHERE name = 'global';

-- Published reports (subject id: the period, kind × 1,000,000 + its first day).
INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note)
SELECT hospital_id, (SELECT next_id FROM id_alloc WHERE name = 'global') + ROW_NUMBER() OVER (ORDER BY hospital_id, id) - 1, 'report',
    CASE period_kind WHEN 'week' THEN 1 WHEN 'month' THEN 2 WHEN 'quarter' THEN 3 WHEN 'half' THEN 4 ELSE 5 END * 1000000 + period_start,
    'draft', 'published', 'publish', NULL, published_by, published_at, ''
FROM reports;
UPDATE id_alloc SET next_id = next_id + (SELECT COUNT(*) FROM reports) WHERE name = 'global';

-- Checkup bookings: their status changes were recorded only as audit entries. A cancellation's
-- earlier status is the one before it, else 待支付 (a booking paid by a group card and
-- cancelled has no earlier entry: it was 已支付).
INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note)
SELECT hospital_id, (SELECT next_id FROM id_alloc WHERE name = 'global') + ROW_NUMBER() OVER (ORDER BY hospital_id, seq) - 1, 'checkup_booking', booking,
    CASE act WHEN 'pay' THEN 'pending_payment' WHEN 'expire' THEN 'pending_payment' WHEN 'check_in' THEN 'paid'
             WHEN 'complete' THEN 'checked_in' WHEN 'refund' THEN 'paid' ELSE COALESCE(prev, 'pending_payment') END,
    to_s, act, actor_id, actor_name, at, '据审计日志补录'
FROM (
    SELECT x.*, LAG(x.to_s) OVER (PARTITION BY x.hospital_id, x.booking ORDER BY x.seq) AS prev
    FROM (
        SELECT a.hospital_id, a.seq, CAST(SUBSTR(a.target, 17) AS BIGINT) AS booking, a.actor_id, a.actor_name, a.at,
            CASE a.action WHEN 'checkup.payment.paid' THEN 'paid' WHEN 'checkup.payment.record' THEN 'paid'
                 WHEN 'checkup.booking.check_in' THEN 'checked_in' WHEN 'checkup.booking.complete' THEN 'completed'
                 WHEN 'checkup.booking.cancel' THEN 'cancelled' WHEN 'checkup.booking.expire' THEN 'expired'
                 ELSE 'refunded' END AS to_s,
            CASE a.action WHEN 'checkup.payment.paid' THEN 'pay' WHEN 'checkup.payment.record' THEN 'pay'
                 WHEN 'checkup.booking.check_in' THEN 'check_in' WHEN 'checkup.booking.complete' THEN 'complete'
                 WHEN 'checkup.booking.cancel' THEN 'cancel' WHEN 'checkup.booking.expire' THEN 'expire'
                 ELSE 'refund' END AS act
        FROM audit_log a
        WHERE a.target LIKE 'checkup_booking:%' AND a.action IN ('checkup.payment.paid', 'checkup.payment.record', 'checkup.booking.check_in', 'checkup.booking.complete', 'checkup.booking.cancel', 'checkup.booking.expire', 'checkup.booking.refund')
    ) x
) y;
UPDATE id_alloc SET next_id = next_id + (SELECT COUNT(*) FROM audit_log WHERE target LIKE 'checkup_booking:%' AND action IN ('checkup.payment.paid', 'checkup.payment.record', 'checkup.booking.check_in', 'checkup.booking.complete', 'checkup.booking.cancel', 'checkup.booking.expire', 'checkup.booking.refund')) WHERE name = 'global';
