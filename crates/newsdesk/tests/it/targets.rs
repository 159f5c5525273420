//! Policy intelligence in the portal: the 量化目标 table on article pages, `/targets` with its
//! filters and exports, `/api/v1/targets`, and the `newsdesk targets` command.

use std::process::Command;

use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::support::{TestApp, article_link, texts};

const SEED_TITLE: &str = "合肥丨携手打造新能源与智能网联汽车世界级产业集群";

async fn seed_page(app: &TestApp) -> Html {
    let (_, channel) = app.page("/channels/nev").await;
    let path = article_link(&channel, SEED_TITLE).expect("seed listed");
    let (status, doc) = app.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    doc
}

#[tokio::test]
async fn article_page_lists_targets_linked_to_highlighted_clauses() {
    let app = TestApp::start().await;
    // The panel is shown for policy documents; this test is about the panel, whatever the seed
    // is read as.
    crate::targets_corrections::panel_on(&app, SEED_TITLE).await;
    let doc = seed_page(&app).await;

    let rows = texts(&doc, ".targets-panel table:not(.results-table) tbody tr");
    assert!(rows.len() >= 100, "only {} target rows", rows.len());
    let first = texts(&doc, ".targets-panel tbody tr:first-child td");
    assert_eq!(
        first,
        vec![
            // The indicator links to its clause, then to its comparison page (对比).
            "网上零售额 对比",
            "力争超过1400亿元",
            "总量",
            "力争网上零售额突破1400亿元"
        ]
    );

    // Every row links to a mark in the body holding its clause.
    let links =
        Selector::parse(".targets-panel table:not(.results-table) tbody a[href^='#']").unwrap();
    let mut linked = 0;
    for a in doc.select(&links) {
        let href = a.value().attr("href").unwrap();
        let id = href.strip_prefix('#').expect("in-page link");
        let mark = Selector::parse(&format!(".article-body mark#{id}")).unwrap();
        if doc.select(&mark).next().is_some() {
            linked += 1;
        }
    }
    assert_eq!(
        linked,
        rows.len(),
        "some targets have no highlighted clause"
    );
    assert_eq!(
        texts(&doc, ".article-body mark#target-0"),
        vec!["力争网上零售额突破1400亿元"]
    );
    // The list items and paragraphs survive the highlighting.
    assert_eq!(texts(&doc, ".article-body ol > li").len(), 4);

    // Articles without targets show no empty panel.
    let (_, storage) = app.page("/channels/storage").await;
    let path = article_link(&storage, "储能").unwrap();
    let (_, doc) = app.page(&path).await;
    assert!(texts(&doc, ".targets-panel").is_empty());
}

#[tokio::test]
async fn targets_page_filters_sorts_and_charts() {
    let app = TestApp::start().await;
    let (status, all) = app.page("/targets").await;
    assert_eq!(status, StatusCode::OK);
    let total = texts(&all, ".targets-table tbody tr").len();
    // The seed's 102 targets, less the four its summary repeats (one row per document's target).
    assert!(total >= 95, "{total}");
    assert!(!texts(&all, ".sector-chart .bars li").is_empty());

    let (_, nev) = app.page("/targets?sector=新能源汽车").await;
    let sectors = texts(&nev, ".targets-table tbody td:nth-child(4)");
    assert!(!sectors.is_empty());
    assert!(sectors.iter().all(|s| s == "新能源汽车"), "{sectors:?}");
    assert!(
        texts(&nev, ".targets-table tbody td:first-child a:first-child")
            .contains(&"新能源汽车产量".to_string())
    );

    let (_, growth) = app
        .page("/targets?kind=growth&region=合肥市&year=2024")
        .await;
    let kinds = texts(&growth, ".targets-table tbody td:nth-child(3)");
    assert!(!kinds.is_empty());
    assert!(kinds.iter().all(|k| k == "增速"), "{kinds:?}");
    assert!(
        texts(&growth, ".targets-table tbody td:first-child a:first-child")
            .contains(&"地区生产总值".to_string())
    );

    let (_, hedged) = app.page("/targets?aspirational=yes").await;
    let hedged_rows = texts(&hedged, ".targets-table tbody td:nth-child(2)");
    assert!(!hedged_rows.is_empty() && hedged_rows.len() < total);
    assert!(hedged_rows.iter().all(|t| t.starts_with("力争")));

    let (status, sorted) = app.page("/targets?sort=indicator").await;
    assert_eq!(status, StatusCode::OK);
    let indicators = texts(&sorted, ".targets-table tbody td:first-child a:first-child");
    let mut expected = indicators.clone();
    expected.sort();
    assert_eq!(indicators, expected);

    for bad in [
        "/targets?year=abc",
        "/targets?kind=nope",
        "/targets?sort=x",
        "/targets?aspirational=maybe",
    ] {
        let (status, doc) = app.page(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(texts(&doc, "main p").join("").contains("参数"), "{bad}");
    }
}

#[tokio::test]
async fn exports_carry_the_same_rows() {
    let app = TestApp::start().await;
    let json: serde_json::Value = app
        .get("/api/v1/targets?sector=新能源汽车")
        .await
        .json()
        .await
        .unwrap();
    let total = json["total"].as_u64().unwrap();
    assert!(total >= 1);
    let first = &json["targets"][0];
    for field in [
        "indicator",
        "value",
        "unit",
        "comparator",
        "kind",
        "aspirational",
        "sector",
        "text",
        "article_slug",
    ] {
        assert!(!first[field].is_null(), "{field} missing in {first}");
    }
    let same: serde_json::Value = app
        .get("/targets.json?sector=新能源汽车")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same, json);

    let csv = app.get("/targets.csv?sector=新能源汽车").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await.unwrap();
    let body = body.strip_prefix('\u{feff}').expect("BOM for spreadsheets");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(&reader.headers().unwrap()[6], "指标");
    assert_eq!(reader.records().count() as u64, total);

    let bad = app.get("/api/v1/targets?year=abc").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let err: serde_json::Value = bad.json().await.unwrap();
    assert!(err["error"].as_str().unwrap().contains("year"), "{err}");
}

