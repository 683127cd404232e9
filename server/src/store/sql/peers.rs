//! Peer suggestions: for each circle of peers of an organisation (its EPCI, its pooling
//! structures, its working groups, its département, its population band), the projects
//! they use and it does not; merged, each with every reason, the closest circle first.

use super::dialect::Engine;
use crate::model::{Organisation, PeerReason, PeerSuggestion, PopulationBand, STRUCTURE_RELATION};
use crate::store::StoreResult;

/// Projects in use by the organisations the subquery names (`$1` is the organisation, `$2`
/// the limit; the subquery binds what its circle's [`Binds`] gives, from `$3`), that the
/// organisation does not declare. The peers come first, as a table of their own, then their
/// adoptions, then the projects (SQLite follows CROSS JOIN as written; PostgreSQL plans
/// freely): a circle is a few dozen organisations, and plans that started from the projects,
/// or from every adoption in use, read hundreds of thousands of rows (167 ms on 20,000
/// projects; 14 to 21 s on 100,000 once an index on the status existed).
macro_rules! used_by_peers {
    ($peers:literal) => {
        concat!(
            "SELECT p.slug, p.name, p.summary, COUNT(DISTINCT a.organisation_id) AS peers \
             FROM (SELECT DISTINCT circle.id FROM (",
            $peers,
            ") circle) peer \
             CROSS JOIN adoptions a CROSS JOIN projects p \
             WHERE a.organisation_id = peer.id AND p.id = a.project_id \
               AND a.status = 'in_use' AND p.hidden = FALSE AND a.organisation_id <> $1 \
               AND NOT EXISTS (SELECT 1 FROM adoptions mine WHERE mine.project_id = p.id \
                               AND mine.organisation_id = $1) \
             GROUP BY p.slug, p.name, p.summary ORDER BY peers DESC, p.name LIMIT $2"
        )
    };
}

/// Members of the same grouping as the organisation, by relation (`$3`).
const SAME_PARENT: &str = used_by_peers!(
    "SELECT peer.member_id AS id FROM organisation_memberships mine \
     JOIN organisation_memberships peer ON peer.parent_id = mine.parent_id \
       AND peer.relation = mine.relation \
     WHERE mine.member_id = $1 AND mine.relation = $3"
);
const SAME_GROUPS: &str = used_by_peers!(
    "SELECT peer.organisation_id AS id FROM working_group_members mine \
     JOIN working_group_members peer ON peer.group_id = mine.group_id \
     WHERE mine.organisation_id = $1 AND peer.role <> 'provider'"
);
/// Projects in use in a tally of adopters (`$3` names the tally's département or band), that
/// the organisation (`$1`) does not declare, the most used first (`$2` of them). The tallies
/// are kept by the database on every write (migration 0014): a département or a population
/// band holds up to hundreds of thousands of adoptions, too many to aggregate per page.
macro_rules! used_in_tally {
    ($tally:literal, $key:literal) => {
        concat!(
            "SELECT p.slug, p.name, p.summary, t.adopters AS peers FROM ",
            $tally,
            " t JOIN projects p ON p.id = t.project_id \
             WHERE t.",
            $key,
            " = $3 AND t.status = 'in_use' AND t.adopters > 0 AND p.hidden = FALSE \
               AND NOT EXISTS (SELECT 1 FROM adoptions mine WHERE mine.project_id = p.id \
                               AND mine.organisation_id = $1) \
             ORDER BY t.adopters DESC, p.name LIMIT $2"
        )
    };
}

const SAME_DEPARTEMENT: &str = used_in_tally!("adoption_tallies_departement", "departement");
/// Communes of the population band whose lower bound is `$3`.
const SAME_BAND: &str = used_in_tally!("adoption_tallies_band", "band");

/// What a circle's query binds after the organisation and the limit.
enum Binds {
    None,
    Text(String),
    Number(i64),
}

/// A circle of peers: its name, its query and what it binds, and how its reason reads for a
/// number of peers.
struct Circle {
    name: &'static str,
    sql: &'static str,
    binds: Binds,
    reason: Box<dyn Fn(i64) -> String + Send + Sync>,
}

