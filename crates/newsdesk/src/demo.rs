//! Demo content: on the first start with an empty database, the pages in `demo/` (embedded in the
//! binary; one folder per channel) are imported and the site settings are taken from the seed page's
//! footer. A marker in the store records that this happened, so it never happens again, even if
//! every article is deleted later. The marker is claimed before anything is loaded (an
//! insert-if-absent), so of several servers started together on one empty database exactly one
//! loads the demo and the others go on serving.

use include_dir::{Dir, include_dir};

use crate::content::Articles;
use crate::domain::SiteSettings;
use crate::import;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/demo");

/// The demo channels: slug, name, in navigation order.
const CHANNELS: &[(&str, &str)] = &[
    ("nev", "新能源汽车"),
    ("solar", "光伏"),
    ("storage", "储能"),
    ("charging", "充换电"),
    ("policy", "政策法规"),
];

/// Name of the demo site.
const SITE_NAME: &str = "能源资讯网";
/// Store marker set once demo content has been loaded (or skipped because data existed).
const MARKER: &str = "demo_loaded_at";

/// Loads the demo content if this data folder has never had any; returns whether it did. Articles
/// go through [`Articles`], so they are searchable as soon as this returns.
pub async fn load_on_first_start(articles: &Articles) -> anyhow::Result<bool> {
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
    let mut dirs: Vec<_> = DEMO.dirs().collect();
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
            inputs.push(import::to_article(&page, channel, tz));
        }
    }
    for outcome in articles.save_all(&inputs).await {
        outcome?;
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
