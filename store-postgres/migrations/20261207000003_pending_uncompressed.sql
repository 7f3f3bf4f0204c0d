-- A pending record is sealed, so it never compresses: stored out of line as it is,
-- without PostgreSQL first trying (and failing) to compress each 8 KiB record.
ALTER TABLE pending_responses ALTER COLUMN sealed SET STORAGE EXTERNAL;
