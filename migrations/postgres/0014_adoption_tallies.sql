-- Adopters counted per project and département, and per project and population band,
-- maintained on every write by triggers, in the same transaction: the project page's map
-- and the peer suggestions of an organisation page read a few rows instead of aggregating
-- every adoption (30,000 for the most adopted project). Keep in step with
-- ../sqlite/0014_adoption_tallies.sql.

-- The INSEE population bands of communes (the same as `model::peers::BANDS`, checked by a
-- test): a band is named by its lower bound.
CREATE TABLE population_bands (
    low  BIGINT PRIMARY KEY,
    high BIGINT                             -- excluded; NULL for the last band
);
INSERT INTO population_bands (low, high) VALUES
    (0, 500), (500, 2000), (2000, 3500), (3500, 5000), (5000, 10000), (10000, 20000),
    (20000, 50000), (50000, 100000), (100000, NULL);

-- Adoptions by the adopter's département (adopters without one are not counted).
CREATE TABLE adoption_tallies_departement (
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    departement TEXT NOT NULL,
    status      TEXT NOT NULL,
    adopters    BIGINT NOT NULL,
    PRIMARY KEY (project_id, departement, status)
);
CREATE INDEX adoption_tallies_departement_peers
    ON adoption_tallies_departement (departement, status, adopters DESC);

-- Adoptions by communes, by the commune's population band.
CREATE TABLE adoption_tallies_band (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    band       BIGINT NOT NULL,
    status     TEXT NOT NULL,
    adopters   BIGINT NOT NULL,
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

-- Applies a statement's adoptions to the tallies: those it removed (`old_rows`, on DELETE and
-- UPDATE) counted out, those it added (`new_rows`, on INSERT and UPDATE) counted in. One
-- aggregated write per statement, so that a bulk import of 100,000 adoptions costs a few
-- grouped upserts rather than 100,000 function calls. Decrements never insert: when the
-- project itself is being deleted its tallies are already gone.
CREATE FUNCTION adoption_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE adoption_tallies_departement t SET adopters = t.adopters - d.n
        FROM (SELECT r.project_id, o.departement, r.status, COUNT(*) AS n
              FROM old_rows r JOIN organisations o ON o.id = r.organisation_id
              WHERE o.departement IS NOT NULL
              GROUP BY r.project_id, o.departement, r.status) d
        WHERE t.project_id = d.project_id AND t.departement = d.departement
          AND t.status = d.status;
        UPDATE adoption_tallies_band t SET adopters = t.adopters - d.n
        FROM (SELECT r.project_id, b.low, r.status, COUNT(*) AS n
              FROM old_rows r JOIN organisations o ON o.id = r.organisation_id
              JOIN population_bands b ON o.population >= b.low
                AND (b.high IS NULL OR o.population < b.high)
              WHERE o.kind = 'commune'
              GROUP BY r.project_id, b.low, r.status) d
        WHERE t.project_id = d.project_id AND t.band = d.low AND t.status = d.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO adoption_tallies_departement AS t (project_id, departement, status, adopters)
        SELECT r.project_id, o.departement, r.status, COUNT(*)
        FROM new_rows r JOIN organisations o ON o.id = r.organisation_id
        WHERE o.departement IS NOT NULL
        GROUP BY r.project_id, o.departement, r.status
        ON CONFLICT (project_id, departement, status)
        DO UPDATE SET adopters = t.adopters + excluded.adopters;
        INSERT INTO adoption_tallies_band AS t (project_id, band, status, adopters)
        SELECT r.project_id, b.low, r.status, COUNT(*)
        FROM new_rows r JOIN organisations o ON o.id = r.organisation_id
        JOIN population_bands b ON o.population >= b.low
          AND (b.high IS NULL OR o.population < b.high)
        WHERE o.kind = 'commune'
        GROUP BY r.project_id, b.low, r.status
        ON CONFLICT (project_id, band, status) DO UPDATE SET adopters = t.adopters + excluded.adopters;
    END IF;
    RETURN NULL;
END;
$$;

-- Transition tables cannot go with a column list: an update of any column goes through the
-- function, where an unchanged adoption counts out and in again, leaving the tallies as they
-- were.
CREATE TRIGGER adoption_tallies_insert AFTER INSERT ON adoptions
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION adoption_tallies_apply();
CREATE TRIGGER adoption_tallies_delete AFTER DELETE ON adoptions
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION adoption_tallies_apply();
CREATE TRIGGER adoption_tallies_update AFTER UPDATE ON adoptions
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION adoption_tallies_apply();

-- An organisation that moves (a new edition of the reference data: a commune merged into
-- another département, a new census population) moves its adoptions with it.
CREATE FUNCTION adoption_tallies_follow_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE adoption_tallies_departement t SET adopters = t.adopters - d.n
    FROM (SELECT a.project_id, a.status, COUNT(*) AS n FROM adoptions a
          WHERE a.organisation_id = OLD.id GROUP BY a.project_id, a.status) d
    WHERE t.project_id = d.project_id AND t.status = d.status
      AND t.departement = OLD.departement;
    UPDATE adoption_tallies_band t SET adopters = t.adopters - d.n
    FROM (SELECT a.project_id, a.status, COUNT(*) AS n FROM adoptions a
          WHERE a.organisation_id = OLD.id GROUP BY a.project_id, a.status) d,
         population_bands b
    WHERE OLD.kind = 'commune' AND OLD.population >= b.low
      AND (b.high IS NULL OR OLD.population < b.high)
      AND t.project_id = d.project_id AND t.status = d.status AND t.band = b.low;
    INSERT INTO adoption_tallies_departement AS t (project_id, departement, status, adopters)
    SELECT a.project_id, NEW.departement, a.status, COUNT(*) FROM adoptions a
    WHERE a.organisation_id = NEW.id AND NEW.departement IS NOT NULL
    GROUP BY a.project_id, a.status
    ON CONFLICT (project_id, departement, status)
    DO UPDATE SET adopters = t.adopters + excluded.adopters;
    INSERT INTO adoption_tallies_band AS t (project_id, band, status, adopters)
    SELECT a.project_id, b.low, a.status, COUNT(*) FROM adoptions a
    JOIN population_bands b ON NEW.population >= b.low
      AND (b.high IS NULL OR NEW.population < b.high)
    WHERE a.organisation_id = NEW.id AND NEW.kind = 'commune'
    GROUP BY a.project_id, b.low, a.status
    ON CONFLICT (project_id, band, status) DO UPDATE SET adopters = t.adopters + excluded.adopters;
    RETURN NULL;
END;
$$;

CREATE TRIGGER adoption_tallies_organisation_moves
AFTER UPDATE OF departement, population, kind ON organisations FOR EACH ROW
WHEN (OLD.departement IS DISTINCT FROM NEW.departement
      OR OLD.population IS DISTINCT FROM NEW.population OR OLD.kind IS DISTINCT FROM NEW.kind)
EXECUTE FUNCTION adoption_tallies_follow_organisation();

-- An organisation deleted takes its adoptions with it: they go first, while the
-- organisation still says where they were counted.
CREATE FUNCTION adoption_tallies_organisation_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM adoptions WHERE organisation_id = OLD.id;
    RETURN OLD;
END;
$$;

CREATE TRIGGER adoption_tallies_organisation_deleted BEFORE DELETE ON organisations
FOR EACH ROW EXECUTE FUNCTION adoption_tallies_organisation_deleted();
