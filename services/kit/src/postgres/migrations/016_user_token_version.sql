-- Sessions that end (issue 14): every change to a user (role, disabled,
-- password) and "log out everywhere" bump token_version; access and refresh
-- tokens carry the version they were issued under and are refused once it
-- moved on.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
