-- A desk calendar may follow the hospital's public holidays and make-up workdays (the platform's
-- business calendar, 系统设置 → 节假日) on top of its own extra days. The preset office-hours
-- calendar was meant to (it closed on no holiday before this column); existing office calendars
-- without days of their own now follow them.
ALTER TABLE desk_calendars ADD COLUMN public_holidays SMALLINT NOT NULL DEFAULT 0;
UPDATE desk_calendars SET public_holidays = 1 WHERE code = 'office' AND holidays = '' AND workdays = '';
