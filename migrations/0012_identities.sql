-- Sign-in with other accounts (Kakao, Naver, Google, …) and the newsroom's SSO.
-- An account made by a provider may have no email and no password, so the
-- accounts table is rebuilt with both columns nullable (SQLite cannot drop a
-- NOT NULL in place). Migrations run with foreign keys off (see `migrate` in
-- src/storage/sqlite/mod.rs), so dropping the old table does not cascade.

CREATE TABLE accounts_rebuilt (
    id            INTEGER PRIMARY KEY,
    email         TEXT UNIQUE,                   -- normalized; NULL when none is known
    display_name  TEXT NOT NULL,
    password_hash TEXT,                          -- argon2id PHC string; NULL: no password
    role          TEXT NOT NULL DEFAULT 'reader'
                  CHECK (role IN ('reader', 'moderator', 'admin')),
    created_at    INTEGER NOT NULL
);
INSERT INTO accounts_rebuilt (id, email, display_name, password_hash, role, created_at)
    SELECT id, email, display_name, password_hash, role, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE INDEX accounts_staff ON accounts (role) WHERE role != 'reader';

-- A way in from outside: found again by (provider, subject). `sso` is the
-- newsroom's own sign-in. One identity per provider and account.
CREATE TABLE identities (
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subject_hint TEXT NOT NULL,                  -- masked, for the account's own list
    linked_at    INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
) WITHOUT ROWID;
CREATE UNIQUE INDEX identities_by_account ON identities (account_id, provider);

-- A sign-in under way: state, nonce and PKCE verifier, kept here (not in the
-- browser) and taken exactly once. Known by the SHA-256 of the state.
CREATE TABLE login_attempts (
    state_hash      BLOB PRIMARY KEY,
    browser_hash    BLOB NOT NULL,               -- SHA-256 of the binding cookie's value
    provider        TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    return_to       TEXT NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('redirect', 'popup')),
    link_account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_attempts_by_expiry ON login_attempts (expires_at);

-- Tickets that let a signed-in reader start linking from a popup, where the
-- session cookie may not travel; single use, minutes long.
CREATE TABLE link_tickets (
    ticket_hash BLOB PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- SSO token ids already used, kept until the token would have expired anyway.
CREATE TABLE sso_token_ids (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sso_token_ids_by_expiry ON sso_token_ids (expires_at);
