-- +goose Up
-- Snowflake node numbers, each held by one live process under a lease it renews. A
-- counter in Redis handed them out before, and after Redis lost it (a restart without
-- persistence) a new process took the number of one still running: two processes making
-- the same ids.
CREATE TABLE id_nodes (
  node        INT          NOT NULL PRIMARY KEY,
  holder      VARCHAR(64)  NOT NULL,
  expires_at  DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE id_nodes;
