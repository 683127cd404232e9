//! Dashboards: the figures of the catalogue or of one scope (an organisation with its
//! members, a working group, a département), for everyone to read.

use chrono::Datelike;

use super::{AppError, AppResult, Domain, shorten};
use crate::model::{Dashboard, DashboardScope, Entity};

impl Domain {
    /// The dashboard of the catalogue (`scope` none) or of one scope, with its title; 404
    /// when the scope names nothing.
    pub async fn dashboard(
        &self,
        scope: Option<(DashboardScope, &str)>,
    ) -> AppResult<(String, Dashboard)> {
        let title = match scope {
            None => "tout le catalogue".to_string(),
            Some((DashboardScope::Organisations, id)) => match self.store.organisation(id).await? {
                Some(organisation) if organisation.id == id => organisation.name,
                _ => return Err(nothing_at(id)),
            },
            Some((DashboardScope::Groups, slug)) => match self.store.group(slug).await? {
                Some(group) => format!("groupe de travail {}", group.name),
                None => return Err(nothing_at(slug)),
            },
            Some((DashboardScope::Departements, code)) => {
                let id = format!("departement-{code}");
                match self.store.organisation(&id).await? {
                    Some(departement) if departement.id == id => {
                        format!("{} ({code})", departement.name)
                    }
                    _ => return Err(nothing_at(code)),
                }
            }
        };
        let facts = self.store.dashboard_facts(scope).await?;
        let this_year = chrono::Utc::now().year();
        Ok((title, Dashboard::from_facts(&facts, this_year)))
    }
}

fn nothing_at(id: &str) -> AppError {
    AppError::not_found(
        Entity::Organisation,
        format!("aucun tableau de bord pour « {} »", shorten(id)),
    )
}
