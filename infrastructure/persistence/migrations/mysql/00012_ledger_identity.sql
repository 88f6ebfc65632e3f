-- +goose Up
-- A name for this database made once, at random: processes that share it announce
-- themselves under it in their Redis, so that two deployments sharing a Redis and prefix by
-- mistake are told apart. Unlike the server's host name, it survives a failover, a restored
-- backup keeps it, and a re-created container does not change it.
CREATE TABLE ledger_identity (
  id    INT       NOT NULL PRIMARY KEY,
  name  CHAR(32)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO ledger_identity (id, name) VALUES (1, REPLACE(UUID(), '-', ''));

-- +goose Down
DROP TABLE ledger_identity;
