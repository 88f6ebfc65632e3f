-- +goose Up
-- Who last edited an activity after its creation ('' for nobody): like its creator, they
-- may not approve or reject it, so that a second person sees what goes live.
ALTER TABLE activities ADD COLUMN edited_by VARCHAR(64) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE activities DROP COLUMN edited_by;
