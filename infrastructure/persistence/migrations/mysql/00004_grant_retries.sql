-- +goose Up
-- Each failed grant an admin sent again: who, when, and the failure it had, which the
-- order's grant_error no longer shows once the grant is pending again.
CREATE TABLE grant_retries (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id        BIGINT       NOT NULL,
  retried_by      VARCHAR(64)  NOT NULL,
  previous_error  VARCHAR(500) NOT NULL,
  retried_at      DATETIME(6)  NOT NULL,
  KEY ix_grant_retries_order (order_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE grant_retries;
