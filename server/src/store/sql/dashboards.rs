//! The facts dashboards are drawn from: the SQL behind [`DashboardStore`], compiled once per
//! engine. Each scope names its organisations with one subquery on `$1`.

use chrono::{DateTime, Utc};

use super::dialect::Engine;
use crate::model::{Adoption, DashboardFacts, DashboardScope};
use crate::store::StoreResult;
use crate::store::prelude::*;

/// The three statements of a scope whose organisations the subquery names: its adoptions in
/// use, how many organisations it has, and its active groups.
macro_rules! scope_statements {
    ($organisations:literal) => {
        [
            concat!(
                crate::store::rows::adoption_select!(),
                " WHERE a.status = 'in_use' AND p.hidden = FALSE AND a.organisation_id IN (",
                $organisations,
                ")"
            ),
            concat!("SELECT COUNT(*) FROM (", $organisations, ") s"),
            concat!(
                "SELECT COUNT(DISTINCT m.group_id) FROM working_group_members m \
                 JOIN working_groups g ON g.id = m.group_id \
                 WHERE g.status = 'active' AND m.organisation_id IN (",
                $organisations,
                ")"
            ),
        ]
    };
}

/// An organisation and its members (a structure's, an EPCI's communes; not its CPAS).
const ORGANISATION: [&str; 3] = scope_statements!(
    "SELECT m.member_id FROM organisation_memberships m \
     WHERE m.parent_id = $1 AND m.relation <> 'cpas' \
     UNION SELECT o.id FROM organisations o WHERE o.id = $1"
);
/// A group's organisations, providers aside.
const GROUP: [&str; 3] = scope_statements!(
    "SELECT m.organisation_id FROM working_group_members m \
     JOIN working_groups g ON g.id = m.group_id WHERE g.slug = $1 AND m.role <> 'provider'"
);
const DEPARTEMENT: [&str; 3] =
    scope_statements!("SELECT o.id FROM organisations o WHERE o.departement = $1");

#[async_trait::async_trait]
impl DashboardStore for Engine {
    async fn dashboard_facts(
        &self,
        scope: Option<(DashboardScope, &str)>,
    ) -> StoreResult<DashboardFacts> {
        let Some((scope, id)) = scope else {
            return self.catalogue_facts().await;
        };
        let [adoptions, organisations, groups] = match scope {
            DashboardScope::Organisations => ORGANISATION,
            DashboardScope::Groups => GROUP,
            DashboardScope::Departements => DEPARTEMENT,
        };
        let rows: Vec<crate::store::rows::AdoptionRow> = sqlx::query_as(adoptions)
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let adoptions: Vec<Adoption> = rows.into_iter().map(Into::into).collect();
        // A project enters the scope with its first adoption there.
        let mut first: Vec<(String, DateTime<Utc>)> = Vec::new();
        for a in &adoptions {
            match first.iter_mut().find(|(slug, _)| *slug == a.project) {
                Some((_, at)) if a.declared_at < *at => *at = a.declared_at,
                Some(_) => {}
                None => first.push((a.project.clone(), a.declared_at)),
            }
        }
        Ok(DashboardFacts {
            adoptions: adoptions
                .into_iter()
                .map(|a| (a.project, a.declared_at, a.versions_behind))
                .collect(),
            projects_since: first.into_iter().map(|(_, at)| at).collect(),
            organisations: sqlx::query_scalar(organisations)
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
            active_groups: sqlx::query_scalar(groups)
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        })
    }
}

impl Engine {
    async fn catalogue_facts(&self) -> StoreResult<DashboardFacts> {
        let rows: Vec<crate::store::rows::AdoptionRow> = sqlx::query_as(concat!(
            crate::store::rows::adoption_select!(),
            " WHERE a.status = 'in_use' AND p.hidden = FALSE"
        ))
        .fetch_all(&self.pool)
        .await?;
        let adoptions = rows
            .into_iter()
            .map(|row| {
                let a: Adoption = row.into();
                (a.project, a.declared_at, a.versions_behind)
            })
            .collect();
        Ok(DashboardFacts {
            adoptions,
            projects_since: sqlx::query_scalar(
                "SELECT created_at FROM projects WHERE hidden = FALSE",
            )
            .fetch_all(&self.pool)
            .await?,
            organisations: sqlx::query_scalar(
                "SELECT COUNT(DISTINCT a.organisation_id) FROM adoptions a \
                 WHERE a.status = 'in_use'",
            )
            .fetch_one(&self.pool)
            .await?,
            active_groups: sqlx::query_scalar(
                "SELECT COUNT(*) FROM working_groups WHERE status = 'active'",
            )
            .fetch_one(&self.pool)
            .await?,
        })
    }
}
