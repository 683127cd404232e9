//! The pages of the benchmark's catalogue worth timing, found in its database, and the
//! working group the bench creates for one of them.

use anyhow::Context;
use sqlx::Connection;

/// The catalogue's pages worth timing: the most adopted project, the organisations with the
/// most adoptions (any kind, and a commune of the smallest population band, whose peers are
/// the most numerous), and a working group created here around them.
pub async fn pages_to_time(database_url: &str) -> anyhow::Result<Vec<String>> {
    let store = civiforge::store::connect(database_url).await?;
    let mut connection = sqlx::SqliteConnection::connect(database_url).await?;
    let top_projects: Vec<(String,)> = sqlx::query_as(
        "SELECT p.slug FROM projects p JOIN adoptions a ON a.project_id = p.id \
         GROUP BY p.id, p.slug ORDER BY COUNT(*) DESC, p.slug LIMIT 5",
    )
    .fetch_all(&mut connection)
    .await?;
    let top_organisations: Vec<(String,)> = sqlx::query_as(
        "SELECT organisation_id FROM adoptions GROUP BY organisation_id \
         ORDER BY COUNT(*) DESC, organisation_id LIMIT 30",
    )
    .fetch_all(&mut connection)
    .await?;
    let small_commune: (String,) = sqlx::query_as(
        "SELECT a.organisation_id FROM adoptions a JOIN organisations o ON o.id = a.organisation_id \
         WHERE o.kind = 'commune' AND o.population < 500 GROUP BY a.organisation_id \
         ORDER BY COUNT(*) DESC, a.organisation_id LIMIT 1",
    )
    .fetch_one(&mut connection)
    .await?;
    connection.close().await?;
    let top_project = top_projects.first().context("no adoptions")?.0.clone();
    let busiest = top_organisations.first().context("no adoptions")?.0.clone();

    let user = store
        .create_user(
            civiforge::model::NewUser {
                email: "bench@civiforge.test".into(),
                name: "Banc d'essai".into(),
                password_hash: "-".into(),
                is_admin: false,
                is_moderator: false,
                email_confirmed_at: None,
            },
            &bench_audit(civiforge::model::AuditAction::UserCreate, "bench"),
        )
        .await?;
    use civiforge::model::MemberRole;
    let group = store
        .create_group(
            civiforge::model::GroupDraft {
                slug: "groupe-banc-essai".into(),
                name: "Groupe du banc d'essai".into(),
                theme: "Les logiciels les plus adoptés".into(),
                status: civiforge::model::GroupStatus::Active,
                lead: busiest.clone(),
                organisations: top_organisations
                    .iter()
                    .enumerate()
                    .map(|(i, (id,))| {
                        let role = if i == 0 {
                            MemberRole::Lead
                        } else {
                            MemberRole::Member
                        };
                        (id.clone(), role)
                    })
                    .collect(),
                projects: top_projects.iter().map(|(slug,)| slug.clone()).collect(),
                actions: None,
            },
            user.id,
            &bench_audit(
                civiforge::model::AuditAction::GroupCreate,
                "groupe-banc-essai",
            ),
        )
        .await?;
    store.close().await;
    Ok(vec![
        format!("/projets/{top_project}"),
        format!("/api/v1/projects/{top_project}"),
        format!("/organisations/{busiest}"),
        format!("/api/v1/organisations/{busiest}"),
        format!("/organisations/{}", small_commune.0),
        format!("/groupes/{}", group.slug),
        "/".to_string(),
        "/recherche?q=%C3%A9lections".to_string(),
        "/recherche?q=cimetiere&category=cimetieres&page=3".to_string(),
    ])
}

fn bench_audit(action: civiforge::model::AuditAction, target: &str) -> civiforge::model::Audit {
    civiforge::model::Audit {
        user_id: None,
        entry: civiforge::model::AuditEntry {
            at: chrono::Utc::now(),
            actor: "civiforge-bench".into(),
            ip: None,
            action,
            target: target.into(),
            details: None,
        },
    }
}
