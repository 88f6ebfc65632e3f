-- +goose Up
-- A code is worth its prize to whoever redeems it first, so an upload refuses codes that
-- another award already holds (one merchant file uploaded to two awards would hand each
-- code out twice). The unique key is (award_id, code); this finds a code by itself.
ALTER TABLE redeem_codes ADD INDEX ix_redeem_codes_code (code);

-- +goose Down
ALTER TABLE redeem_codes DROP INDEX ix_redeem_codes_code;
