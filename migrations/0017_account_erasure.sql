-- Readers' data rights: erased accounts, and how each session began.

-- An erased account stays as a row, so comments, reports, reactions and the
-- moderation log keep what they point at; its email, name, password and ways
-- in are gone (see `erase_account` in src/storage/sqlite/erasure.rs).
ALTER TABLE accounts ADD COLUMN erased_at INTEGER;

-- How the session was signed in: NULL for email and password, else the
-- provider's id (`sso` for the newsroom's own). Deleting an account without a
-- password asks for a session freshly signed in by a provider.
ALTER TABLE sessions ADD COLUMN signed_in_with TEXT;
