-- The rate limits' and throttles' counts (src/storage/limits.rs), one small
-- JSON state per key, shared by every server process on this database.
-- SQLite keeps them in the server's memory instead (one server per file), so
-- this table has no SQLite twin.
--
-- UNLOGGED: no WAL, so a count costs little and a commit waits for no disk;
-- a crash empties the table, which costs an attacker nothing he could not
-- get by waiting. Rows past expires_at are pruned now and then.
CREATE UNLOGGED TABLE limit_states (
    key        TEXT PRIMARY KEY,
    state      TEXT,              -- JSON; NULL while the first decision on the key runs
    expires_at BIGINT NOT NULL    -- ms since the epoch; the row may go after it
);

CREATE INDEX limit_states_by_expiry ON limit_states (expires_at);
