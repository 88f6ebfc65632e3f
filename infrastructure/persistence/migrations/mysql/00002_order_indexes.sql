-- +goose Up
-- Orders keep the indexes a lookup uses, no more: every secondary index costs each draw a
-- B-tree insert, and an indexed column that a grant updates costs it two more.
-- ix_orders_mq served no query; one index by activity now serves the reconciliation,
-- the statistics and the benchmark's checks that ix_orders_activity_day and
-- ix_orders_prize_day served, and covers them.
ALTER TABLE orders
  DROP INDEX ix_orders_mq,
  DROP INDEX ix_orders_prize_day,
  DROP INDEX ix_orders_activity_day,
  ADD INDEX ix_orders_activity (activity_id, prize_id, outcome, day, user_id);

-- +goose Down
ALTER TABLE orders
  DROP INDEX ix_orders_activity,
  ADD INDEX ix_orders_activity_day (activity_id, day, user_id),
  ADD INDEX ix_orders_prize_day (prize_id, day),
  ADD INDEX ix_orders_mq (mq_state, created_at);
