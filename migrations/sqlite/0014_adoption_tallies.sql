-- Adopters counted per project and département, and per project and population band,
-- maintained on every write by triggers, in the same transaction: the project page's map
-- and the peer suggestions of an organisation page read a few rows instead of aggregating
-- every adoption (30,000 for the most adopted project). Keep in step with
-- ../postgres/0014_adoption_tallies.sql.

-- The INSEE population bands of communes (the same as `model::peers::BANDS`, checked by a
-- test): a band is named by its lower bound.
CREATE TABLE population_bands (
    low  INTEGER PRIMARY KEY,
    high INTEGER                            -- excluded; NULL for the last band
);
INSERT INTO population_bands (low, high) VALUES
    (0, 500), (500, 2000), (2000, 3500), (3500, 5000), (5000, 10000), (10000, 20000),
    (20000, 50000), (50000, 100000), (100000, NULL);

-- Adoptions by the adopter's département (adopters without one are not counted).
CREATE TABLE adoption_tallies_departement (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    departement TEXT NOT NULL,
    status      TEXT NOT NULL,
    adopters    INTEGER NOT NULL,
    PRIMARY KEY (project_id, departement, status)
);
CREATE INDEX adoption_tallies_departement_peers
    ON adoption_tallies_departement (departement, status, adopters DESC);

-- Adoptions by communes, by the commune's population band.
CREATE TABLE adoption_tallies_band (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    band       INTEGER NOT NULL,
    status     TEXT NOT NULL,
    adopters   INTEGER NOT NULL,
    PRIMARY KEY (project_id, band, status)
);
CREATE INDEX adoption_tallies_band_peers ON adoption_tallies_band (band, status, adopters DESC);

-- A project's adopters by status and verification (its page's counts) and its versions in
-- use are counted from this index alone, without reading the adoptions themselves.
CREATE INDEX adoptions_project_status ON adoptions (project_id, status, verification, version);
-- The catalogue's counts (the home page, metrics): adoptions in use and the organisations
-- behind them, from this index alone rather than from every adoption (3.7 s cold for
-- 1,000,000 adoptions on SQLite).
CREATE INDEX adoptions_status_organisation ON adoptions (status, organisation_id);

INSERT INTO adoption_tallies_departement (project_id, departement, status, adopters)
SELECT a.project_id, o.departement, a.status, COUNT(*)
FROM adoptions a JOIN organisations o ON o.id = a.organisation_id
WHERE o.departement IS NOT NULL
GROUP BY a.project_id, o.departement, a.status;

INSERT INTO adoption_tallies_band (project_id, band, status, adopters)
SELECT a.project_id, b.low, a.status, COUNT(*)
FROM adoptions a JOIN organisations o ON o.id = a.organisation_id
JOIN population_bands b ON o.population >= b.low AND (b.high IS NULL OR o.population < b.high)
WHERE o.kind = 'commune'
GROUP BY a.project_id, b.low, a.status;

-- The one place where tallies change: inserting into this view counts one adoption (of a
-- project, with a status, by an organisation of a département, kind and population, as it
-- was or as it is) in (`change` 1) or out (`change` -1). The view holds nothing; the triggers
-- below feed it. Decrements never insert: when the project itself is being deleted its
-- tallies are already gone.
CREATE VIEW adoption_tally_changes AS
SELECT NULL AS project_id, NULL AS status, NULL AS departement, NULL AS kind,
       NULL AS population, NULL AS change;

CREATE TRIGGER adoption_tally_changes_apply INSTEAD OF INSERT ON adoption_tally_changes
BEGIN
    INSERT INTO adoption_tallies_departement (project_id, departement, status, adopters)
    SELECT new.project_id, new.departement, new.status, 1
    WHERE new.change > 0 AND new.departement IS NOT NULL
    ON CONFLICT (project_id, departement, status) DO UPDATE SET adopters = adopters + 1;
    UPDATE adoption_tallies_departement SET adopters = adopters - 1
    WHERE new.change < 0 AND project_id = new.project_id AND departement = new.departement
      AND status = new.status;
    INSERT INTO adoption_tallies_band (project_id, band, status, adopters)
    SELECT new.project_id, b.low, new.status, 1 FROM population_bands b
    WHERE new.change > 0 AND new.kind = 'commune' AND new.population >= b.low
      AND (b.high IS NULL OR new.population < b.high)
    ON CONFLICT (project_id, band, status) DO UPDATE SET adopters = adopters + 1;
    UPDATE adoption_tallies_band SET adopters = adopters - 1
    WHERE new.change < 0 AND project_id = new.project_id AND status = new.status
      AND band = (SELECT b.low FROM population_bands b
                  WHERE new.kind = 'commune' AND new.population >= b.low
                    AND (b.high IS NULL OR new.population < b.high));
END;

CREATE TRIGGER adoption_tallies_insert AFTER INSERT ON adoptions
BEGIN
    INSERT INTO adoption_tally_changes
    SELECT new.project_id, new.status, o.departement, o.kind, o.population, 1
    FROM organisations o WHERE o.id = new.organisation_id;
END;

CREATE TRIGGER adoption_tallies_delete AFTER DELETE ON adoptions
BEGIN
    INSERT INTO adoption_tally_changes
    SELECT old.project_id, old.status, o.departement, o.kind, o.population, -1
    FROM organisations o WHERE o.id = old.organisation_id;
END;

-- An adoption whose status (or project, or adopter) changes moves from one tally to another.
CREATE TRIGGER adoption_tallies_update AFTER UPDATE OF project_id, organisation_id, status ON adoptions
WHEN old.project_id <> new.project_id OR old.organisation_id <> new.organisation_id
  OR old.status <> new.status
BEGIN
    INSERT INTO adoption_tally_changes
    SELECT old.project_id, old.status, o.departement, o.kind, o.population, -1
    FROM organisations o WHERE o.id = old.organisation_id;
    INSERT INTO adoption_tally_changes
    SELECT new.project_id, new.status, o.departement, o.kind, o.population, 1
    FROM organisations o WHERE o.id = new.organisation_id;
END;

-- An organisation that moves (a new edition of the reference data: a commune merged into
-- another département, a new census population) moves its adoptions with it.
CREATE TRIGGER adoption_tallies_organisation_moves
AFTER UPDATE OF departement, population, kind ON organisations
WHEN old.departement IS NOT new.departement OR old.population IS NOT new.population
  OR old.kind IS NOT new.kind
BEGIN
    INSERT INTO adoption_tally_changes
    SELECT a.project_id, a.status, old.departement, old.kind, old.population, -1
    FROM adoptions a WHERE a.organisation_id = old.id;
    INSERT INTO adoption_tally_changes
    SELECT a.project_id, a.status, new.departement, new.kind, new.population, 1
    FROM adoptions a WHERE a.organisation_id = new.id;
END;

-- An organisation deleted takes its adoptions with it: they go first, while the
-- organisation still says where they were counted.
CREATE TRIGGER adoption_tallies_organisation_deleted BEFORE DELETE ON organisations
BEGIN
    DELETE FROM adoptions WHERE organisation_id = old.id;
END;
