//! PostgreSQL implementation of [`CorrectionStore`]. A child module of `postgres`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{PgStore, db_time, other};
use crate::domain::{
    ArticleCorrections, DocumentCorrection, NewTargetCorrection, TargetCorrection, User,
};
use crate::store::corrections::{
    CORRECTED_IMPORTS, CORRECTIONS_CHANGED, CorrectionStore, DocumentCorrectionRow,
    TARGET_CORRECTION_COLUMNS, TargetCorrectionRow,
};
use crate::store::{StoreError, StoreResult};
use crate::targets::Extraction;

/// An article's corrections, read on `conn` (inside the caller's transaction).
async fn read_corrections(
    conn: &mut sqlx::PgConnection,
    article_id: i64,
) -> StoreResult<ArticleCorrections> {
    let document: Option<DocumentCorrectionRow> = sqlx::query_as(
        "SELECT kind, issuer, region, year, panel FROM document_corrections \
         WHERE article_id = $1",
    )
    .bind(article_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(other)?;
    let rows: Vec<TargetCorrectionRow> = sqlx::query_as(&format!(
        "SELECT {TARGET_CORRECTION_COLUMNS} FROM target_corrections WHERE article_id = $1 \
         ORDER BY id"
    ))
    .bind(article_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(other)?;
    Ok(ArticleCorrections {
        document: document.map(DocumentCorrection::from).unwrap_or_default(),
        targets: rows
            .into_iter()
            .map(TargetCorrection::try_from)
            .collect::<StoreResult<_>>()?,
    })
}

#[async_trait]
impl CorrectionStore for PgStore {
    #[instrument(skip_all)]
    async fn article_corrections(&self, article_id: i64) -> StoreResult<ArticleCorrections> {
        // One transaction: the document's and the targets' corrections of one moment.
        let mut tx = self.pool.begin().await.map_err(other)?;
        let corrections = read_corrections(&mut tx, article_id).await?;
        tx.commit().await.map_err(other)?;
        Ok(corrections)
    }

    #[instrument(skip_all)]
    async fn add_target_correction(
        &self,
        article_id: i64,
        c: &NewTargetCorrection,
        user: &User,
    ) -> StoreResult<i64> {
        let mut tx = self.write_tx().await?;
        if let Some(m) = &c.target {
            sqlx::query(
                "DELETE FROM target_corrections WHERE article_id = $1 AND action = $2 \
                 AND match_text = $3 AND match_value = $4 AND match_unit = $5",
            )
            .bind(article_id)
            .bind(c.action.as_str())
            .bind(&m.text)
            .bind(m.value)
            .bind(&m.unit)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        }
        let f = c.fields.as_ref();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO target_corrections (article_id, action, match_text, match_value, \
             match_unit, text, indicator, value, value_max, unit, comparator, kind, aspirational, \
             year, user_id, user_name, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(article_id)
        .bind(c.action.as_str())
        .bind(c.target.as_ref().map(|m| &m.text))
        .bind(c.target.as_ref().map(|m| m.value))
        .bind(c.target.as_ref().map(|m| &m.unit))
        .bind(f.map(|f| &f.text))
        .bind(f.map(|f| &f.indicator))
        .bind(f.map(|f| f.value))
        .bind(f.and_then(|f| f.value_max))
        .bind(f.map(|f| &f.unit))
        .bind(f.map(|f| &f.comparator))
        .bind(f.map(|f| &f.kind))
        .bind(f.map(|f| f.aspirational))
        .bind(f.and_then(|f| f.year))
        .bind(user.id)
        .bind(&user.name)
        .bind(db_time(Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => other(e),
        })?;
        tx.commit().await.map_err(other)?;
        Ok(id)
    }

    #[instrument(skip_all)]
    async fn delete_target_correction(
        &self,
        article_id: i64,
        id: i64,
    ) -> StoreResult<TargetCorrection> {
        let row: Option<TargetCorrectionRow> = sqlx::query_as(&format!(
            "DELETE FROM target_corrections WHERE article_id = $1 AND id = $2 \
             RETURNING {TARGET_CORRECTION_COLUMNS}"
        ))
        .bind(article_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    #[instrument(skip_all)]
    async fn save_document_correction(
        &self,
        article_id: i64,
        c: &DocumentCorrection,
        user: &User,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO document_corrections (article_id, kind, issuer, region, year, panel, \
             user_id, user_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (article_id) DO UPDATE SET kind = excluded.kind, \
             issuer = excluded.issuer, region = excluded.region, year = excluded.year, \
             panel = excluded.panel, user_id = excluded.user_id, user_name = excluded.user_name, \
             at = excluded.at",
        )
        .bind(article_id)
        .bind(&c.kind)
        .bind(&c.issuer)
        .bind(&c.region)
        .bind(c.year)
        .bind(c.panel.as_str())
        .bind(user.id)
        .bind(&user.name)
        .bind(db_time(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => other(e),
        })?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn corrected_imports(&self, import_keys: &[&str]) -> StoreResult<Vec<(String, i64)>> {
        if import_keys.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_as(&CORRECTED_IMPORTS.replace("{}", "a.import_key = ANY($1)"))
            .bind(import_keys)
            .fetch_all(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn article_ids(&self, after_id: i64, limit: u32) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn replace_derived(
        &self,
        article_id: i64,
        found: &Extraction,
        applied: &ArticleCorrections,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        // The article's row locked (PostgreSQL; SQLite's write lock is the database's), so two
        // derivations of one article write one after the other, each checking what it applied.
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM articles WHERE id = $1 FOR UPDATE")
                .bind(article_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(other)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        if read_corrections(&mut tx, article_id).await? != *applied {
            return Err(StoreError::Conflict {
                what: CORRECTIONS_CHANGED.to_string(),
            });
        }
        super::write_targets(&mut tx, article_id, found).await?;
        // The article row is untouched, so its triggers do not move the content version: this
        // write does, or other processes and nodes would keep serving the old page.
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query("SELECT pg_notify('newsdesk_content', '')")
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(())
    }
}
