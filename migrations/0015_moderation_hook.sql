-- The moderation hook: a reason the newsroom's classifier gave carries its
-- labels (comma-separated), since they are not a span of the comment's text.
-- NULL for our own rules.
ALTER TABLE comment_reasons ADD COLUMN detail TEXT;
