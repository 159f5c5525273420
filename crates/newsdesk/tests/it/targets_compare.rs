//! Targets compared with results: `/targets/indicators` and `/targets/indicators/{key}` (table,
//! inline SVG chart, CSV and JSON), document type and issuer on `/targets`, results apart in the
//! article panel, and `newsdesk import` of `.txt` documents with `.meta.json` sidecars.

use chrono::{TimeZone, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat, PolicyDocument};
use newsdesk::targets::{Extracted, Extraction, Record, normalize};
use reqwest::StatusCode;
use scraper::Selector;

use crate::support::{TestApp, import_beside, texts};

const GDP: &str = "地区生产总值";

/// A figure as the content layer would have read it from a clause.
fn figure(record: Record, text: &str, value: f64, comparator: policy::Comparator) -> Extracted {
    let (value_base, unit_base) = normalize(value, "%");
    Extracted {
        target: policy::Target {
            start: 0,
            end: text.chars().count(),
            text: text.into(),
            indicator: GDP.into(),
            value,
            value_max: None,
            unit: "%".into(),
            comparator,
            kind: policy::Kind::Growth,
            aspirational: false,
            sector: policy::Sector::General,
            year: Some(2024),
        },
        record,
        indicator_key: policy::indicator_key(GDP),
        region: Some("合肥市".into()),
        year: Some(2024),
        value_base,
        unit_base,
        hidden: false,
        origin: newsdesk::corrections::Origin::Extracted,
    }
}

fn article(slug: &str, title: &str, body: &str, day: u32) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: title.into(),
        author: None,
        source: Some("合肥市人民政府".into()),
        channel_slug: "nev".into(),
        tags: Vec::new(),
        summary: String::new(),
        summary_auto: true,
        body_format: BodyFormat::Html,
        body_source: format!("<p>{body}</p>"),
        body_html: format!("<p>{body}</p>"),
        status: ArticleStatus::Published,
        published_at: Utc.with_ymd_and_hms(2025, 1, day, 2, 0, 0).single(),
        views: 0,
        import_key: Some(slug.into()),
    }
}

