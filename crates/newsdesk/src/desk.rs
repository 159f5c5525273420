//! The editors' desk (issue 13): bulk actions on the newsroom's list, the list's sort order,
//! default 作者 / 来源, and which form field a newsroom refusal is about (so the admin can show
//! the message beside that field). Flags and SEO fields travel with a save in
//! [`crate::newsroom::Draft::desk`].

use crate::content::Articles;
use crate::domain::{ArticleSort, ArticleStatus, AuditAction, SortColumn, User};
use crate::newsroom::{self, NewsroomError, SaveAction};
use crate::store::{AuditRecord, StoreError, UserDefaults};
use crate::web::AppState;

/// Most articles one bulk action takes (a page of the list is 30).
pub const MAX_BULK: usize = 200;

/// What a bulk action does to each chosen article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// Publish now (a published article keeps its time).
    Publish,
    /// Take off the public site (back to draft).
    Withdraw,
    /// Move to the channel with this slug.
    Move(String),
    /// Add this tag.
    Tag(String),
    /// Move to the trash.
    Trash,
}

/// How a bulk action went.
#[derive(Debug, Default)]
pub struct BulkReport {
    /// Articles changed.
    pub done: usize,
    /// Articles left as they were, with why (already in that state, in the trash, …).
    pub skipped: Vec<(i64, String)>,
}

