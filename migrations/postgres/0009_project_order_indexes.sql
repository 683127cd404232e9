-- Project lists ordered by name or by last change read their page from an index instead of
-- sorting the whole catalogue (with many projects changed at the same instant, after an
-- import, a sort on updated_at alone left every tie to sort). Every list keeps only visible
-- projects, so `hidden` comes first: otherwise the planner takes the counting index below
-- for that equality and sorts every row. The id completes each key.
-- Keep in step with ../sqlite/0009_project_order_indexes.sql.
CREATE INDEX projects_name ON projects (hidden, lower(name), id);
DROP INDEX projects_updated;
CREATE INDEX projects_updated ON projects (hidden, updated_at, id);
-- Counting a list (projects not hidden, by licence) reads this small index, not every row
-- with its README.
CREATE INDEX projects_listing ON projects (hidden, license);
