-- +goose Up
-- The orders whose grant failed, the order desk's first view: found without reading every
-- order (see the MySQL migration). A row is written with the failure and removed with the
-- retry, in the same transactions.
CREATE TABLE failed_grants (
  order_id     INTEGER  NOT NULL PRIMARY KEY,
  activity_id  INTEGER  NOT NULL
);
CREATE INDEX ix_failed_grants_activity ON failed_grants (activity_id, order_id);

INSERT INTO failed_grants (order_id, activity_id)
  SELECT id, activity_id FROM orders WHERE grant_state = 'failed';

-- +goose Down
DROP TABLE failed_grants;
