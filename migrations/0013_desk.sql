-- The moderator desk: moderators' notes on accounts, and what undoing a
-- decision needs.

-- One note per account, written by moderators and never shown to the reader.
CREATE TABLE account_notes (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES accounts (id)
);

-- The latest decision on a comment, as long as it may still be undone: the
-- state before it, and the reports it resolved. `version` is the comment's
-- version right after the decision; any later change (an edit, another
-- decision, a deletion) moves it on, and the undo is refused. A deletion keeps
-- the deleted text here, so rows older than the longest undo window are
-- swept at every decision.
CREATE TABLE decision_undo (
    comment_id   INTEGER PRIMARY KEY REFERENCES comments (id),
    moderator_id INTEGER NOT NULL REFERENCES accounts (id),
    action       TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'delete')),
    decided_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    prev_status  TEXT NOT NULL
                 CHECK (prev_status IN ('published', 'pending', 'rejected', 'deleted')),
    prev_hidden  INTEGER NOT NULL CHECK (prev_hidden IN (0, 1)),
    prev_settled INTEGER NOT NULL CHECK (prev_settled IN (0, 1)),
    prev_body    TEXT,                           -- a deleted comment's text; NULL otherwise
    prev_length  INTEGER,
    reports      TEXT NOT NULL DEFAULT '[]'      -- JSON array of the report ids it resolved
);
CREATE INDEX decision_undo_by_time ON decision_undo (decided_at);

-- The desk filters queues by the rule that held a comment.
CREATE INDEX comment_reasons_by_code ON comment_reasons (code, comment_id);