/// Runs `action` on each of `ids`, each change audited and re-indexed like a single one.
pub async fn bulk(
    articles: &Articles,
    user: &User,
    ids: &[i64],
    action: &BulkAction,
) -> Result<BulkReport, NewsroomError> {
    if ids.is_empty() {
        return Err(NewsroomError::Invalid("请先勾选要操作的文章".into()));
    }
    if ids.len() > MAX_BULK {
        return Err(NewsroomError::Invalid(format!(
            "一次最多操作 {MAX_BULK} 篇文章，现在选了 {} 篇",
            ids.len()
        )));
    }
    let mut report = BulkReport::default();
    match action {
        BulkAction::Move(channel) => {
            let moved =
                articles
                    .store()
                    .move_articles(ids, channel)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => {
                            NewsroomError::Invalid(format!("栏目 {channel:?} 不存在"))
                        }
                        e => NewsroomError::Store(e),
                    })?;
            audit_each(articles, user, &moved, format!("批量移到栏目 {channel}")).await?;
            report.done = moved.len();
        }
        BulkAction::Tag(tag) => {
            let tags = newsroom::split_tags(tag);
            let [tag] = tags.as_slice() else {
                return Err(NewsroomError::Invalid("请填写一个标签".into()));
            };
            if tag.chars().count() > newsroom::MAX_TAG_CHARS {
                return Err(NewsroomError::Invalid(format!(
                    "标签太长：每个标签最多 {} 个字符",
                    newsroom::MAX_TAG_CHARS
                )));
            }
            let tagged = articles.store().tag_articles(ids, tag).await?;
            audit_each(articles, user, &tagged, format!("批量添加标签 {tag}")).await?;
            report.done = tagged.len();
        }
        BulkAction::Publish | BulkAction::Withdraw | BulkAction::Trash => {
            for &id in ids {
                match one(articles, user, id, action).await {
                    Ok(true) => report.done += 1,
                    Ok(false) => report.skipped.push((id, "无需更改".into())),
                    Err(NewsroomError::Invalid(m)) => report.skipped.push((id, m)),
                    Err(NewsroomError::Store(StoreError::NotFound)) => {
                        report.skipped.push((id, "文章不存在".into()));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(report)
}

/// One article of a status bulk action; `false` when it was already so.
async fn one(
    articles: &Articles,
    user: &User,
    id: i64,
    action: &BulkAction,
) -> Result<bool, NewsroomError> {
    let current = articles.store().editable_article(id).await?;
    let status = current.article.status;
    match action {
        BulkAction::Publish if status == ArticleStatus::Published => Ok(false),
        BulkAction::Publish => {
            newsroom::change_status(articles, user, id, None, SaveAction::Publish).await?;
            Ok(true)
        }
        BulkAction::Withdraw if status == ArticleStatus::Draft => Ok(false),
        BulkAction::Withdraw => {
            newsroom::change_status(articles, user, id, None, SaveAction::Draft).await?;
            Ok(true)
        }
        BulkAction::Trash if current.deleted_at.is_some() => Ok(false),
        _ => {
            newsroom::set_trashed(articles, user, id, true).await?;
            Ok(true)
        }
    }
}

async fn audit_each(
    articles: &Articles,
    user: &User,
    changed: &[(i64, String)],
    detail: String,
) -> Result<(), NewsroomError> {
    for (id, title) in changed {
        articles
            .store()
            .add_audit(&AuditRecord {
                user: Some(user),
                action: AuditAction::Update,
                article_id: Some(*id),
                article_title: title,
                detail: detail.clone(),
            })
            .await?;
    }
    let ids: Vec<i64> = changed.iter().map(|(id, _)| *id).collect();
    if !ids.is_empty() {
        articles.reindex(&ids).await?;
    }
    Ok(())
}

/// Reads `?sort=`: a column name, `-` in front for descending; empty means the default
/// (newest publish time first). `None` for an unknown column.
pub fn parse_sort(value: Option<&str>) -> Option<ArticleSort> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Some(ArticleSort::default());
    }
    let (name, ascending) = match value.strip_prefix('-') {
        Some(rest) => (rest, false),
        None => (value, true),
    };
    Some(ArticleSort {
        column: SortColumn::parse(name)?,
        ascending,
    })
}

/// `?sort=` for a sort (the inverse of [`parse_sort`]).
pub fn sort_param(sort: ArticleSort) -> String {
    let dir = if sort.ascending { "" } else { "-" };
    format!("{dir}{}", sort.column.as_str())
}

/// The 作者 / 来源 a new article of `user` starts with: the account's own defaults, each
/// falling back to the site's.
pub async fn byline_defaults(state: &AppState, user: &User) -> Result<UserDefaults, StoreError> {
    let own = state.store.user_defaults(user.id).await?;
    let site = &state.chrome().site;
    let pick = |own: String, site: &str| {
        if own.trim().is_empty() {
            site.trim().to_string()
        } else {
            own
        }
    };
    Ok(UserDefaults {
        author: pick(own.author, &site.default_author),
        source: pick(own.source, &site.default_source),
    })
}

/// The editor's form field a newsroom refusal is about, by the field name its message starts
/// with (every message of `newsroom::check_fields` and the time checks names its field first).
pub fn field_of(message: &str) -> Option<&'static str> {
    const FIELDS: [(&str, &str); 16] = [
        ("标题", "title"),
        ("作者", "author"),
        ("来源", "source"),
        ("摘要", "summary"),
        ("请选择栏目", "channel"),
        ("栏目", "channel"),
        ("网址别名", "slug"),
        ("封面", "cover_image"),
        ("标签", "tags"),
        ("正文", "body"),
        ("SEO 标题", "seo_title"),
        ("SEO 关键词", "seo_keywords"),
        ("SEO 描述", "seo_description"),
        ("定时发布", "publish_at"),
        ("发布时间", "publish_at"),
        ("publish_at", "publish_at"),
    ];
    FIELDS
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, field)| *field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_parameters_round_trip() {
        assert_eq!(parse_sort(None), Some(ArticleSort::default()));
        for value in ["title", "-views", "published", "-updated", "channel"] {
            let sort = parse_sort(Some(value)).unwrap();
            assert_eq!(sort_param(sort), value);
        }
        assert_eq!(parse_sort(Some("password_hash")), None);
        assert_eq!(parse_sort(Some("-a.id; DROP TABLE articles")), None);
    }

    #[test]
    fn refusals_name_their_field() {
        assert_eq!(field_of("标题不能为空"), Some("title"));
        assert_eq!(
            field_of("SEO 描述太长：最多 300 个字符"),
            Some("seo_description")
        );
        assert_eq!(field_of("定时发布时间 \"x\" 无效"), Some("publish_at"));
        assert_eq!(field_of("网址别名（slug）已被另一篇文章使用"), Some("slug"));
        assert_eq!(field_of("其他"), None);
    }
}
