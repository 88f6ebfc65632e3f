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

-- When each process holding a place among the processes of this database (a named lock
-- held by its connection) last said it runs: a place whose process has been silent for a
-- while is one of a process gone without closing its connection, which MySQL may hold for
-- hours.
CREATE TABLE ledger_members (
  connection_id  BIGINT       NOT NULL PRIMARY KEY,
  seen_at        DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE ledger_members;
DROP TABLE ledger_identity;
