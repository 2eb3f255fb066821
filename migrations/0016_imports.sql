-- Imports (issue 18): what each source's records became here, so a second
-- import of the same file adds nothing and a rerun after a failure resumes.
-- `source` is the format (disqus, wordpress, isso, comment-desk): two formats
-- may use the same external id for different things, so ids never collide
-- across sources. `parent_external` keeps a comment's parent as the source
-- named it until the whole file is read (a reply may come before its parent).
CREATE TABLE imports (
    source          TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('editorial', 'account', 'comment', 'sanction', 'report', 'log')),
    external_id     TEXT NOT NULL,
    local_id        TEXT NOT NULL,
    parent_external TEXT,
    PRIMARY KEY (source, kind, external_id)
) WITHOUT ROWID;
