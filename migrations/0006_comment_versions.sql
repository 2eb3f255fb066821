-- What a decision is made on. `version` counts the changes of a comment's text
-- and status (edits, decisions, deletion); a moderator's decision may name the
-- version it was made on and fails when the comment changed since. `settled`
-- marks a state that a moderator's decision set: a decision that names no
-- version may not overturn it (two moderators deciding at once must not flip
-- a comment back and forth). An edit unsettles it: new text awaits its own
-- decision.
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN settled INTEGER NOT NULL DEFAULT 0 CHECK (settled IN (0, 1));
