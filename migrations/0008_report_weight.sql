-- What a report counts toward queueing and hiding its comment, in halves of an
-- ordinary report: 0 from an account too new, 1 from a reader whose reports
-- moderators mostly dismissed, 2 ordinarily, 3 from one whose reports they
-- mostly upheld. Reports filed before this migration count as ordinary.
ALTER TABLE reports ADD COLUMN weight INTEGER NOT NULL DEFAULT 2 CHECK (weight BETWEEN 0 AND 3);

-- A reporter's record: their reports and what became of them.
CREATE INDEX reports_by_reporter ON reports (reporter_id);
