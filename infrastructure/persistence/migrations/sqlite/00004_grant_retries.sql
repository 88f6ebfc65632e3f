-- +goose Up
-- Each failed grant an admin sent again: who, when, and the failure it had, which the
-- order's grant_error no longer shows once the grant is pending again.
CREATE TABLE grant_retries (
  id              INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  order_id        INTEGER      NOT NULL,
  retried_by      TEXT         NOT NULL,
  previous_error  TEXT         NOT NULL,
  retried_at      DATETIME     NOT NULL
);
CREATE INDEX ix_grant_retries_order ON grant_retries (order_id, id);

-- +goose Down
DROP TABLE grant_retries;
