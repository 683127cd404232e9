//! Full-text search in French: a tantivy index under `<data-dir>/search/`, derived from the
//! database and rebuilt from it whenever it is missing, damaged or of another version. Each
//! instance follows the database's change log and applies it to its own index, committing
//! the position reached in the index itself, so a crash loses nothing. An index that goes
//! missing under a running instance (its folder deleted) is rebuilt by the follower, and
//! readiness says so meanwhile.

mod browse_cache;
pub mod document;
pub mod engine;
pub mod facets;
pub mod french;
mod grams;
mod highlight;
pub mod params;
pub mod query;
pub mod request;
pub mod schema;
pub mod suggestions;
mod text_query;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};
use tokio::sync::watch;

use crate::store::Store;
use engine::{Engine, RankingWeights, SearchRequest, SearchResults};
use schema::{Fields, SCHEMA_VERSION};

/// Memory the index writer may use before flushing a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Projects read from the database per batch.
const BATCH: usize = 500;
/// A change written this recently is read again: a transaction that took its id earlier may
/// commit after a later one.
const LATE_COMMIT_WINDOW: Duration = Duration::from_secs(10);

/// What each commit of the index records.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    change_id: i64,
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("l'index de recherche est en cours de reconstruction ; réessayez dans un instant")]
    Rebuilding,
    #[error("erreur de l'index de recherche : {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("erreur interne : {0}")]
    Internal(String),
}

/// An open index with its writer.
struct OpenIndex {
    index: Index,
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    fields: Fields,
    applied: AtomicI64,
    /// Which opening of an index this is: a rebuilt index has a reader of its own, whose
    /// searcher generations count from the start again.
    opening: u64,
}

/// Openings of an index in this process, counted.
static OPENINGS: AtomicU64 = AtomicU64::new(0);

/// The search index of this instance.
pub struct SearchService {
    dir: PathBuf,
    store: Arc<dyn Store>,
    current: RwLock<Option<Arc<OpenIndex>>>,
    caught_up: AtomicBool,
    /// The follower's last round failed (changes not applied, or a rebuild that did not
    /// finish).
    failing: AtomicBool,
    pub weights: RankingWeights,
    browse: Arc<browse_cache::BrowseCache>,
}

/// How the index stands, for readiness and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchState {
    /// Open, on disk, and caught up with the change log at its last look.
    Ready,
    /// Being built, or behind the change log.
    CatchingUp,
    /// The follower cannot apply changes or rebuild, or the index is gone from the disk.
    Failing,
}

impl SearchState {
    /// The word `/readyz` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchState::Ready => "ok",
            SearchState::CatchingUp => "catching_up",
            SearchState::Failing => "failing",
        }
    }
}

fn payload_of(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// Another process holds the index's writer: it must not be rebuilt under its feet.
#[derive(Debug, thiserror::Error)]
#[error(
    "l'index de recherche {0} est déjà utilisé par un autre processus civiforge : chaque \
     instance a besoin de son propre dossier de données"
)]
pub struct IndexBusy(String);

