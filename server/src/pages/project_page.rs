//! `/projets/{slug}`: everything about one piece of software, with its adopters on a map of
//! France and the versions in service as a bar chart.

use super::session::RenderFor;
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::format::{french_datetime, status_label};
use crate::categories;
use crate::model::Window;
use crate::state::AppState;
use chrono::{DateTime, Utc};

/// Adoptions listed in the page's table; the rest are in the API, by pages.
const MAX_ADOPTIONS: i64 = 100;
/// Bars of the versions chart; the rest are summed as « autres ».
const MAX_BARS: usize = 8;

/// Horizontal bars of how many organisations run each version.
fn versions_chart(in_use: &[(Option<String>, i64)]) -> Option<String> {
    if in_use.is_empty() {
        return None;
    }
    let mut bars: Vec<(String, u64)> = in_use
        .iter()
        .map(|(version, n)| {
            let label = version.clone().unwrap_or_else(|| "non précisée".into());
            (label, u64::try_from(*n).unwrap_or(0))
        })
        .collect();
    bars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if bars.len() > MAX_BARS {
        let rest: u64 = bars[MAX_BARS - 1..].iter().map(|(_, n)| n).sum();
        bars.truncate(MAX_BARS - 1);
        bars.push(("autres".into(), rest));
    }
    Some(super::charts::bar_chart("Versions en service", &bars))
}

/// README headings sit under the page's « Présentation » heading (an `h2`): they move two
/// levels down, so that the page keeps one `h1` and an outline without jumps.
/// The branch heads the upstream rewrote or deleted and the mirror kept, for the page: read
/// from the repository itself (its refs are the record), off the executor.
async fn previous_heads(state: &AppState, project_id: i64) -> Vec<minijinja::Value> {
    let path = state.forge.repositories.path(project_id);
    let heads =
        tokio::task::spawn_blocking(move || civiforge_indexer::preserve::previous_heads_at(&path))
            .await
            .unwrap_or_default();
    heads
        .into_iter()
        .map(|head| {
            let committed = DateTime::from_timestamp(head.committed_at, 0);
            context! {
                branch => head.branch,
                short => head.commit.get(..12).unwrap_or(&head.commit).to_string(),
                kept_as => head.kept_as,
                committed => french_datetime(committed),
            }
        })
        .collect()
}

