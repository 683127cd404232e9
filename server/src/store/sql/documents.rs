//! Shared documents: the SQL behind [`DocumentStore`], compiled once per engine.

use chrono::{DateTime, NaiveDate, Utc};

use super::dialect::{BEGIN_WRITE, Engine};
use crate::model::{
    Audit, Document, DocumentContent, DocumentFile, DocumentKind, DocumentTarget, Entity,
    NewDocument, StoredDocument,
};
use crate::store::{StoreError, StoreResult};

/// The documents listed: `$1` project slug, `$2` group slug, `$3` id; never those of a
/// hidden project.
macro_rules! document_rows {
    () => {
        "SELECT d.id, d.title, d.kind, d.dated, p.slug, g.slug, d.organisation_id, o.name, \
         d.url, d.sha256, d.filename, d.media_type, d.size_bytes, d.created_at, d.uploaded_by \
         FROM documents d LEFT JOIN projects p ON p.id = d.project_id \
         LEFT JOIN working_groups g ON g.id = d.group_id \
         LEFT JOIN organisations o ON o.id = d.organisation_id \
         WHERE (d.project_id IS NULL OR p.hidden = FALSE) \
         AND ($1 IS NULL OR p.slug = $1) AND ($2 IS NULL OR g.slug = $2) \
         AND ($3 IS NULL OR d.id = $3) \
         ORDER BY d.dated DESC, d.id DESC"
    };
}

type Row = (
    i64,
    String,
    String,
    NaiveDate,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    DateTime<Utc>,
    Option<i64>,
);

fn stored(row: Row) -> StoredDocument {
    let (
        id,
        title,
        kind,
        date,
        project,
        group,
        organisation,
        organisation_name,
        url,
        sha256,
        filename,
        media_type,
        size_bytes,
        created_at,
        uploaded_by,
    ) = row;
    let file = sha256.map(|sha256| DocumentFile {
        filename: filename.unwrap_or_default(),
        media_type: media_type.unwrap_or_default(),
        size_bytes: size_bytes.unwrap_or_default(),
        sha256,
        download_url: format!("/documents/{id}"),
    });
    StoredDocument {
        document: Document {
            id,
            title,
            kind: DocumentKind::parse(&kind).unwrap_or(DocumentKind::Other),
            date,
            project,
            group,
            organisation,
            organisation_name,
            url,
            file,
            created_at,
        },
        uploaded_by,
    }
}

impl Engine {
    async fn document_rows(
        &self,
        project: Option<&str>,
        group: Option<&str>,
        id: Option<i64>,
    ) -> StoreResult<Vec<StoredDocument>> {
        let rows: Vec<Row> = sqlx::query_as(document_rows!())
            .bind(project)
            .bind(group)
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(stored).collect())
    }
}

#[async_trait::async_trait]
impl crate::store::DocumentStore for Engine {
    async fn attach_document(&self, document: NewDocument, audit: &Audit) -> StoreResult<Document> {
        let (project_id, group_id): (Option<i64>, Option<i64>) = match &document.target {
            DocumentTarget::Project(slug) => (Some(self.project_id(slug).await?), None),
            DocumentTarget::Group(slug) => {
                let id = sqlx::query_scalar("SELECT id FROM working_groups WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound(Entity::Group))?;
                (None, Some(id))
            }
        };
        let (url, sha256, filename, media_type, size_bytes) = match &document.content {
            DocumentContent::Link(url) => (Some(url.as_str()), None, None, None, None),
            DocumentContent::File {
                sha256,
                filename,
                media_type,
                size_bytes,
            } => (
                None,
                Some(sha256.as_str()),
                Some(filename.as_str()),
                Some(media_type.as_str()),
                Some(*size_bytes),
            ),
        };
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (project_id, group_id, title, kind, dated, organisation_id, \
             url, sha256, filename, media_type, size_bytes, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(project_id)
        .bind(group_id)
        .bind(&document.title)
        .bind(document.kind.as_str())
        .bind(document.date)
        .bind(&document.organisation)
        .bind(url)
        .bind(sha256)
        .bind(filename)
        .bind(media_type)
        .bind(size_bytes)
        .bind(document.uploaded_by)
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        self.document_rows(None, None, Some(id))
            .await?
            .pop()
            .map(|stored| stored.document)
            .ok_or(StoreError::NotFound(Entity::Document))
    }

    async fn documents(&self, target: &DocumentTarget) -> StoreResult<Vec<Document>> {
        let rows = match target {
            DocumentTarget::Project(slug) => self.document_rows(Some(slug), None, None).await?,
            DocumentTarget::Group(slug) => self.document_rows(None, Some(slug), None).await?,
        };
        Ok(rows.into_iter().map(|stored| stored.document).collect())
    }

    async fn document(&self, id: i64) -> StoreResult<Option<StoredDocument>> {
        Ok(self.document_rows(None, None, Some(id)).await?.pop())
    }

    async fn remove_document(&self, id: i64, audit: &Audit) -> StoreResult<Option<String>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let removed: Option<Option<String>> =
            sqlx::query_scalar("DELETE FROM documents WHERE id = $1 RETURNING sha256")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(sha256) = removed else {
            return Err(StoreError::NotFound(Entity::Document));
        };
        let still_held = match &sha256 {
            Some(sha256) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM documents WHERE sha256 = $1")
                    .bind(sha256)
                    .fetch_one(&mut *tx)
                    .await?
                    > 0
            }
            None => true,
        };
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(sha256.filter(|_| !still_held))
    }
}
