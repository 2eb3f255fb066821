-- Ids of live moderation events, shared by every process so a desk that
-- reconnects to another server resumes where it was (storage/postgres/live.rs).
CREATE SEQUENCE live_event_ids;
