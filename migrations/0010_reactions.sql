-- Reactions (공감/비공감), the orderings they feed, and editors' picks.

-- Counts kept on the comment in the same transaction as each reaction, so a
-- listing never counts reactions. `score` is 순공감 (likes minus dislikes);
-- `ratio_rank` is 공감비율 as an integer (likes per billion reactions), or -1
-- while the comment has fewer reactions than the ranking minimum, which is
-- configuration and so written by the server, not computed here.
ALTER TABLE comments ADD COLUMN likes INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0);
ALTER TABLE comments ADD COLUMN dislikes INTEGER NOT NULL DEFAULT 0 CHECK (dislikes >= 0);
ALTER TABLE comments ADD COLUMN score INTEGER GENERATED ALWAYS AS (likes - dislikes) VIRTUAL;
ALTER TABLE comments ADD COLUMN ratio_rank INTEGER NOT NULL DEFAULT -1;
ALTER TABLE comments ADD COLUMN featured INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1));

-- Top-level pages by 순공감순 and 공감비율순, ties newest first.
CREATE INDEX comments_by_score ON comments (article_id, score, id) WHERE parent_id IS NULL;
CREATE INDEX comments_by_ratio ON comments (article_id, ratio_rank, id) WHERE parent_id IS NULL;

-- One reaction per reader per comment; changing it replaces the row.
CREATE TABLE reactions (
    comment_id INTEGER NOT NULL REFERENCES comments (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    article_id TEXT NOT NULL,                    -- the comment's, for "has this reader reacted here"
    kind       TEXT NOT NULL CHECK (kind IN ('like', 'dislike')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, account_id)
) WITHOUT ROWID;
CREATE INDEX reactions_by_reader ON reactions (account_id, article_id);

-- Every change of a comment's counts, in commit order. A ranked page is cut
-- as of one `seq`: the counts then are today's minus the changes after it,
-- so paging by 순공감순 shows each comment once while readers keep reacting.
-- Also what the reactions-per-day quota and the burst signal count. Rows
-- older than the retention are pruned by the writer.
CREATE TABLE reaction_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even after pruning
    article_id TEXT NOT NULL,
    comment_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    likes      INTEGER NOT NULL,                 -- -1, 0 or +1
    dislikes   INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX reaction_changes_by_article ON reaction_changes (article_id, seq);
CREATE INDEX reaction_changes_by_comment ON reaction_changes (comment_id, at);
CREATE INDEX reaction_changes_by_reader ON reaction_changes (account_id, at);
