-- One row per held or refused kind of text on a comment instead of one per
-- attempt: an author who edits a comment again and again into a held or
-- refused text bumps a count and the time of the last try. The key is the
-- comment, the action and the rule codes. Refused new comments keep a row
-- each: they count against the flooding limits before they are judged.
ALTER TABLE policy_decisions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE policy_decisions ADD COLUMN last_at INTEGER;

UPDATE policy_decisions AS d SET
    attempts = (SELECT count(*) FROM policy_decisions p
                WHERE p.comment_id = d.comment_id AND p.action = d.action AND p.codes = d.codes),
    last_at = (SELECT max(created_at) FROM policy_decisions p
               WHERE p.comment_id = d.comment_id AND p.action = d.action AND p.codes = d.codes)
WHERE d.comment_id IS NOT NULL;
DELETE FROM policy_decisions WHERE comment_id IS NOT NULL AND id NOT IN (
    SELECT min(id) FROM policy_decisions WHERE comment_id IS NOT NULL
    GROUP BY comment_id, action, codes);

CREATE UNIQUE INDEX policy_decisions_once ON policy_decisions (comment_id, action, codes)
    WHERE comment_id IS NOT NULL;
