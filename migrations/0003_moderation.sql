-- Moderation: reader reports, moderators' decisions, and the append-only log.

-- Open reports from distinct readers, kept in step with `reports` so the
-- reported queue need not count; `hidden` is set at the hide threshold and
-- cleared by a moderator's decision.
ALTER TABLE comments ADD COLUMN open_reports INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
CREATE INDEX comments_by_status ON comments (status, id);
CREATE INDEX comments_reported ON comments (open_reports, id) WHERE open_reports > 0;

-- One report per reader per comment; a report keeps the text it was filed against.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    reporter_id INTEGER NOT NULL REFERENCES accounts (id),
    reason      TEXT NOT NULL CHECK (reason IN
                ('spam', 'abuse', 'hate', 'personal_information', 'off_topic', 'other')),
    note        TEXT,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (comment_id, reporter_id)
);
CREATE INDEX reports_open ON reports (comment_id) WHERE resolved_at IS NULL;

-- Every moderator action and every automatic hold or refusal.
CREATE TABLE moderation_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES accounts (id),   -- NULL: the standards policy
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL CHECK (target_type IN ('comment', 'user', 'article')),
    target_id   TEXT NOT NULL,
    reason      TEXT,
    note        TEXT
);
CREATE INDEX moderation_log_by_target ON moderation_log (target_type, target_id);

-- The log is append-only: entries are never changed or removed.
CREATE TRIGGER moderation_log_no_update BEFORE UPDATE ON moderation_log
BEGIN
    SELECT RAISE(ABORT, 'the moderation log is append-only');
END;
CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON moderation_log
BEGIN
    SELECT RAISE(ABORT, 'the moderation log is append-only');
END;
