-- +goose Up
-- A name for this database made once, at random (see the MySQL migration; one process
-- owns a SQLite file, so nothing reads it there yet).
CREATE TABLE ledger_identity (
  id    INT   NOT NULL PRIMARY KEY,
  name  TEXT  NOT NULL
);
INSERT INTO ledger_identity (id, name) VALUES (1, lower(hex(randomblob(16))));

-- +goose Down
DROP TABLE ledger_identity;
