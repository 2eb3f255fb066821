-- Core schema: accounts, sessions, editorials and comments.
-- Times are INTEGER milliseconds since the Unix epoch (UTC): they compare and
-- sort as numbers here and map one to one onto PostgreSQL's bigint.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- normalized: trimmed, lower case
    display_name  TEXT NOT NULL,                 -- cleaned by the comment text rule
    password_hash TEXT NOT NULL,                 -- argon2id PHC string
    role          TEXT NOT NULL DEFAULT 'reader'
                  CHECK (role IN ('reader', 'moderator', 'admin')),
    created_at    INTEGER NOT NULL
);

-- A session is known only by the SHA-256 of its token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,               -- for the idle limit, touched at most once a minute
    expires_at   INTEGER NOT NULL,               -- the absolute limit
    revoked_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_by_account ON sessions (account_id);

-- Editorials are keyed by the newsroom's own id.
CREATE TABLE articles (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    url            TEXT NOT NULL,
    published_at   INTEGER,
    comments_open  INTEGER NOT NULL DEFAULT 1 CHECK (comments_open IN (0, 1)),
    premoderation  INTEGER NOT NULL DEFAULT 0 CHECK (premoderation IN (0, 1)),
    -- Published comments, replies included, kept in the same transaction as
    -- every status change so the listing never has to count a large thread.
    comment_count  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Comments are never removed: deletion blanks the body and sets the status,
-- so replies, reports and the moderation log keep what they point at.
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,             -- grows with time: listing order and cursor
    article_id  TEXT NOT NULL REFERENCES articles (id),
    parent_id   INTEGER REFERENCES comments (id), -- one level: a parent has no parent
    author_id   INTEGER NOT NULL REFERENCES accounts (id),
    body        TEXT NOT NULL,                   -- the text after rule steps 1-5
    length      INTEGER NOT NULL,                -- code points of body
    status      TEXT NOT NULL
                CHECK (status IN ('published', 'pending', 'rejected', 'deleted')),
    reply_count INTEGER NOT NULL DEFAULT 0,      -- published replies
    created_at  INTEGER NOT NULL,
    edited_at   INTEGER,
    deleted_at  INTEGER
);
-- Top-level pages (parent_id IS NULL) and reply pages of one thread, both by id.
CREATE INDEX comments_by_thread ON comments (article_id, parent_id, id);
CREATE INDEX comments_by_parent ON comments (parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX comments_by_author ON comments (author_id, id);

-- Facts about this database itself, such as whether the demo editorials were seeded.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
