-- +goose Up
-- An upload refuses codes that another award already holds (see the MySQL migration).
CREATE INDEX ix_redeem_codes_code ON redeem_codes (code);

-- +goose Down
DROP INDEX ix_redeem_codes_code;
