//! Rows as both backends read them (`#[derive(FromRow)]` is generic over the database), and their
//! conversion to domain types: written once, so SQLite and PostgreSQL cannot drift apart in how
//! a stored article, target or account becomes what the rest of newsdesk sees.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{StoreError, StoreResult};
use crate::domain::{
    Article, ArticleStatus, ArticleSummary, ArticleTarget, BodyFormat, Channel, ImageRecord,
    IndicatorCount, PolicyDocument, Role, User,
};

#[derive(FromRow)]
pub(super) struct ChannelRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) slug: String,
    pub(super) position: i64,
    pub(super) parent_id: Option<i64>,
    pub(super) description: String,
}

impl From<ChannelRow> for Channel {
    fn from(r: ChannelRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            slug: r.slug,
            position: r.position,
            parent_id: r.parent_id,
            description: r.description,
        }
    }
}

#[derive(FromRow)]
pub(super) struct ArticleRow {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) author: Option<String>,
    pub(super) source: Option<String>,
    pub(super) summary: String,
    pub(super) summary_auto: bool,
    pub(super) body_format: String,
    pub(super) body_source: String,
    pub(super) body_html: String,
    pub(super) status: String,
    pub(super) published_at: Option<DateTime<Utc>>,
    pub(super) views: i64,
    pub(super) cover_image: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) channel_id: i64,
    pub(super) channel_name: String,
    pub(super) channel_slug: String,
    pub(super) channel_position: i64,
}

/// Articles from `rows`, each given its tags from `links` (`(article id, tag name)` in the
/// order the tags are listed): how both backends read many articles with one tag query.
pub(super) fn articles_with_tags(
    rows: Vec<ArticleRow>,
    links: Vec<(i64, String)>,
) -> StoreResult<Vec<Article>> {
    let mut tags: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for (id, name) in links {
        tags.entry(id).or_default().push(name);
    }
    rows.into_iter()
        .map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            r.into_article(t)
        })
        .collect()
}

impl ArticleRow {
    pub(super) fn into_article(self, tags: Vec<String>) -> StoreResult<Article> {
        let corrupt = |what: &str, value: &str| {
            StoreError::Other(anyhow::anyhow!(
                "article {}: unknown {what} {value:?}",
                self.id
            ))
        };
        let body_format = BodyFormat::parse(&self.body_format)
            .ok_or_else(|| corrupt("body format", &self.body_format))?;
        let status =
            ArticleStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        Ok(Article {
            id: self.id,
            slug: self.slug,
            title: self.title,
            author: self.author,
            source: self.source,
            channel: Channel {
                id: self.channel_id,
                name: self.channel_name,
                slug: self.channel_slug,
                position: self.channel_position,
                ..Channel::default()
            },
            tags,
            summary: self.summary,
            summary_auto: self.summary_auto,
            body_format,
            body_source: self.body_source,
            body_html: self.body_html,
            status,
            published_at: self.published_at,
            views: self.views,
            cover_image: self.cover_image,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct SummaryRow {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) summary: String,
    pub(super) channel_name: String,
    pub(super) channel_slug: String,
    pub(super) published_at: Option<DateTime<Utc>>,
    pub(super) views: i64,
    /// Absent from queries that do not select it (listings that show no image).
    #[sqlx(default)]
    pub(super) cover_image: Option<String>,
}

impl From<SummaryRow> for ArticleSummary {
    fn from(r: SummaryRow) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            title: r.title,
            summary: r.summary,
            channel_name: r.channel_name,
            channel_slug: r.channel_slug,
            published_at: r.published_at,
            views: r.views,
            cover_image: r.cover_image.filter(|c| !c.is_empty()),
        }
    }
}

#[derive(FromRow)]
pub(super) struct TargetRow {
    pub(super) article_id: i64,
    pub(super) article_slug: String,
    pub(super) article_title: String,
    pub(super) article_source: Option<String>,
    pub(super) published_at: Option<DateTime<Utc>>,
    pub(super) position: i64,
    pub(super) text: String,
    pub(super) indicator: String,
    pub(super) value: f64,
    pub(super) value_max: Option<f64>,
    pub(super) unit: String,
    pub(super) comparator: String,
    pub(super) kind: String,
    pub(super) aspirational: bool,
    pub(super) sector: String,
    pub(super) region: Option<String>,
    pub(super) year: Option<i64>,
    pub(super) record: String,
    pub(super) indicator_key: String,
    pub(super) doc_kind: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) covers: Option<String>,
    // NULL only for rows written before the columns existed, until the backfill at open.
    pub(super) value_base: Option<f64>,
    pub(super) unit_base: Option<String>,
    pub(super) occurrences: i64,
}

impl From<TargetRow> for ArticleTarget {
    fn from(r: TargetRow) -> Self {
        Self {
            article_id: r.article_id,
            article_slug: r.article_slug,
            article_title: r.article_title,
            article_source: r.article_source,
            published_at: r.published_at,
            position: r.position,
            text: r.text,
            indicator: r.indicator,
            value: r.value,
            value_max: r.value_max,
            unit: r.unit.clone(),
            comparator: r.comparator,
            kind: r.kind,
            aspirational: r.aspirational,
            sector: r.sector,
            region: r.region,
            year: r.year,
            record: r.record,
            indicator_key: r.indicator_key,
            doc_kind: r.doc_kind,
            issuer: r.issuer,
            covers: r.covers,
            value_base: r.value_base.unwrap_or(r.value),
            unit_base: r.unit_base.unwrap_or(r.unit),
            occurrences: r.occurrences,
        }
    }
}