fn demote_headings(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let closing = rest.starts_with("</h");
        let prefix = if closing { 3 } else { 2 };
        let level = rest.as_bytes().get(prefix).copied();
        if (closing || rest.starts_with("<h"))
            && let Some(digit @ b'1'..=b'6') = level
        {
            let demoted = (digit - b'0' + 2).min(6);
            out.push_str(if closing { "</h" } else { "<h" });
            out.push(char::from(b'0' + demoted));
            rest = &rest[prefix + 1..];
        } else {
            out.push('<');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

pub async fn project(
    State(state): State<AppState>,
    visitor: super::session::Visitor,
    Path(slug): Path<String>,
) -> Response {
    project_page(&state, &visitor, &slug, None, None).await
}

/// A maintainers' form sent back with what was typed and why it was refused.
pub struct RefusedForm {
    pub field: &'static str,
    pub value: String,
    pub message: String,
}

/// The project page, with the maintainers' form refused when `refused` says so (then 422),
/// or the documents form when `refused_document` does.
pub async fn project_page(
    state: &AppState,
    visitor: &super::session::Visitor,
    slug: &str,
    refused: Option<RefusedForm>,
    refused_document: Option<super::documents::DocumentRefusal>,
) -> Response {
    let slug = slug.to_string();
    let store = &state.store;
    let project = match store.project(&slug).await {
        Ok(Some(project)) => project,
        Ok(None) => return state.web.error(StatusCode::NOT_FOUND),
        Err(error) => return state.web.refusal(&error.into()),
    };
    // The table lists the first adopters; the map and the chart count them all.
    let (versions, adoptions, per_departement, in_use, known_users) = match tokio::try_join!(
        store.versions(&slug),
        store.project_adoptions(
            &slug,
            Window {
                limit: MAX_ADOPTIONS,
                offset: 0
            }
        ),
        store.adopters_by_departement(&slug),
        store.versions_in_use(&slug),
        store.known_users(&slug),
    ) {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error.into()),
    };
    let (providers, groups) = match project_partners(state, &slug).await {
        Ok(found) => found,
        Err(error) => return state.web.refusal(&error),
    };
    let target = crate::model::DocumentTarget::Project(slug.clone());
    let documents = match super::documents::documents_section(
        state,
        visitor,
        &target,
        refused_document.as_ref(),
    )
    .await
    {
        Ok(documents) => documents,
        Err(error) => return state.web.refusal(&error),
    };
    let lag = match state.domain.version_lag_of(&project).await {
        Ok(lag) => lag,
        Err(error) => return state.web.refusal(&error),
    };
    let lag_rows: Vec<_> = lag
        .versions
        .iter()
        .map(|v| {
            context! {
                version => v.version.clone(),
                adopters => v.adopters,
                label => if v.version.is_some() {
                    super::format::lag_label(v.releases_behind, v.months_behind)
                } else {
                    "version non précisée".to_string()
                },
            }
        })
        .collect();
    let per_departement: BTreeMap<String, u64> = per_departement
        .into_iter()
        .map(|(code, n)| (code, u64::try_from(n).unwrap_or(0)))
        .collect();
    let categories: Vec<_> = project
        .categories
        .iter()
        .filter_map(|slug| categories::by_slug(slug))
        .collect();
    let suggested: Vec<_> = crate::search::suggestions::for_project(&project)
        .into_iter()
        .filter_map(categories::by_slug)
        .collect();
    let versions: Vec<_> = versions
        .iter()
        .map(|v| {
            context! {
                name => v.name.clone(),
                is_release => v.is_release,
                date_label => french_datetime(v.date).unwrap_or_else(|| "—".into()),
                short_commit => v.commit.as_deref().map(|c| c.chars().take(10).collect::<String>()).unwrap_or_default(),
                archives => Serde(&v.archives),
                withdrawn_label => french_datetime(v.withdrawn_at),
            }
        })
        .collect();
    let health = project.health.clone();
    let last_commit = health
        .as_ref()
        .and_then(|h| french_datetime(h.last_commit_at));
    let languages = health.as_ref().map(|h| {
        h.languages
            .iter()
            .map(|l| format!("{} ({:.0} %)", l.name, l.share * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let index_state_label = match project.index_status.state.as_str() {
        "ok" => "à jour",
        "failed" => "en échec",
        _ => "en attente",
    };
    let status_labels: BTreeMap<&str, &str> = ["in_use", "evaluating", "stopped"]
        .into_iter()
        .map(|s| (s, status_label(s)))
        .collect();
    let map_svg = state
        .web
        .map
        .render(&per_departement, "organisations utilisatrices");
    // Organisations the project cites that have not declared the use themselves (yet).
    let unresolved = crate::domain::known_users::unresolved_names(&project, &known_users);
    // Its maintainers (and moderators) keep their own list of known users from here.
    let can_maintain = match &visitor.user {
        Some(user) if user.role().moderates() => true,
        Some(user) => store.is_maintainer(&slug, user.id).await.unwrap_or(false),
        None => false,
    };
    let mut maintained = known_users
        .iter()
        .filter(|k| k.source == "maintainer")
        .map(|k| k.organisation.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut form_errors = BTreeMap::new();
    if let Some(refused) = &refused {
        maintained = refused.value.clone();
        form_errors.insert(refused.field, refused.message.clone());
    }
    let mut cited: Vec<_> = known_users.into_iter().filter(|k| !k.confirmed).collect();
    cited.dedup_by(|a, b| a.organisation == b.organisation);
    // An upstream gone for longer than the grace delay: the page says the copy lives on.
    let upstream_unavailable_since = project
        .upstream_unavailable_since
        .filter(|since| {
            Utc::now().signed_duration_since(*since)
                >= chrono::Duration::from_std(state.forge.upstream_grace).unwrap_or_default()
        })
        .and_then(|since| french_datetime(Some(since)));
    // Once mirrored, the repository is served from here too: it outlives its upstream.
    let forge_clone_url = state
        .forge
        .repositories
        .exists(project.id)
        .then(|| format!("{}/git/{slug}.git", state.domain.public_url));
    let previous_heads = previous_heads(state, project.id).await;
    let mut project = project;
    project.readme_html = project.readme_html.as_deref().map(demote_headings);
    let mut response = state.web.render_for(
        visitor,
        "project.html",
        context! {
            canonical => format!("/projets/{slug}"),
            latest_date => french_datetime(project.latest_version.as_ref().and_then(|v| v.date)),
            publiccode_validation => Serde(project.publiccode_validation.clone()),
            version_chart_svg => versions_chart(&in_use),
            adopters_total => adoptions.total,
            lag_rows,
            adopters_behind => lag.adopters_behind,
            adoptions => Serde(adoptions.items),
            project => Serde(project),
            forge_clone_url,
            previous_heads,
            upstream_unavailable_since,
            categories => Serde(categories),
            suggested => Serde(suggested),
            versions,
            health => Serde(health),
            last_commit,
            languages,
            index_state_label,
            status_labels => Serde(status_labels),
            map_svg,
            cited => Serde(cited),
            unresolved,
            can_maintain,
            providers,
            groups,
            maintained,
            form_errors => Serde(form_errors),
            documents,
        },
    );
    if refused.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    } else if let Some(refused) = refused_document {
        *response.status_mut() = refused.status;
    }
    response
}

/// The project's service providers, as the page shows them, and the working groups on it.
async fn project_partners(
    state: &AppState,
    slug: &str,
) -> Result<(Vec<minijinja::Value>, Vec<minijinja::Value>), crate::domain::AppError> {
    let everything = Window {
        limit: 100,
        offset: 0,
    };
    let providers = crate::store::ProviderFilter {
        project: Some(slug.to_string()),
        ..Default::default()
    };
    let providers = state.domain.providers(providers, everything).await?.items;
    let groups = crate::store::GroupFilter {
        project: Some(slug.to_string()),
        ..Default::default()
    };
    let groups = state
        .domain
        .groups(&groups, everything)
        .await?
        .items
        .into_iter()
        .map(|g| {
            context! {
                slug => g.slug,
                name => g.name,
                lead_name => g.lead_name,
                status => super::format::group_status_label(g.status),
            }
        })
        .collect();
    Ok((
        super::providers::provider_rows(state, providers).await,
        groups,
    ))
}

#[cfg(test)]
mod tests {
    use super::demote_headings;

    #[test]
    fn readme_headings_move_under_the_page_outline() {
        assert_eq!(
            demote_headings("<h1 id=\"readme-x\">X</h1><p>a<b>b</b></p><h2>Y</h2><h5>Z</h5><hr>"),
            "<h3 id=\"readme-x\">X</h3><p>a<b>b</b></p><h4>Y</h4><h6>Z</h6><hr>"
        );
    }
}
