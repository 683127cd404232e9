//! Dashboards: the figures of the catalogue, of an organisation (a pooling structure with its
//! members, an EPCI with its communes), of a working group or of a département — adoptions
//! and new projects year by year, active groups, version lag.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

text_values! {
    /// What a dashboard covers, as its address names it.
    DashboardScope {
        Organisations = "organisations",
        Groups = "groups",
        Departements = "departements",
    }
}

/// The raw facts a dashboard is drawn from: one row per adoption in scope, the creation
/// dates of the projects in scope, and counts.
#[derive(Debug, Clone, Default)]
pub struct DashboardFacts {
    /// (project slug, declared at, releases behind — none when unknown) per adoption in use.
    pub adoptions: Vec<(String, DateTime<Utc>, Option<i64>)>,
    /// When each project of the scope was registered (catalogue) or first adopted in it.
    pub projects_since: Vec<DateTime<Utc>>,
    pub organisations: i64,
    pub active_groups: i64,
}

/// One year of a dashboard.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct YearFigures {
    pub year: i32,
    pub new_adoptions: i64,
    /// Adoptions declared up to the end of the year.
    pub adoptions: i64,
    pub new_projects: i64,
}

/// A dashboard's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub organisations: i64,
    pub active_groups: i64,
    pub adoptions: i64,
    pub years: Vec<YearFigures>,
    /// (label, adopters): up to date, one release behind, two or more, unknown version.
    pub lag: Vec<(&'static str, i64)>,
}

impl Dashboard {
    /// The figures drawn from the facts, every year from the first to `this_year`.
    pub fn from_facts(facts: &DashboardFacts, this_year: i32) -> Dashboard {
        let first = facts
            .adoptions
            .iter()
            .map(|(_, at, _)| at.year())
            .chain(facts.projects_since.iter().map(|at| at.year()))
            .min();
        let mut years = Vec::new();
        let mut total = 0;
        for year in first.unwrap_or(this_year)..=this_year {
            let new_adoptions = facts
                .adoptions
                .iter()
                .filter(|(_, at, _)| at.year() == year)
                .count() as i64;
            total += new_adoptions;
            let new_projects = facts
                .projects_since
                .iter()
                .filter(|at| at.year() == year)
                .count() as i64;
            years.push(YearFigures {
                year,
                new_adoptions,
                adoptions: total,
                new_projects,
            });
        }
        let count = |test: &dyn Fn(Option<i64>) -> bool| {
            facts.adoptions.iter().filter(|(_, _, b)| test(*b)).count() as i64
        };
        let lag = vec![
            ("à jour", count(&|b| b == Some(0))),
            ("une version de retard", count(&|b| b == Some(1))),
            (
                "deux versions ou plus",
                count(&|b| b.is_some_and(|b| b >= 2)),
            ),
            ("version inconnue", count(&|b| b.is_none())),
        ];
        Dashboard {
            organisations: facts.organisations,
            active_groups: facts.active_groups,
            adoptions: facts.adoptions.len() as i64,
            years,
            lag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(year, 6, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date")
            .and_utc()
    }

    #[test]
    fn years_accumulate_and_lag_is_bucketed() {
        let facts = DashboardFacts {
            adoptions: vec![
                ("openelec".into(), at(2007), Some(0)),
                ("openelec".into(), at(2007), Some(3)),
                ("openads".into(), at(2009), None),
            ],
            projects_since: vec![at(2007), at(2009)],
            organisations: 3,
            active_groups: 1,
        };
        let dashboard = Dashboard::from_facts(&facts, 2010);
        let cumulative: Vec<_> = dashboard
            .years
            .iter()
            .map(|y| (y.year, y.adoptions))
            .collect();
        assert_eq!(cumulative, [(2007, 2), (2008, 2), (2009, 3), (2010, 3)]);
        assert_eq!(dashboard.years[2].new_projects, 1);
        assert_eq!(
            dashboard.lag,
            [
                ("à jour", 1),
                ("une version de retard", 0),
                ("deux versions ou plus", 1),
                ("version inconnue", 1)
            ]
        );
    }
}
