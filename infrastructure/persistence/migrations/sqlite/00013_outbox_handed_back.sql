-- +goose Up
-- How many times a grant was handed back to the outbox by a granter. Each hand-back's
-- message gets a new id from it: a grant handed back with the deliveries it had (a stop cut
-- it short, or its merchant was paused, so no attempt is counted) would otherwise be
-- published again with the id of the message it came in, which JetStream drops as a
-- repeat for as long as it remembers ids.
ALTER TABLE outbox ADD COLUMN handed_back INT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE outbox DROP COLUMN handed_back;
