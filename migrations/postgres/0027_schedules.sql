-- The daily follow-up generation is a schedule of the desk module now (Module::schedules,
-- enqueued per hospital and due time by the scheduler); the runs it queued for itself before
-- (payload `{}`, key `desk.followup_daily:<day>`) are superseded and go.
DELETE FROM jobs WHERE kind = 'desk.followup_daily' AND status = 'queued';
