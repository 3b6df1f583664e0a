-- The checkup H5 pages and the group portal sign in through the platform's patient login
-- (patient_sessions, migration 0033). Their own session tables go; sessions alive at the
-- upgrade simply end (they lived hours at most): patients and contacts sign in again.
DROP TABLE checkup_h5_sessions;
DROP TABLE checkup_contact_sessions;
