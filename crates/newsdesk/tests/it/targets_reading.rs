//! Reading the targets: the clause (原文) is element text on `/targets` and in the article's
//! panel (not only a tooltip), and 出处 names the document and its 来源 (issuer) with its date.

use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::support::{TestApp, article_link, texts};

const TITLE: &str = "安徽省新能源汽车产业高质量发展行动方案";
const ISSUER: &str = "安徽省人民政府";
const CLAUSE: &str = "力争到2027年新能源汽车产量达到300万辆";

/// The `/targets` row of the imported document's target, once the page shows it.
async fn imported_row(app: &TestApp) -> scraper::Html {
    // Newest document first, so it heads the page. The page is kept per content version: an
    // import by another process shows within the version poll. The bound only guards a hang.
    for _ in 0..600 {
        let (status, doc) = app.page("/targets").await;
        assert_eq!(status, StatusCode::OK);
        if texts(&doc, ".targets-table tbody td.source-cell")
            .iter()
            .any(|s| s.contains(TITLE))
        {
            return doc;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the imported target never showed on /targets");
}

#[tokio::test]
async fn clause_and_source_with_issuer_are_shown_as_text() {
    let app = TestApp::start().await;
    let pages = tempfile::tempdir().unwrap();
    std::fs::write(
        pages.path().join("page.txt"),
        format!("{TITLE}\n\n作者:\n来源:{ISSUER}\n2025/06/01 09:30\n浏览量:\n\n{CLAUSE}。\n"),
    )
    .unwrap();
    crate::support::import_beside(&app, "nev", pages.path());
    let doc = imported_row(&app).await;

    // One row: the clause is the text of its own cell, beside 出处 naming title, issuer and date.
    let row_sel = Selector::parse(".targets-table tbody tr").unwrap();
    let row = doc
        .select(&row_sel)
        .find(|r| r.text().collect::<String>().contains(TITLE))
        .unwrap();
    let row = Html::parse_fragment(&format!("<table>{}</table>", row.html()));
    assert_eq!(texts(&row, "td.clause-cell"), vec![CLAUSE]);
    // 出处: the document's type (when read) before 《标题》 · 发布机关 · date.
    let source = texts(&row, "td.source-cell");
    assert_eq!(source.len(), 1);
    assert!(
        source[0].ends_with(&format!("《{TITLE}》 · {ISSUER} · 2025-06-01")),
        "{source:?}"
    );
    assert!(
        texts(&doc, ".targets-table thead th").contains(&"出处".to_string()),
        "出处 heads the column"
    );
    // Cards on phones label the cells from data-label.
    let source = Selector::parse("td.source-cell").unwrap();
    let cell = row.select(&source).next().unwrap();
    assert_eq!(cell.value().attr("data-label"), Some("出处"));
    // No tooltip stands in for the clause any more; the indicator still links to the mark.
    let link = Selector::parse("td.indicator-cell a").unwrap();
    let a = row.select(&link).next().unwrap();
    assert_eq!(a.value().attr("title"), None);
    let href = a.value().attr("href").unwrap().to_string();
    let (path, anchor) = href.split_once('#').unwrap();
    assert_eq!(anchor, "target-0");

    // The article page: the panel shows the same clause as text, and the link reaches its mark
    // (the panel on, whatever type the document is read as).
    crate::targets_corrections::panel_on(&app, TITLE).await;
    let (status, article) = app.page(path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&article, ".targets-panel td.clause-cell"),
        vec![CLAUSE]
    );
    assert_eq!(
        texts(&article, &format!(".article-body mark#{anchor}")),
        vec![CLAUSE]
    );
    assert_eq!(
        texts(&article, ".targets-panel td.indicator-cell a"),
        texts(&row, "td.indicator-cell a")
    );
}

#[tokio::test]
async fn source_without_issuer_names_only_the_document() {
    let app = TestApp::start().await;
    // The seed article gives no 来源: 出处 is its title and date, with no empty 来源 label.
    let (_, channel) = app.page("/channels/nev").await;
    let seed = "合肥丨携手打造新能源与智能网联汽车世界级产业集群";
    assert!(article_link(&channel, seed).is_some());
    let (_, doc) = app.page("/targets?sector=新能源汽车").await;
    let sources = texts(&doc, ".targets-table tbody td.source-cell");
    let seed_rows: Vec<_> = sources.iter().filter(|s| s.contains(seed)).collect();
    assert!(!seed_rows.is_empty());
    assert!(
        seed_rows
            .iter()
            // After the document type (when read): the title, no issuer.
            .all(|s| s
                .trim_start_matches(|c| c != '《')
                .starts_with(&format!("《{seed}》"))
                && !s.contains("来源")),
        "{seed_rows:?}"
    );
    // Every row shows its clause as text.
    let clauses = texts(&doc, ".targets-table tbody td.clause-cell");
    assert_eq!(clauses.len(), sources.len());
    assert!(clauses.iter().all(|c| !c.is_empty()));
}
