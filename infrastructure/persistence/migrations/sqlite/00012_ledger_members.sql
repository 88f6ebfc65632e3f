-- +goose Up
-- A name for this database made once, at random (see the MySQL migration; one process
-- owns a SQLite file, so nothing reads it there yet).
CREATE TABLE ledger_identity (
  id    INT   NOT NULL PRIMARY KEY,
  name  TEXT  NOT NULL
);
INSERT INTO ledger_identity (id, name) VALUES (1, lower(hex(randomblob(16))));

-- When each process holding a place among the processes of this database (a named lock
-- held by its connection) last said it runs: a place whose process has been silent for a
-- while is one of a process gone without closing its connection, which MySQL may hold for
-- hours.
CREATE TABLE ledger_members (
  connection_id  BIGINT       NOT NULL PRIMARY KEY,
  seen_at        DATETIME     NOT NULL
);

-- +goose Down
DROP TABLE ledger_members;
DROP TABLE ledger_identity;
