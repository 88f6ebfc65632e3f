-- +goose Up
-- One index by activity instead of two, and one that grows at its end (see the MySQL
-- migration of the same number): new entries go to the activity's end, and the columns
-- after the id let the counters' snapshot, the reconciliation and the statistics count
-- from the index alone.
DROP INDEX ix_orders_activity;
DROP INDEX ix_orders_activity_id;
CREATE INDEX ix_orders_activity_seq ON orders (activity_id, id, prize_id, outcome, day, user_id);

-- +goose Down
DROP INDEX ix_orders_activity_seq;
CREATE INDEX ix_orders_activity ON orders (activity_id, prize_id, outcome, day, user_id);
CREATE INDEX ix_orders_activity_id ON orders (activity_id, id);
