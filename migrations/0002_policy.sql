-- The standards policy: what it decided, and what it needs to decide.

-- A hash of the comment's folded text, to refuse an author's repeated comment.
ALTER TABLE comments ADD COLUMN fingerprint BLOB;
CREATE INDEX comments_by_author_fingerprint ON comments (author_id, fingerprint);

-- The rules that held a comment, with the span they fired on in code points
-- (0, 0 for rules about the whole comment). Moderators see them as reasons.
CREATE TABLE comment_reasons (
    comment_id INTEGER NOT NULL REFERENCES comments (id),
    code       TEXT NOT NULL,
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL
);
CREATE INDEX comment_reasons_by_comment ON comment_reasons (comment_id);

-- Every hold and refusal the policy made. A refused attempt is not a comment
-- and its text is not kept (it may hold a resident registration number); the
-- decision is, so repeat offenders can be seen.
CREATE TABLE policy_decisions (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    article_id TEXT NOT NULL,
    comment_id INTEGER REFERENCES comments (id),  -- the held comment; NULL when refused
    action     TEXT NOT NULL CHECK (action IN ('hold', 'refuse')),
    codes      TEXT NOT NULL,                     -- the rule codes, comma-separated
    created_at INTEGER NOT NULL
);
CREATE INDEX policy_decisions_by_account ON policy_decisions (account_id, id);

-- Suspensions and bans. At most one is in force per account: the newest not lifted
-- and, for a suspension, not yet over.
CREATE TABLE sanctions (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('suspend', 'ban')),
    until        INTEGER,                         -- end of a suspension; NULL for a ban
    reason       TEXT NOT NULL,
    moderator_id INTEGER REFERENCES accounts (id),
    created_at   INTEGER NOT NULL,
    lifted_at    INTEGER,
    lifted_by    INTEGER REFERENCES accounts (id)
);
CREATE INDEX sanctions_in_force ON sanctions (account_id, id) WHERE lifted_at IS NULL;
