-- +goose Up
-- Rows a transaction locks to run alone among its kind. redeem_codes: uploads of codes
-- look up the codes other awards hold and then insert theirs; run side by side, two
-- uploads of one merchant file to two awards could both store a code, and locking the
-- look-up instead had concurrent uploads deadlock on the index's gaps.
CREATE TABLE mutexes (
  name VARCHAR(64) NOT NULL PRIMARY KEY
);
INSERT INTO mutexes (name) VALUES ('redeem_codes');

-- +goose Down
DROP TABLE mutexes;
