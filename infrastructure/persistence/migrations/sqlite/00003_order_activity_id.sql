-- +goose Up
-- The order desk lists an activity's orders newest first. ix_orders_activity starts with
-- the activity but then the prize, so that list sorted all of the activity's orders for
-- every page; (activity_id, id) reads them in order and stops at the page's end.
CREATE INDEX ix_orders_activity_id ON orders (activity_id, id);

-- +goose Down
DROP INDEX ix_orders_activity_id;
