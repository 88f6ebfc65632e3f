-- +goose Up
-- Snowflake node numbers, each held by one live process under a lease it renews. A
-- counter in Redis handed them out before, and after Redis lost it (a restart without
-- persistence) a new process took the number of one still running: two processes making
-- the same ids.
CREATE TABLE id_nodes (
  node        INT          NOT NULL PRIMARY KEY,
  holder      VARCHAR(64)  NOT NULL,
  expires_at  DATETIME     NOT NULL
);

-- +goose Down
DROP TABLE id_nodes;
