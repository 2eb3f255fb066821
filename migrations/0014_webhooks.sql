-- Webhooks: a durable outbox. An event is written in the same transaction as
-- the change it reports, with one delivery row per endpoint configured at
-- that moment; the delivery workers send them and record each attempt.

-- What happened. `data` is the JSON of the event's `data` field as it was at
-- the change; the body sent is built from these columns alone, so it is the
-- same on every retry.
CREATE TABLE webhook_events (
    id      INTEGER PRIMARY KEY,
    type    TEXT NOT NULL,
    at      INTEGER NOT NULL,           -- when the change happened (ms)
    data    TEXT NOT NULL
);

-- One event's delivery to one endpoint. `subject` (e.g. `comment:7`) orders
-- deliveries: only the oldest undelivered one of a subject is sent, so events
-- about one comment arrive in order while others go on. A worker claims a row
-- by setting `lease_owner` and `lease_until`; a lease that runs out (the
-- process died) lets another worker take it again.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,            -- the last answer's HTTP status
    last_error      TEXT,               -- why the last attempt failed, if it did
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    lease_owner     TEXT,
    lease_until     INTEGER,
    UNIQUE (event_id, endpoint)
);

-- The workers' page of due deliveries, and the order check per subject.
CREATE INDEX webhook_deliveries_due
    ON webhook_deliveries (endpoint, id) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_subject
    ON webhook_deliveries (endpoint, subject, id) WHERE delivered_at IS NULL;
-- The oldest undelivered event, for the lag gauge.
CREATE INDEX webhook_deliveries_waiting
    ON webhook_deliveries (event_id) WHERE delivered_at IS NULL;
-- Pruning delivered rows after the retention period.
CREATE INDEX webhook_deliveries_delivered
    ON webhook_deliveries (delivered_at) WHERE delivered_at IS NOT NULL;