/// The page at `path` once the server has seen writes made beside it (the version poll).
async fn page_with(app: &TestApp, path: &str, needle: &str) -> scraper::Html {
    for _ in 0..600 {
        let (status, doc) = app.page(path).await;
        if status == StatusCode::OK && doc.html().contains(needle) {
            return doc;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} never showed {needle}");
}

#[tokio::test]
async fn an_indicator_page_sets_targets_beside_results_with_a_status() {
    let app = TestApp::start().await;
    let store = app.open_store().await;
    let plan = "全市地区生产总值增长6%左右";
    let review = "全市地区生产总值增长5.8%";
    let doc = PolicyDocument {
        kind: "work_report".into(),
        issuer: Some("合肥市人民政府".into()),
        region: Some("合肥市".into()),
        year: Some(2024),
        first_year: None,
        covers: None,
    };
    store
        .upsert_article(
            &article("hf-2024", "合肥市2024年政府工作报告", plan, 10),
            &Extraction {
                document: doc.clone(),
                figures: vec![figure(
                    Record::Target,
                    plan,
                    6.0,
                    policy::Comparator::Approx,
                )],
            },
        )
        .await
        .unwrap();
    store
        .upsert_article(
            &article("hf-2025", "合肥市2025年政府工作报告", review, 20),
            &Extraction {
                document: PolicyDocument {
                    year: Some(2025),
                    ..doc
                },
                figures: vec![figure(Record::Result, review, 5.8, policy::Comparator::Eq)],
            },
        )
        .await
        .unwrap();

    // The index counts the key's target and result, and links to its page.
    let index = page_with(&app, "/targets/indicators", GDP).await;
    let link = Selector::parse(".indicators-table a").unwrap();
    let href = index
        .select(&link)
        .find(|a| a.text().collect::<String>() == GDP)
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_string();
    assert_eq!(
        href,
        newsdesk::targets::indicator_path(&policy::indicator_key(GDP))
    );
    assert!(href.starts_with("/targets/indicators/%"), "{href}");

    let (status, page) = app.page(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&page, ".comparison-table thead th"),
        vec!["地区", "年份", "目标", "实绩", "状态", "出处"]
    );
    let row_sel = Selector::parse(".comparison-table tbody tr").unwrap();
    let row = page
        .select(&row_sel)
        .find(|r| {
            r.text()
                .collect::<String>()
                .contains("《合肥市2024年政府工作报告》 · 合肥市人民政府")
        })
        .unwrap();
    let cells: Vec<String> = row
        .select(&Selector::parse("td").unwrap())
        .map(|c| c.text().collect::<String>().trim().to_string())
        .collect();
    assert_eq!(cells[0], "合肥市");
    assert_eq!(cells[1], "2024");
    assert_eq!(cells[2], "6%左右");
    assert!(cells[3].starts_with("5.8%"), "{cells:?}");
    assert_eq!(cells[4], "达成");
    assert!(
        cells[5].contains("《合肥市2024年政府工作报告》 · 合肥市人民政府 · 2025-01-10"),
        "{cells:?}"
    );
    assert!(cells[5].starts_with("政府工作报告"), "{cells:?}");
    // The chart: inline SVG labelled for screen readers, no script.
    let svg = Selector::parse("figure.indicator-chart svg[role='img']").unwrap();
    let svg = page.select(&svg).next().expect("chart");
    assert!(svg.value().attr("aria-label").unwrap().contains(GDP));
    assert_eq!(texts(&page, "figure.indicator-chart figcaption").len(), 1);
    assert!(texts(&page, "main script").is_empty());

    // Exports: the same lines.
    let csv = app.get(&format!("{href}.csv")).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for h in ["地区", "年份", "目标", "实绩", "状态", "出处", "发布时间"] {
        assert!(headers.contains(&h.to_string()), "{headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let line = records
        .iter()
        .find(|r| &r[col("出处")] == "合肥市2024年政府工作报告")
        .unwrap();
    assert_eq!(&line[col("状态")], "达成");
    // Times in the site's zone (Asia/Shanghai): 02:00 UTC is 10:00.
    assert_eq!(&line[col("发布时间")], "2025-01-10 10:00");

    let json: serde_json::Value = app.get(&format!("{href}.json")).await.json().await.unwrap();
    let lines = json["lines"].as_array().unwrap();
    assert_eq!(json["total"].as_u64(), Some(lines.len() as u64));
    let line = lines
        .iter()
        .find(|l| l["source_title"] == "合肥市2024年政府工作报告")
        .unwrap();
    assert_eq!(line["target"], "6%左右");
    assert_eq!(line["status"], "achieved");
    assert_eq!(line["result"], "5.8%");
    assert_eq!(line["published_at"], "2025-01-10T10:00:00+08:00");

    // /targets lists targets only, with type and issuer, and links the indicator's page.
    let targets = page_with(&app, "/targets", plan).await;
    let clauses = texts(&targets, ".targets-table tbody td.clause-cell");
    assert!(clauses.iter().any(|c| c == plan));
    assert!(
        !clauses.iter().any(|c| c == review),
        "results stay off /targets"
    );
    assert!(targets.html().contains(&format!("href=\"{href}\"")));
    let (_, filtered) = app.page("/targets?doctype=work_report").await;
    assert_eq!(
        texts(&filtered, ".targets-table tbody td.clause-cell"),
        vec![plan]
    );
    let bad = app.get("/targets?doctype=memo").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("doctype"));

    // The reviewing article's panel shows its result apart, as 实绩.
    let (_, review_page) = app.page("/articles/hf-2025").await;
    assert_eq!(
        texts(&review_page, ".targets-panel .results-table td.clause-cell"),
        vec![review]
    );
    assert!(texts(&review_page, ".targets-panel table:not(.results-table)").is_empty());

    // Unknown keys are not found, in every format.
    for path in [
        "/targets/indicators/无此指标",
        "/targets/indicators/无此指标.csv",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn import_reads_txt_documents_with_meta_json_sidecars() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let docs = [
        (
            "hefei-nev",
            "合肥市新能源汽车产业发展行动方案",
            "合肥市人民政府",
            "2024-03-05",
            "到2027年，力争新能源汽车产量突破200万辆。",
        ),
        (
            "wuhu-nev",
            "芜湖市新能源汽车产业发展行动方案",
            "芜湖市人民政府",
            "2024-04-08",
            "到2027年，力争新能源汽车产量突破150万辆。",
        ),
    ];
    for (name, title, issuer, published, text) in docs {
        std::fs::write(dir.path().join(format!("{name}.txt")), text).unwrap();
        std::fs::write(
            dir.path().join(format!("{name}.meta.json")),
            serde_json::json!({
                "title": title, "url": "https://example.gov.cn/doc.html", "kind": "programme",
                "issuer": issuer, "region": "", "year": 2027, "first_year": 2024,
                "published": published,
            })
            .to_string(),
        )
        .unwrap();
    }
    import_beside(&app, "nev", dir.path());

    let doc = page_with(&app, "/targets", docs[1].1).await;
    let sources = texts(&doc, ".targets-table tbody td.source-cell");
    for (_, title, issuer, published, _) in docs {
        assert!(
            sources
                .iter()
                .any(|s| s.ends_with(&format!("《{title}》 · {issuer} · {published}"))),
            "{sources:?}"
        );
    }
    // Both documents' targets share one indicator page.
    let key = policy::indicator_key("新能源汽车产量");
    let page = page_with(&app, &newsdesk::targets::indicator_path(&key), docs[0].1).await;
    assert!(page.html().contains(docs[1].1));

    // A sidecar that is not JSON is refused, naming it; nothing else is lost.
    std::fs::write(dir.path().join("broken.txt"), "力争新增企业5家。").unwrap();
    std::fs::write(dir.path().join("broken.meta.json"), "{not json").unwrap();
    let out = crate::support::newsdesk_command(app.data_path())
        .args(["import", "--channel", "nev", "--data"])
        .arg(app.data_path())
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("broken.meta.json"), "{said}");
    app.stop().await;
}
