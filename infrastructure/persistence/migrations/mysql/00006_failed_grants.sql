-- +goose Up
-- The orders whose grant failed, the order desk's first view. Searching orders by
-- grant_state read the whole table newest first (~1.8 s for 2 million orders, scanned to
-- the end when fewer failures than a page exist), and an index on orders.grant_state would
-- cost every draw's INSERT. A failure is rare: it gets a row here in the transaction that
-- marks the order failed, and loses it in the one that sends the grant again.
CREATE TABLE failed_grants (
  order_id     BIGINT   NOT NULL PRIMARY KEY,
  activity_id  BIGINT   NOT NULL,
  KEY ix_failed_grants_activity (activity_id, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO failed_grants (order_id, activity_id)
  SELECT id, activity_id FROM orders WHERE grant_state = 'failed';

-- +goose Down
DROP TABLE failed_grants;
