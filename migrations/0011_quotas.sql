-- Quotas count an author's comments since the start of the day.
CREATE INDEX comments_by_author_time ON comments (author_id, created_at);