fn plural(count: i64, word: &str) -> String {
    if count > 1 {
        format!("{count} {word}s")
    } else {
        format!("{count} {word}")
    }
}

impl Engine {
    pub(super) async fn suggestions_from_peers(
        &self,
        organisation: &Organisation,
        limit: i64,
    ) -> StoreResult<Vec<PeerSuggestion>> {
        let mut suggestions: Vec<PeerSuggestion> = Vec::new();
        for circle in self.circles_of(organisation).await? {
            let query = sqlx::query_as::<_, (String, String, String, i64)>(circle.sql)
                .bind(&organisation.id)
                .bind(limit);
            let query = match &circle.binds {
                Binds::None => query,
                Binds::Text(text) => query.bind(text),
                Binds::Number(number) => query.bind(number),
            };
            let rows = query.fetch_all(&self.pool).await?;
            for (slug, name, summary, peers) in rows {
                let reason = PeerReason {
                    circle: circle.name.to_string(),
                    peers,
                    label: (circle.reason)(peers),
                };
                match suggestions.iter_mut().find(|s| s.slug == slug) {
                    Some(known) => known.reasons.push(reason),
                    None => suggestions.push(PeerSuggestion {
                        slug,
                        name,
                        summary,
                        peers,
                        reason: reason.label.clone(),
                        reasons: vec![reason],
                    }),
                }
            }
        }
        suggestions.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(suggestions)
    }

    /// The organisation's circles of peers, the closest first.
    async fn circles_of(&self, organisation: &Organisation) -> StoreResult<Vec<Circle>> {
        let mut circles = vec![Circle {
            name: "epci",
            sql: SAME_PARENT,
            binds: Binds::Text("epci".into()),
            reason: Box::new(|n| format!("utilisé par {} de votre EPCI", plural(n, "commune"))),
        }];
        let structures: Vec<String> = sqlx::query_scalar(
            "SELECT o.name FROM organisation_memberships m JOIN organisations o \
             ON o.id = m.parent_id WHERE m.member_id = $1 AND m.relation = $2 ORDER BY o.name",
        )
        .bind(&organisation.id)
        .bind(STRUCTURE_RELATION)
        .fetch_all(&self.pool)
        .await?;
        if !structures.is_empty() {
            let whose = match structures.as_slice() {
                [one] => one.clone(),
                _ => "vos structures de mutualisation".into(),
            };
            circles.push(Circle {
                name: "structure",
                sql: SAME_PARENT,
                binds: Binds::Text(STRUCTURE_RELATION.into()),
                reason: Box::new(move |n| {
                    format!("utilisé par {} de {whose}", plural(n, "membre"))
                }),
            });
        }
        let groups: Vec<String> = sqlx::query_scalar(
            "SELECT g.name FROM working_group_members m JOIN working_groups g \
             ON g.id = m.group_id WHERE m.organisation_id = $1 ORDER BY g.name",
        )
        .bind(&organisation.id)
        .fetch_all(&self.pool)
        .await?;
        if !groups.is_empty() {
            let which = match groups.as_slice() {
                [one] => format!("du groupe de travail {one}"),
                _ => "de vos groupes de travail".into(),
            };
            circles.push(Circle {
                name: "group",
                sql: SAME_GROUPS,
                binds: Binds::None,
                reason: Box::new(move |n| format!("utilisé par {} {which}", plural(n, "membre"))),
            });
        }
        if let Some(departement) = &organisation.departement {
            circles.push(Circle {
                name: "departement",
                sql: SAME_DEPARTEMENT,
                binds: Binds::Text(departement.clone()),
                reason: Box::new(|n| {
                    format!("utilisé par {} du département", plural(n, "organisation"))
                }),
            });
        }
        if let Some(population) = organisation
            .population
            .filter(|_| organisation.kind == "commune")
        {
            let band = PopulationBand::of(population);
            circles.push(Circle {
                name: "population",
                sql: SAME_BAND,
                binds: Binds::Number(band.low),
                reason: Box::new(move |n| {
                    format!("utilisé par {} {}", plural(n, "commune"), band.label)
                }),
            });
        }
        Ok(circles)
    }
}
