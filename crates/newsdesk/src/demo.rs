//! Demo content: on the first start with an empty database, the pages in `demo/` (embedded in the
//! binary; one folder per channel) are imported and the site settings are taken from the seed page's
//! footer. A marker in the store records that this happened, so it never happens again, even if
//! every article is deleted later. The marker is claimed before anything is loaded (an
//! insert-if-absent), so of several servers started together on one empty database exactly one
//! loads the demo and the others go on serving.
//!
//! So that the demo reads as a portal, most pages have a cover (`demo/covers/{page}.jpg`, small
//! illustrations drawn for the demo, stored like uploads with their variants) and editors' flags:
//! a 头条, 焦点图 slides (推荐) and a 置顶 article. The seed page keeps neither, as it was imported.
//! Articles carry tags (so tag pages exist), one 专题 gathers the new-energy-vehicle coverage, and
//! the footer links the single pages 关于我们, 联系我们 and 免责声明 (`demo/pages/{slug}.md`).

use include_dir::{Dir, include_dir};

use crate::content::Articles;
use crate::domain::{ArticleFlag, BodyFormat, SitePageInput, SiteSettings, TopicInput};
use crate::import;
use crate::uploads::UploadStore;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/demo");

/// The demo channels: slug, name, in navigation order.
const CHANNELS: &[(&str, &str)] = &[
    ("nev", "新能源汽车"),
    ("solar", "光伏"),
    ("storage", "储能"),
    ("charging", "充换电"),
    ("policy", "政策法规"),
];

/// Folder of `demo/` holding covers (not a channel): `{page file stem}.jpg`.
const COVERS: &str = "covers";

/// Editors' flags of demo pages, by file stem.
const FLAGS: &[(&str, ArticleFlag)] = &[
    ("distributed-pv-2024", ArticleFlag::Headline),
    ("new-type-storage-2024", ArticleFlag::Featured),
    ("charging-network", ArticleFlag::Featured),
    ("intelligent-connected-vehicles", ArticleFlag::Featured),
    ("pv-module-efficiency", ArticleFlag::Featured),
    ("storage-safety", ArticleFlag::Featured),
    ("nev-consumption-policy", ArticleFlag::Pinned),
];

/// Folder of `demo/` holding the single pages (not a channel): `{slug}.md`.
const PAGES: &str = "pages";

/// The single pages: slug, title, in footer order.
const SINGLE_PAGES: &[(&str, &str)] = &[
    ("about", "关于我们"),
    ("contact", "联系我们"),
    ("disclaimer", "免责声明"),
];

/// Tags of demo pages, by file stem.
const TAGS: &[(&str, &[&str])] = &[
    (
        "seed-article-hefei-nev-2024",
        &["新能源汽车", "合肥", "产业集群"],
    ),
    (
        "intelligent-connected-vehicles",
        &["新能源汽车", "智能网联"],
    ),
    ("nev-consumption-policy", &["新能源汽车", "政策解读"]),
    ("charging-network", &["充电桩", "新能源汽车"]),
    ("distributed-pv-2024", &["分布式光伏", "装机"]),
    ("pv-module-efficiency", &["光伏组件"]),
    ("new-type-storage-2024", &["新型储能", "装机"]),
    ("storage-safety", &["新型储能", "安全"]),
];

/// The demo 专题: slug, title, intro, its articles by file stem in order.
const TOPIC: (&str, &str, &str, &[&str]) = (
    "nev-industry",
    "新能源汽车产业观察",
    "从地方产业集群到消费政策、智能网联与充电网络，梳理新能源汽车产业的最新进展与政策目标。",
    &[
        "seed-article-hefei-nev-2024",
        "nev-consumption-policy",
        "intelligent-connected-vehicles",
        "charging-network",
    ],
);

/// Name of the demo site.
const SITE_NAME: &str = "能源资讯网";
/// Store marker set once demo content has been loaded (or skipped because data existed).
const MARKER: &str = "demo_loaded_at";

/// Loads the demo content if this data folder has never had any; returns whether it did. Articles
/// go through [`Articles`], so they are searchable as soon as this returns. No covers: see
/// [`load_on_first_start_with_covers`].
pub async fn load_on_first_start(articles: &Articles) -> anyhow::Result<bool> {
    load(articles, None).await
}

/// [`load_on_first_start`], with the demo's cover images stored in `uploads` and set on their
/// articles.
pub async fn load_on_first_start_with_covers(
    articles: &Articles,
    uploads: &UploadStore,
) -> anyhow::Result<bool> {
    load(articles, Some(uploads)).await
}

