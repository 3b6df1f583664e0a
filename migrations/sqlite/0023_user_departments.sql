-- Data scopes (security issue 12, finding 7): the departments a user works in, by department
-- code, comma-separated (a nurse's care teams; a doctor's own department also follows from the
-- doctor record their username names). Roles whose data scope is "department" see the patients
-- of these departments only.
ALTER TABLE users ADD COLUMN departments TEXT NOT NULL DEFAULT '';
