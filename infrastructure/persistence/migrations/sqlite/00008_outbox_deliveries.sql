-- +goose Up
-- A grant that failed and must wait is handed back to the outbox (state failed, due at its
-- next attempt) instead of being held in the stream, where each one held a slot of the
-- consumer's unacknowledged deliveries that every other grant needed too. deliveries
-- counts the deliveries of its earlier messages, so that a grant still gives up after as
-- many as before.
ALTER TABLE outbox ADD COLUMN deliveries INT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE outbox DROP COLUMN deliveries;
