-- A logged-in reader's listing differs from the anonymous one only by their
-- own pending or report-hidden comments. This partial index holds just those,
-- so asking whether a reader has any costs one lookup however many comments
-- they have written, and published comments never touch it.
CREATE INDEX comments_unlisted ON comments (author_id, article_id)
    WHERE status = 'pending' OR (status = 'published' AND hidden <> 0);
