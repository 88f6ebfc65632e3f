-- +goose Up
-- One index by activity instead of two, and one that grows at its end. ix_orders_activity
-- placed each new order among the activity's orders of the same prize, outcome and day by
-- user, i.e. anywhere in the index, so all of it had to stay in the buffer pool; its ~100
-- bytes per order ran the pool out at ~400,000 orders with 128 MiB. Ordered by the order id
-- after the activity, new entries go to the activity's end, like the rows themselves. The
-- columns after the id let the counters' snapshot, the reconciliation and the statistics
-- count from the index alone, and the order desk still reads an activity newest first.
ALTER TABLE orders
  DROP INDEX ix_orders_activity,
  DROP INDEX ix_orders_activity_id,
  ADD INDEX ix_orders_activity_seq (activity_id, id, prize_id, outcome, day, user_id);

-- +goose Down
ALTER TABLE orders
  DROP INDEX ix_orders_activity_seq,
  ADD INDEX ix_orders_activity (activity_id, prize_id, outcome, day, user_id),
  ADD INDEX ix_orders_activity_id (activity_id, id);