/// Opens the index just built. Its writer is gone, but tantivy releases the writer's lock from
/// its merging threads a moment later: under load, the first attempt can find the lock still
/// held by this very process. Another process holding it is still refused, after a second.
async fn reopen_after_build(path: &Path, fields: &Fields) -> anyhow::Result<OpenIndex> {
    let mut attempts = 0;
    loop {
        match open_at(path, fields) {
            Ok((open, _)) => return Ok(open),
            Err(error) if error.is::<IndexBusy>() && attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

fn open_at(path: &Path, expected_fields: &Fields) -> anyhow::Result<(OpenIndex, Payload)> {
    let index = Index::open_in_dir(path).context("index illisible")?;
    schema::register_tokenizers(&index);
    let payload = payload_of(&index).context("index sans position enregistrée")?;
    anyhow::ensure!(
        payload.schema == SCHEMA_VERSION,
        "index d'une autre version ({})",
        payload.schema
    );
    anyhow::ensure!(
        index.schema() == schema::build().0,
        "schéma d'index différent"
    );
    let writer = match index.writer(WRITER_MEMORY) {
        Ok(writer) => writer,
        Err(tantivy::TantivyError::LockFailure(..)) => {
            return Err(IndexBusy(path.display().to_string()).into());
        }
        Err(error) => return Err(error.into()),
    };
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let open = OpenIndex {
        index,
        reader,
        writer: Arc::new(Mutex::new(writer)),
        fields: expected_fields.clone(),
        applied: AtomicI64::new(payload.change_id),
        opening: OPENINGS.fetch_add(1, Ordering::Relaxed),
    };
    Ok((
        open,
        Payload {
            schema: payload.schema,
            change_id: payload.change_id,
        },
    ))
}

impl SearchService {
    /// The service for `<data-dir>/search`; nothing is opened yet.
    pub fn new(data_dir: &Path, store: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            dir: data_dir.join("search"),
            store,
            current: RwLock::new(None),
            caught_up: AtomicBool::new(false),
            failing: AtomicBool::new(false),
            weights: RankingWeights::default(),
            browse: Arc::default(),
        })
    }

    fn open_index(&self) -> Option<Arc<OpenIndex>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Opens the index, or rebuilds it from the database when it is missing, damaged, of
    /// another version, or ahead of the database (an index of another database).
    pub async fn open_or_rebuild(&self) -> anyhow::Result<()> {
        let (_, fields) = schema::build();
        let last_change = self.store.last_change_id().await?;
        match open_at(&self.dir, &fields) {
            Ok((open, payload)) if payload.change_id <= last_change => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(open));
                tracing::info!(position = payload.change_id, "search index opened");
                return Ok(());
            }
            Ok(_) => tracing::warn!("search index is ahead of the database: rebuilding"),
            Err(error) if error.is::<IndexBusy>() => return Err(error),
            Err(error) if self.dir.exists() => {
                tracing::warn!(error = %format!("{error:#}"), "search index unusable: rebuilding")
            }
            Err(_) => tracing::info!("no search index yet: building it"),
        }
        self.rebuild().await
    }

    /// Builds a new index from the database beside the current one, then swaps it in.
    pub async fn rebuild(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let held = self
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        // Not ours: make sure no other process is using it before replacing it.
        if held.is_none()
            && let Ok(index) = Index::open_in_dir(&self.dir)
            && let Err(tantivy::TantivyError::LockFailure(..)) =
                index.writer::<tantivy::TantivyDocument>(WRITER_MEMORY)
        {
            return Err(IndexBusy(self.dir.display().to_string()).into());
        }
        drop(held);
        self.caught_up.store(false, Ordering::SeqCst);
        let building = self.dir.with_extension("building");
        if building.exists() {
            std::fs::remove_dir_all(&building)
                .context("suppression d'une reconstruction interrompue")?;
        }
        crate::private_files::create_dir(&building)
            .with_context(|| format!("impossible de créer {}", building.display()))?;
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(&building, schema)?;
        schema::register_tokenizers(&index);
        let mut writer: IndexWriter = index.writer(WRITER_MEMORY)?;
        // Changes made while building are replayed by the follower afterwards.
        let change_id = self.store.last_change_id().await?;
        let ids = self.store.all_project_ids().await?;
        let now = Utc::now();
        for batch in ids.chunks(BATCH) {
            for source in self.store.search_sources(batch).await? {
                writer.add_document(document::to_document(&fields, &source, now))?;
            }
        }
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            change_id,
        })?;
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
            writer.wait_merging_threads()?;
            Ok(())
        })
        .await
        .context("reconstruction interrompue")??;
        drop(index);
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).context("suppression de l'ancien index")?;
        }
        std::fs::rename(&building, &self.dir).context("mise en place du nouvel index")?;
        let open = reopen_after_build(&self.dir, &fields).await?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(open));
        tracing::info!(
            projects = ids.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
        Ok(())
    }

    /// Applies the change log until caught up; returns how many projects were updated.
    pub async fn sync(&self) -> anyhow::Result<usize> {
        let mut seen = HashMap::new();
        let mut total = 0;
        loop {
            let (updated, caught_up) = self.apply_changes(&mut seen).await?;
            total += updated;
            if caught_up {
                return Ok(total);
            }
        }
    }

    /// One round of following: reads new changes, re-indexes the projects they name.
    async fn apply_changes(
        &self,
        seen: &mut HashMap<i64, Instant>,
    ) -> anyhow::Result<(usize, bool)> {
        let Some(open) = self.open_index() else {
            return Ok((0, false));
        };
        const LIMIT: i64 = 1000;
        let after = open.applied.load(Ordering::SeqCst);
        let recent_since =
            Utc::now() - chrono::Duration::from_std(LATE_COMMIT_WINDOW).unwrap_or_default();
        seen.retain(|_, at| at.elapsed() < LATE_COMMIT_WINDOW * 2);
        let changes = self.store.changes_after(after, recent_since, LIMIT).await?;
        let fresh: Vec<(i64, i64)> = changes
            .iter()
            .copied()
            .filter(|(id, _)| !seen.contains_key(id))
            .collect();
        let caught_up = (changes.len() as i64) < LIMIT;
        if fresh.is_empty() {
            self.caught_up.store(caught_up, Ordering::SeqCst);
            return Ok((0, caught_up));
        }
        let projects: Vec<i64> = fresh
            .iter()
            .map(|(_, p)| *p)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let sources = self.store.search_sources(&projects).await?;
        let position = fresh
            .iter()
            .map(|(id, _)| *id)
            .max()
            .unwrap_or(after)
            .max(after);
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            change_id: position,
        })?;
        let now = Utc::now();
        let fields = open.fields.clone();
        let writer = open.writer.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut writer = writer.lock().unwrap_or_else(|p| p.into_inner());
            for id in &projects {
                writer.delete_term(Term::from_field_u64(
                    fields.id,
                    u64::try_from(*id).unwrap_or_default(),
                ));
            }
            for source in &sources {
                writer.add_document(document::to_document(&fields, source, now))?;
            }
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
            Ok(())
        })
        .await
        .context("application des changements interrompue")??;
        open.reader.reload()?;
        open.applied.store(position, Ordering::SeqCst);
        for (id, _) in &fresh {
            seen.insert(*id, Instant::now());
        }
        self.caught_up.store(caught_up, Ordering::SeqCst);
        Ok((fresh.len(), caught_up))
    }

    /// Whether the index this instance serves is missing: never opened, or its files gone
    /// from the disk (results would go stale and changes fail to commit).
    fn index_is_gone(&self) -> bool {
        self.open_index().is_none() || !self.dir.join("meta.json").is_file()
    }

    /// Follows the change log until `shutdown` turns true; rebuilds the index when it is
    /// gone.
    pub async fn follow(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut seen = HashMap::new();
        while !*shutdown.borrow() {
            let pause = if self.index_is_gone() {
                tracing::warn!(folder = %self.dir.display(), "search index gone: rebuilding");
                seen.clear();
                match self.rebuild().await {
                    Ok(()) => Duration::ZERO,
                    Err(error) => {
                        self.failing.store(true, Ordering::SeqCst);
                        tracing::error!(error = %format!("{error:#}"), "search index: cannot rebuild");
                        Duration::from_secs(2)
                    }
                }
            } else {
                match self.apply_changes(&mut seen).await {
                    Ok((_, caught_up)) => {
                        self.failing.store(false, Ordering::SeqCst);
                        if caught_up {
                            Duration::from_millis(300)
                        } else {
                            Duration::ZERO
                        }
                    }
                    Err(error) => {
                        self.failing.store(true, Ordering::SeqCst);
                        tracing::warn!(error = %format!("{error:#}"), "search index: cannot apply changes");
                        Duration::from_secs(2)
                    }
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Open, caught up with the change log at its last look, its follower not failing and
    /// its files still on the disk.
    pub fn is_ready(&self) -> bool {
        self.state() == SearchState::Ready
    }

    /// How the index stands now (see [`SearchState`]).
    pub fn state(&self) -> SearchState {
        let open = self.open_index().is_some();
        if self.failing.load(Ordering::SeqCst) || (open && self.index_is_gone()) {
            SearchState::Failing
        } else if open && self.caught_up.load(Ordering::SeqCst) {
            SearchState::Ready
        } else {
            SearchState::CatchingUp
        }
    }

    /// Runs a search.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResults, SearchError> {
        let open = self.open_index().ok_or(SearchError::Rebuilding)?;
        let weights = self.weights;
        let browse = self.browse.clone();
        tokio::task::spawn_blocking(move || {
            let engine = Engine {
                index: &open.index,
                fields: &open.fields,
                weights,
            };
            let searcher = open.reader.searcher();
            let generation = (open.opening, searcher.generation().generation_id());
            if let Some(answer) = browse.get(generation, &request) {
                return Ok::<_, tantivy::TantivyError>(answer);
            }
            let answer = engine.search(&searcher, &request, Utc::now().timestamp())?;
            browse.put(generation, &request, &answer);
            Ok(answer)
        })
        .await
        .map_err(|e| SearchError::Internal(e.to_string()))?
        .map_err(SearchError::from)
    }

    /// Project names for the search box's autocomplete: (name, slug).
    pub async fn suggest(
        &self,
        text: String,
        limit: usize,
    ) -> Result<Vec<(String, String)>, SearchError> {
        let open = self.open_index().ok_or(SearchError::Rebuilding)?;
        let weights = self.weights;
        tokio::task::spawn_blocking(move || {
            let engine = Engine {
                index: &open.index,
                fields: &open.fields,
                weights,
            };
            engine.suggest_projects(&open.reader.searcher(), &text, limit)
        })
        .await
        .map_err(|e| SearchError::Internal(e.to_string()))?
        .map_err(SearchError::from)
    }

    /// Number of documents in the index.
    /// The last change of the database's change log applied to the index (none open: 0).
    pub fn applied_change(&self) -> i64 {
        self.open_index()
            .map_or(0, |open| open.applied.load(Ordering::SeqCst))
    }

    pub fn documents(&self) -> u64 {
        self.open_index()
            .map_or(0, |open| open.reader.searcher().num_docs())
    }
}