#[derive(FromRow)]
pub(super) struct UserRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) role: String,
    pub(super) disabled: bool,
    pub(super) created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> StoreResult<Self> {
        let role = Role::parse(&r.role).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("user {}: unknown role {:?}", r.id, r.role))
        })?;
        Ok(Self {
            id: r.id,
            name: r.name,
            role,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct EditableRow {
    #[sqlx(flatten)]
    pub(super) article: ArticleRow,
    pub(super) version: i64,
    pub(super) deleted_at: Option<DateTime<Utc>>,
}

#[derive(FromRow)]
pub(super) struct ListRow {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) author: Option<String>,
    pub(super) channel_name: String,
    pub(super) channel_slug: String,
    pub(super) status: String,
    pub(super) published_at: Option<DateTime<Utc>>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) deleted_at: Option<DateTime<Utc>>,
    pub(super) version: i64,
    pub(super) views: i64,
    pub(super) flag_featured: bool,
    pub(super) flag_pinned: bool,
    pub(super) flag_headline: bool,
}

impl ListRow {
    /// The flags set on the row.
    pub(super) fn flags(&self) -> Vec<crate::domain::ArticleFlag> {
        use crate::domain::ArticleFlag;
        [
            (self.flag_headline, ArticleFlag::Headline),
            (self.flag_featured, ArticleFlag::Featured),
            (self.flag_pinned, ArticleFlag::Pinned),
        ]
        .into_iter()
        .filter_map(|(on, f)| on.then_some(f))
        .collect()
    }
}

#[derive(FromRow)]
pub(super) struct TokenRow {
    pub(super) id: i64,
    pub(super) user_id: i64,
    pub(super) user_name: String,
    pub(super) name: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) last_used_at: Option<DateTime<Utc>>,
    pub(super) revoked_at: Option<DateTime<Utc>>,
}

#[derive(FromRow)]
pub(super) struct AuditRow {
    pub(super) id: i64,
    pub(super) at: DateTime<Utc>,
    pub(super) user_name: String,
    pub(super) action: String,
    pub(super) article_id: Option<i64>,
    pub(super) article_title: String,
    pub(super) detail: String,
    pub(super) ip: String,
    pub(super) subject_kind: String,
    pub(super) subject_id: Option<i64>,
    pub(super) subject_label: String,
}

impl From<AuditRow> for crate::domain::AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            at: r.at,
            user_name: r.user_name,
            action: r.action,
            article_id: r.article_id,
            article_title: r.article_title,
            detail: r.detail,
            ip: r.ip,
            subject_kind: r.subject_kind,
            subject_id: r.subject_id,
            subject_label: r.subject_label,
        }
    }
}

/// The columns of [`AuditRow`].
pub(super) const AUDIT_COLUMNS: &str = "id, at, user_name, action, article_id, article_title, \
     detail, ip, subject_kind, subject_id, subject_label";

#[derive(FromRow)]
pub(super) struct SessionRow {
    pub(super) token_hash: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) last_seen_at: Option<DateTime<Utc>>,
    pub(super) ip: String,
    pub(super) user_agent: String,
}

impl From<SessionRow> for crate::domain::SessionInfo {
    fn from(r: SessionRow) -> Self {
        Self {
            token_hash: r.token_hash,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at.unwrap_or(r.created_at),
            ip: r.ip,
            user_agent: r.user_agent,
        }
    }
}

/// The columns of [`SessionRow`].
pub(super) const SESSION_COLUMNS: &str = "token_hash, created_at, last_seen_at, ip, user_agent";

#[derive(FromRow)]
pub(super) struct ImageRow {
    pub(super) id: i64,
    pub(super) file_name: String,
    pub(super) original_name: String,
    pub(super) mime: String,
    pub(super) width: i64,
    pub(super) height: i64,
    pub(super) bytes: i64,
    pub(super) created_at: DateTime<Utc>,
}

impl From<ImageRow> for ImageRecord {
    fn from(r: ImageRow) -> Self {
        Self {
            id: r.id,
            file_name: r.file_name,
            original_name: r.original_name,
            mime: r.mime,
            width: r.width,
            height: r.height,
            bytes: r.bytes,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct DocumentRow {
    pub(super) kind: String,
    pub(super) issuer: Option<String>,
    pub(super) region: Option<String>,
    pub(super) year: Option<i64>,
    pub(super) first_year: Option<i64>,
    pub(super) covers: Option<String>,
}

impl From<DocumentRow> for PolicyDocument {
    fn from(r: DocumentRow) -> Self {
        Self {
            kind: r.kind,
            issuer: r.issuer,
            region: r.region,
            year: r.year,
            first_year: r.first_year,
            covers: r.covers,
        }
    }
}

#[derive(FromRow)]
pub(super) struct IndicatorRow {
    pub(super) key: String,
    pub(super) indicator: String,
    pub(super) targets: i64,
    pub(super) results: i64,
    pub(super) regions: i64,
    pub(super) years: i64,
}

impl From<IndicatorRow> for IndicatorCount {
    fn from(r: IndicatorRow) -> Self {
        Self {
            key: r.key,
            indicator: r.indicator,
            targets: r.targets,
            results: r.results,
            regions: r.regions,
            years: r.years,
        }
    }
}
