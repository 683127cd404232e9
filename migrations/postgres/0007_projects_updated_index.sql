-- The home page lists the projects changed last.
CREATE INDEX projects_updated ON projects (updated_at);
