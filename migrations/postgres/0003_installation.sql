-- Facts about this installation (not tenant data), e.g. the fingerprint of the field-encryption
-- key, so a server started with the wrong key file refuses instead of writing unreadable data.
CREATE TABLE installation (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
