-- What a decision is made on. `version` counts the changes of a comment's text
-- and status (edits, decisions, deletion); a moderator's decision may name the
-- version it was made on and fails when the comment changed since. `settled`
-- marks a state that a moderator's decision set: a decision that names no
-- version may not overturn it (two moderators deciding at once must not flip
-- a comment back and forth). An edit unsettles it: new text awaits its own
-- decision.
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN settled INTEGER NOT NULL DEFAULT 0 CHECK (settled IN (0, 1));

-- `articles.comment_count` counts a reply only while its thread is listed
-- (its top-level comment published and not hidden, or a tombstone), so the
-- listing's `total` is what it shows. Count once more under that rule.
UPDATE articles SET comment_count = (
    SELECT count(*) FROM comments c LEFT JOIN comments r ON r.id = c.parent_id
    WHERE c.article_id = articles.id AND c.status = 'published' AND c.hidden = 0
      AND (c.parent_id IS NULL
           OR (r.status = 'published' AND r.hidden = 0) OR r.status = 'deleted'));