async fn load(articles: &Articles, uploads: Option<&UploadStore>) -> anyhow::Result<bool> {
    let store = articles.store();
    if store.marker(MARKER).await?.is_some() {
        return Ok(false);
    }
    let now = chrono::Utc::now().to_rfc3339();
    if !store
        .claim_marker(MARKER, &format!("loading {now}"))
        .await?
    {
        // Another process started at the same moment and loads it.
        return Ok(false);
    }
    if store.count_articles().await? > 0 {
        // Content was imported before the first start: leave it alone, never add demo content.
        store.set_marker(MARKER, &format!("skipped {now}")).await?;
        return Ok(false);
    }
    let mut settings = SiteSettings {
        site_name: SITE_NAME.into(),
        ..store.site_settings().await?
    };
    let tz = settings.tz();
    for (position, (slug, name)) in (0_i64..).zip(CHANNELS) {
        store.upsert_channel(name, slug, position).await?;
    }
    let mut inputs = Vec::new();
    let mut stems = Vec::new();
    let mut dirs: Vec<_> = DEMO
        .dirs()
        .filter(|d| {
            ![COVERS, PAGES]
                .iter()
                .any(|f| d.path() == std::path::Path::new(f))
        })
        .collect();
    // The seed's channel first, so its footer gives the site settings.
    dirs.sort_by_key(|d| d.path() != std::path::Path::new("nev"));
    for dir in dirs {
        let Some(channel) = dir.path().file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        for file in dir.files() {
            let page = import::parse_page(file.contents(), tz)
                .map_err(|e| anyhow::anyhow!("demo page {}: {e}", file.path().display()))?;
            // The first footer facts found win (the seed page carries the real ones).
            let footer = &page.footer;
            fill(
                &mut settings.copyright_holder,
                footer.copyright_holder.as_ref(),
            );
            fill(&mut settings.icp_number, footer.icp_number.as_ref());
            fill(
                &mut settings.public_security_number,
                footer.public_security_number.as_ref(),
            );
            let stem = file
                .path()
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let mut input = import::to_article(&page, channel, tz);
            input.tags = TAGS
                .iter()
                .filter(|(s, _)| *s == stem)
                .flat_map(|(_, tags)| tags.iter().map(|t| (*t).to_string()))
                .collect();
            inputs.push(input);
            stems.push(stem);
        }
    }
    let mut ids = Vec::new();
    for outcome in articles.save_all(&inputs).await {
        ids.push(outcome?.id());
    }
    for (stem, id) in stems.iter().zip(&ids) {
        let flags: Vec<ArticleFlag> = FLAGS
            .iter()
            .filter(|(s, _)| s == stem)
            .map(|&(_, f)| f)
            .collect();
        if !flags.is_empty() {
            let mut desk = store.article_desk(*id).await?;
            desk.featured |= flags.contains(&ArticleFlag::Featured);
            desk.pinned |= flags.contains(&ArticleFlag::Pinned);
            desk.headline |= flags.contains(&ArticleFlag::Headline);
            store.set_article_desk(*id, &desk).await?;
        }
        let cover = DEMO.get_file(format!("{COVERS}/{stem}.jpg"));
        if let (Some(uploads), Some(cover)) = (uploads, cover) {
            // A cover that cannot be stored leaves its article without one, not the site unstarted.
            match crate::images::store(uploads, cover.contents().to_vec(), u64::MAX).await {
                Ok(Ok(image)) => store.set_cover_image(*id, Some(&image.url())).await?,
                Ok(Err(e)) => tracing::warn!(cover = stem, "demo cover refused: {e}"),
                Err(e) => tracing::warn!(cover = stem, "demo cover not stored: {e:#}"),
            }
        }
    }
    let (slug, title, intro, members) = TOPIC;
    let topic = TopicInput {
        slug: slug.into(),
        title: title.into(),
        intro: intro.into(),
        cover_image: None,
        position: 0,
        articles: members
            .iter()
            .filter_map(|m| stems.iter().position(|s| s == m).map(|i| ids[i]))
            .collect(),
    };
    store.save_topic(None, &topic).await?;
    for (position, (slug, title)) in (0_i64..).zip(SINGLE_PAGES) {
        let Some(file) = DEMO.get_file(format!("{PAGES}/{slug}.md")) else {
            continue;
        };
        let source = file.contents_utf8().unwrap_or_default().to_string();
        let page = SitePageInput {
            slug: (*slug).into(),
            title: (*title).into(),
            body_format: BodyFormat::Markdown,
            body_html: crate::render::body_html(BodyFormat::Markdown, &source),
            body_source: source,
            show_in_footer: true,
            show_in_nav: false,
            position,
        };
        store.save_page(None, &page).await?;
    }
    let loaded = inputs.len();
    store.save_site_settings(&settings).await?;
    store.set_marker(MARKER, &now).await?;
    tracing::info!(articles = loaded, "loaded demo content");
    Ok(true)
}

fn fill(setting: &mut String, found: Option<&String>) {
    if let (true, Some(value)) = (setting.is_empty(), found) {
        setting.clone_from(value);
    }
}
