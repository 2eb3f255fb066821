-- Staff accounts (moderators and admins) are few; registration compares a new
-- reader's name with theirs, and this index finds them without reading every
-- account. Queries must say `role != 'reader'` to use it.
CREATE INDEX accounts_staff ON accounts (role) WHERE role != 'reader';