fn targets_cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("targets")
        .args(args)
        .output()
        .expect("run newsdesk targets")
}

#[test]
fn targets_command_prints_the_gold_schema() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/good/seed-article-hefei-nev-2024.txt"
    );
    let out = targets_cli(&[seed]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(records.len() >= 100, "{}", records.len());
    let text: Vec<char> = std::fs::read_to_string(seed).unwrap().chars().collect();
    for r in &records {
        assert_eq!(r["doc"], "seed-article-hefei-nev-2024.txt");
        let (start, end) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        let span: String = text[start..end].iter().collect();
        assert_eq!(
            span,
            r["text"].as_str().unwrap(),
            "offsets are chars of the file"
        );
    }
    assert!(
        records
            .iter()
            .any(|r| r["text"] == "力争新能源汽车产量突破120万辆"
                && r["comparator"] == "gt"
                && r["aspirational"] == true)
    );

    let csv = targets_cli(&["--format", "csv", seed]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("doc,start,end,text,indicator,value"));
    assert_eq!(csv.lines().count(), records.len() + 1);

    let table = targets_cli(&["--format", "table", seed]);
    assert!(
        String::from_utf8(table.stdout)
            .unwrap()
            .contains("新能源汽车产量")
    );

    let bad = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad/image.png");
    let out = targets_cli(&[bad, seed]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("image.png") && stderr.contains("binary"),
        "{stderr}"
    );
    assert!(
        String::from_utf8(out.stdout).unwrap().lines().count() >= 100,
        "the good file still printed"
    );
}

/// The total the page states (共 N 项).
fn page_total(doc: &Html) -> u64 {
    let line = texts(doc, "p.export").join("");
    line.trim_start_matches('共')
        .split('项')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no total in {line:?}"))
}

#[tokio::test]
async fn the_page_counts_in_the_database_and_follows_new_articles() {
    let app = TestApp::start().await;
    let (_, doc) = app.page("/targets").await;
    let total = page_total(&doc);
    let json: serde_json::Value = app.get("/targets.json").await.json().await.unwrap();
    assert_eq!(json["total"].as_u64(), Some(total));
    assert_eq!(json["targets"].as_array().unwrap().len() as u64, total);
    let rows = texts(&doc, ".targets-table tbody tr").len() as u64;
    assert_eq!(rows, total.min(500));
    let bars: u64 = texts(&doc, ".sector-chart .bar-count")
        .iter()
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert_eq!(bars, total, "the chart counts every target");

    // An import by another process: the rendered page is kept per content version, so the new
    // article's target shows up within the version poll (about a second).
    let pages = tempfile::tempdir().unwrap();
    std::fs::write(
        pages.path().join("page.txt"),
        "某市印发光伏发展方案\n\n作者:\n来源:\n2024/03/01 09:30\n浏览量:\n\n力争到2025年光伏装机容量达到500万千瓦。\n",
    )
    .unwrap();
    crate::support::import_beside(&app, "solar", pages.path());
    let mut now = total;
    for _ in 0..50 {
        now = page_total(&app.page("/targets").await.1);
        if now > total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(now, total + 1);
    app.stop().await;
}
