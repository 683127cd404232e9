-- What the indexer keeps about each repository. Keep in step with ../sqlite/0002_indexing.sql.

ALTER TABLE projects ADD COLUMN default_branch TEXT;
ALTER TABLE projects ADD COLUMN head_commit TEXT;
ALTER TABLE projects ADD COLUMN last_fetch_at TIMESTAMPTZ;
ALTER TABLE projects ADD COLUMN license_source TEXT;          -- publiccode, file
ALTER TABLE projects ADD COLUMN publiccode_report_json TEXT;  -- errors and warnings
ALTER TABLE projects ADD COLUMN problems_json TEXT;           -- what the indexer could not read
ALTER TABLE projects ADD COLUMN webhook_generation BIGINT NOT NULL DEFAULT 0; -- rotates the webhook secret

ALTER TABLE versions ADD COLUMN position BIGINT NOT NULL DEFAULT 0; -- 0 is the newest
ALTER TABLE versions ADD COLUMN commit_date TIMESTAMPTZ;
ALTER TABLE versions ADD COLUMN tagger_date TIMESTAMPTZ;
CREATE INDEX versions_order ON versions (project_id, position);
