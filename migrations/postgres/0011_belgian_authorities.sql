-- Belgian local authorities beside the French ones: the country of each organisation, and
-- the Dutch name where it differs (Namur / Namen), which search also finds.
-- Keep in step with ../sqlite/0011_belgian_authorities.sql.
ALTER TABLE organisations ADD COLUMN country TEXT NOT NULL DEFAULT 'FR';
ALTER TABLE organisations ADD COLUMN name_nl TEXT;
CREATE INDEX organisations_country ON organisations (country, kind);
