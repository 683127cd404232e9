//! Working groups, their organisations, projects and actions: the SQL behind [`GroupStore`],
//! compiled once per engine.

use chrono::{DateTime, NaiveDate, Utc};

use super::dialect::{BEGIN_WRITE, Db, Engine};
use crate::model::{
    ActionDraft, ActionState, Audit, Entity, Group, GroupAction, GroupDraft, GroupOrganisation,
    GroupStatus, MemberRole, Page, Window,
};
use crate::store::prelude::*;
use crate::store::{Conflict, GroupFilter, StoreError, StoreResult};

#[async_trait::async_trait]
impl GroupStore for Engine {
    async fn create_group(
        &self,
        draft: GroupDraft,
        created_by: i64,
        audit: &Audit,
    ) -> StoreResult<Group> {
        let project_ids = self.group_project_ids(&draft.projects).await?;
        let now = Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO working_groups (slug, name, theme, status, lead_id, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(&draft.slug)
        .bind(&draft.name)
        .bind(&draft.theme)
        .bind(draft.status.as_str())
        .bind(&draft.lead)
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if crate::store::is_unique_violation(&e) {
                StoreError::Conflict(Conflict::GroupSlug)
            } else {
                e.into()
            }
        })?;
        write_parts(&mut tx, id, &draft, &project_ids, now).await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.written_group(&draft.slug).await
    }

    async fn replace_group(
        &self,
        slug: &str,
        draft: GroupDraft,
        audit: &Audit,
    ) -> StoreResult<Group> {
        let project_ids = self.group_project_ids(&draft.projects).await?;
        let now = Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "UPDATE working_groups SET name = $1, theme = $2, status = $3, lead_id = $4, \
             updated_at = $5 WHERE slug = $6 RETURNING id",
        )
        .bind(&draft.name)
        .bind(&draft.theme)
        .bind(draft.status.as_str())
        .bind(&draft.lead)
        .bind(now)
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound(Entity::Group))?;
        for delete in [
            "DELETE FROM working_group_members WHERE group_id = $1",
            "DELETE FROM working_group_projects WHERE group_id = $1",
        ] {
            sqlx::query(delete).bind(id).execute(&mut *tx).await?;
        }
        write_parts(&mut tx, id, &draft, &project_ids, now).await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.written_group(slug).await
    }

    async fn add_group_action(
        &self,
        slug: &str,
        action: ActionDraft,
        audit: &Audit,
    ) -> StoreResult<Group> {
        let now = Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = touch_group(&mut tx, slug, now).await?;
        let position: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM working_group_actions WHERE group_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        insert_action(&mut tx, id, position, &action, now).await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.written_group(slug).await
    }

    async fn set_group_action_state(
        &self,
        slug: &str,
        action_id: i64,
        state: ActionState,
        audit: &Audit,
    ) -> StoreResult<Group> {
        let now = Utc::now();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = touch_group(&mut tx, slug, now).await?;
        let done = sqlx::query(
            "UPDATE working_group_actions SET state = $1, updated_at = $2 \
             WHERE id = $3 AND group_id = $4",
        )
        .bind(state.as_str())
        .bind(now)
        .bind(action_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Entity::Group));
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.written_group(slug).await
    }

    async fn group(&self, slug: &str) -> StoreResult<Option<Group>> {
        type Head = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
        );
        let head: Option<Head> = sqlx::query_as(
            "SELECT g.id, g.slug, g.name, g.theme, g.status, g.lead_id, o.name, g.created_at, \
             g.updated_at FROM working_groups g JOIN organisations o ON o.id = g.lead_id \
             WHERE g.slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, slug, name, theme, status, lead, lead_name, created_at, updated_at)) = head
        else {
            return Ok(None);
        };
        let organisations: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT o.id, o.name, o.kind, m.role FROM working_group_members m \
             JOIN organisations o ON o.id = m.organisation_id WHERE m.group_id = $1 \
             ORDER BY m.position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let organisations: Vec<GroupOrganisation> = organisations
            .into_iter()
            .map(|(id, name, kind, role)| GroupOrganisation {
                id,
                name,
                kind,
                // Only `MemberRole` texts are written.
                role: MemberRole::parse(&role).unwrap_or(MemberRole::Member),
            })
            .collect();
        let projects: Vec<(String, String)> = sqlx::query_as(
            "SELECT p.slug, p.name FROM working_group_projects gp \
             JOIN projects p ON p.id = gp.project_id \
             WHERE gp.group_id = $1 AND p.hidden = FALSE ORDER BY gp.position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        type ActionRow = (
            i64,
            String,
            Option<String>,
            Option<NaiveDate>,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
        );
        let actions: Vec<ActionRow> = sqlx::query_as(
            "SELECT id, text, target_version, due, state, created_at, updated_at \
             FROM working_group_actions WHERE group_id = $1 ORDER BY position, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let ids_with = |roles: &[MemberRole]| {
            organisations
                .iter()
                .filter(|o| roles.contains(&o.role))
                .map(|o| o.id.clone())
                .collect::<Vec<_>>()
        };
        Ok(Some(Group {
            members: ids_with(&[MemberRole::Lead, MemberRole::Member]),
            observers: ids_with(&[MemberRole::Observer]),
            providers: ids_with(&[MemberRole::Provider]),
            slug,
            name,
            theme,
            status: GroupStatus::parse(&status).unwrap_or(GroupStatus::Proposed),
            lead,
            lead_name,
            projects: projects.iter().map(|(slug, _)| slug.clone()).collect(),
            project_names: projects.into_iter().map(|(_, name)| name).collect(),
            actions: actions
                .into_iter()
                .map(
                    |(id, text, target_version, due, state, created_at, updated_at)| GroupAction {
                        id,
                        text,
                        target_version,
                        due,
                        state: ActionState::parse(&state).unwrap_or(ActionState::Planned),
                        created_at,
                        updated_at,
                    },
                )
                .collect(),
            organisations,
            created_at,
            updated_at,
        }))
    }

    async fn groups(&self, filter: &GroupFilter, window: Window) -> StoreResult<Page<Group>> {
        macro_rules! filter {
            () => {
                " FROM working_groups g WHERE ($1 IS NULL OR g.status = $1) \
                 AND ($2 IS NULL OR g.id IN (SELECT m.group_id FROM working_group_members m \
                   WHERE m.organisation_id = $2)) \
                 AND ($3 IS NULL OR g.id IN (SELECT gp.group_id FROM working_group_projects gp \
                   JOIN projects p ON p.id = gp.project_id WHERE p.slug = $3))"
            };
        }
        let status = filter.status.map(GroupStatus::as_str);
        let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", filter!()))
            .bind(status)
            .bind(&filter.organisation)
            .bind(&filter.project)
            .fetch_one(&self.pool)
            .await?;
        let slugs: Vec<String> = sqlx::query_scalar(concat!(
            "SELECT g.slug",
            filter!(),
            " ORDER BY g.updated_at DESC, g.id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(status)
        .bind(&filter.organisation)
        .bind(&filter.project)
        .bind(window.limit)
        .bind(window.offset)
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(slugs.len());
        for slug in slugs {
            items.extend(self.group(&slug).await?);
        }
        Ok(Page { items, total })
    }

    async fn group_adoptions(&self, slug: &str) -> StoreResult<Vec<crate::model::Adoption>> {
        // Each member's adoption of each project of the group, looked up by the pair (SQLite
        // follows CROSS JOIN as written): a plan that read the projects' adoptions read
        // 30,000 for a popular project.
        let rows: Vec<crate::store::rows::AdoptionRow> = sqlx::query_as(concat!(
            crate::store::rows::adoption_columns!(),
            "FROM working_groups g CROSS JOIN working_group_members m \
             CROSS JOIN working_group_projects gp CROSS JOIN adoptions a \
             JOIN projects p ON p.id = a.project_id \
             JOIN organisations o ON o.id = a.organisation_id \
             LEFT JOIN users u ON u.id = a.declared_by \
             WHERE g.slug = $1 AND m.group_id = g.id AND gp.group_id = g.id \
             AND a.project_id = gp.project_id AND a.organisation_id = m.organisation_id \
             AND p.hidden = FALSE \
             ORDER BY p.name, o.name"
        ))
        .bind(slug)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl Engine {
    /// A group just written, read back.
    async fn written_group(&self, slug: &str) -> StoreResult<Group> {
        self.group(slug)
            .await?
            .ok_or(StoreError::NotFound(Entity::Group))
    }

    /// The ids of the named projects, or `NotFound` for one unknown or hidden.
    async fn group_project_ids(&self, slugs: &[String]) -> StoreResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(slugs.len());
        for slug in slugs {
            ids.push(self.project_id(slug).await?);
        }
        Ok(ids)
    }
}

/// Marks the group changed now and returns its id.
async fn touch_group(
    tx: &mut sqlx::Transaction<'_, Db>,
    slug: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query_scalar("UPDATE working_groups SET updated_at = $1 WHERE slug = $2 RETURNING id")
        .bind(now)
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound(Entity::Group))
}

/// Writes a group's organisations, projects and actions, in their order.
async fn write_parts(
    tx: &mut sqlx::Transaction<'_, Db>,
    group_id: i64,
    draft: &GroupDraft,
    project_ids: &[i64],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for (position, (organisation, role)) in draft.organisations.iter().enumerate() {
        sqlx::query(
            "INSERT INTO working_group_members (group_id, organisation_id, role, position) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(group_id)
        .bind(organisation)
        .bind(role.as_str())
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    for (position, project_id) in project_ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO working_group_projects (group_id, project_id, position) \
             VALUES ($1, $2, $3)",
        )
        .bind(group_id)
        .bind(project_id)
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(actions) = &draft.actions {
        // A new list replaces the former one; none given keeps it.
        sqlx::query("DELETE FROM working_group_actions WHERE group_id = $1")
            .bind(group_id)
            .execute(&mut **tx)
            .await?;
        for (position, action) in actions.iter().enumerate() {
            insert_action(tx, group_id, position as i64, action, now).await?;
        }
    }
    Ok(())
}

async fn insert_action(
    tx: &mut sqlx::Transaction<'_, Db>,
    group_id: i64,
    position: i64,
    action: &ActionDraft,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO working_group_actions (group_id, position, text, target_version, due, \
         state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(group_id)
    .bind(position)
    .bind(&action.text)
    .bind(&action.target_version)
    .bind(action.due)
    .bind(action.state.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
