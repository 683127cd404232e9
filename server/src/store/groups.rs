//! Working groups, their organisations, projects and actions: the part of the
//! [`Store`](super::Store) interface that keeps them.

use async_trait::async_trait;

use super::*;
use crate::model::*;

/// Which groups to list.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub status: Option<GroupStatus>,
    /// Groups this organisation takes part in, in any role.
    pub organisation: Option<String>,
    /// Groups working on this project (slug).
    pub project: Option<String>,
}

/// Working groups, their organisations, projects and actions.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Creates a group; [`Conflict::GroupSlug`] when the slug is taken, `NotFound` when a
    /// project is unknown or hidden.
    async fn create_group(
        &self,
        draft: GroupDraft,
        created_by: i64,
        audit: &Audit,
    ) -> StoreResult<Group>;
    /// Rewrites the group `slug` as `draft` says (its slug stays).
    async fn replace_group(
        &self,
        slug: &str,
        draft: GroupDraft,
        audit: &Audit,
    ) -> StoreResult<Group>;
    /// Adds an action after the group's others.
    async fn add_group_action(
        &self,
        slug: &str,
        action: ActionDraft,
        audit: &Audit,
    ) -> StoreResult<Group>;
    /// Sets the state of one of the group's actions.
    async fn set_group_action_state(
        &self,
        slug: &str,
        action_id: i64,
        state: ActionState,
        audit: &Audit,
    ) -> StoreResult<Group>;
    /// The group, without its hidden projects.
    async fn group(&self, slug: &str) -> StoreResult<Option<Group>>;
    /// Groups, most recently changed first.
    async fn groups(&self, filter: &GroupFilter, window: Window) -> StoreResult<Page<Group>>;
    /// What the group's organisations use of the group's projects.
    async fn group_adoptions(&self, slug: &str) -> StoreResult<Vec<Adoption>>;
}
