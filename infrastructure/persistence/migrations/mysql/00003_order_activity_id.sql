-- +goose Up
-- The order desk lists an activity's orders newest first. ix_orders_activity starts with
-- the activity but then the prize, so that list sorted all of the activity's orders for
-- every page; (activity_id, id) reads them in order and stops at the page's end. It costs
-- each order one more B-tree insert, and no grant moves it (id and activity never change).
ALTER TABLE orders ADD INDEX ix_orders_activity_id (activity_id, id);

-- +goose Down
ALTER TABLE orders DROP INDEX ix_orders_activity_id;
