//! Targets for analysts: the CSV export in Chinese with the site's local times, JSON times with the
//! site's offset, the unit-aware value order ("按数值") and one row per target of a document on
//! `/targets` however often the document states it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{TestApp, article_link, texts};

/// Imports one page (text format: headline, author, source, time, views, body) into `channel`
/// beside the running server, and waits until `/targets` shows it.
async fn import_page(app: &TestApp, channel: &str, page: &str) {
    let before = targets_json(app, "").await["total"].as_u64().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("page.txt"), page).unwrap();
    crate::support::import_beside(app, channel, dir.path());
    for _ in 0..100 {
        if targets_json(app, "").await["total"].as_u64().unwrap() > before {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the imported page's targets never showed");
}

async fn targets_json(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/targets.json{query}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn rows_of<'a>(json: &'a Value, title: &str) -> Vec<&'a Value> {
    json["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["article_title"] == title)
        .collect()
}

// A policy document (a notice): its figures are targets. (News would need a commitment.)
const PLAN_TITLE: &str = "某市人民政府关于印发2024年经济社会发展主要预期目标的通知";
const PLAN: &str = "某市人民政府关于印发2024年经济社会发展主要预期目标的通知\n\n作者:\n来源:\n2024/03/01 10:21\n浏览量:\n\n\
地区生产总值突破1.55万亿元，社会消费品零售总额达到1400亿元，一般公共预算收入增长5%左右，\
新能源汽车产量突破120万辆，规模以上工业增加值增长7%。\n";

#[tokio::test]
async fn csv_speaks_chinese_in_the_sites_time_and_json_carries_the_offset() {
    let app = TestApp::start().await;
    import_page(&app, "nev", PLAN).await;

    let r = app.get("/targets.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    let body = body
        .strip_prefix('\u{feff}')
        .expect("a BOM, so Excel reads UTF-8");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for h in [
        "文章",
        "发布时间",
        "指标",
        "数值",
        "单位",
        "比较",
        "类型",
        "力争",
        "原文",
        "链接",
    ] {
        assert!(headers.iter().any(|x| x == h), "no {h} in {headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[col("文章")] == PLAN_TITLE)
        .collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    // Published 10:21 in Shanghai (02:21 UTC), written as the site shows it.
    assert!(
        rows.iter()
            .all(|r| &r[col("发布时间")] == "2024-03-01 10:21")
    );
    let gdp = rows
        .iter()
        .find(|r| r[col("单位")].contains("万亿元"))
        .expect("the GDP target");
    assert_eq!(&gdp[col("比较")], "超过");
    assert_eq!(&gdp[col("类型")], "总量");
    assert_eq!(&gdp[col("力争")], "否");
    let growth = rows.iter().find(|r| &r[col("单位")] == "%").unwrap();
    assert_eq!(&growth[col("类型")], "增速");
    // No English words for the analyst.
    for r in &rows {
        for name in ["比较", "类型", "力争"] {
            assert!(
                !r[col(name)].chars().any(|c| c.is_ascii_alphabetic()),
                "{name}: {:?}",
                &r[col(name)]
            );
        }
    }

    // JSON keeps its English keys for programs; its times carry the site's offset.
    let json = targets_json(&app, "").await;
    let mine = rows_of(&json, PLAN_TITLE);
    assert_eq!(mine.len(), 5);
    for t in mine {
        assert_eq!(t["published_at"], "2024-03-01T10:21:00+08:00", "{t}");
        assert!(t["indicator"].is_string() && t["comparator"].is_string());
    }
    app.stop().await;
}

#[tokio::test]
async fn value_order_groups_units_and_folds_magnitudes() {
    let app = TestApp::start().await;
    import_page(&app, "nev", PLAN).await;

    let json = targets_json(&app, "?sort=value").await;
    let all = json["targets"].as_array().unwrap();
    // Each unit family is one run, largest value first within it.
    let mut seen = std::collections::HashSet::new();
    let mut last: Option<(&str, f64)> = None;
    for t in all {
        let family = t["unit_base"].as_str().unwrap();
        let value = t["value_base"].as_f64().unwrap();
        match last {
            Some((f, v)) if f == family => assert!(value <= v, "{value} after {v} in {family}"),
            _ => assert!(seen.insert(family), "unit family {family} in two runs"),
        }
        last = Some((family, value));
    }
    let mine = rows_of(&json, PLAN_TITLE);
    let units: Vec<&str> = mine.iter().map(|t| t["unit"].as_str().unwrap()).collect();
    let at = |u: &str| units.iter().position(|x| *x == u).unwrap();
    // 1.55万亿元 and 1400亿元 are both 元: adjacent, the larger first, whatever their magnitude.
    assert_eq!(at("万亿元") + 1, at("亿元"), "{units:?}");
    let gdp = mine[at("万亿元")];
    assert_eq!(gdp["unit_base"], "元");
    let trillion = gdp["value_base"].as_f64().unwrap();
    assert!((trillion - 1.55e12).abs() < 1.0, "{trillion}");
    let cars = mine[at("万辆")];
    assert_eq!(cars["unit_base"], "辆");
    assert_eq!(cars["value_base"].as_f64(), Some(1_200_000.0));

    // The page lists the same order: no percentage between the two 元 targets.
    let (status, doc) = app.page("/targets?sort=value").await;
    assert_eq!(status, StatusCode::OK);
    let cells = texts(&doc, ".targets-table tbody td:nth-child(2)");
    let trillion = cells.iter().position(|c| c.contains("1.55万亿元")).unwrap();
    let hundred_million = cells.iter().position(|c| c.contains("1400亿元")).unwrap();
    assert!(trillion < hundred_million, "{cells:?}");
    assert!(
        cells[trillion..hundred_million]
            .iter()
            .all(|c| !c.contains('%')),
        "{:?}",
        &cells[trillion..=hundred_million]
    );
    app.stop().await;
}

const REPEAT_TITLE: &str = "某省新能源汽车产业发展行动方案";
/// The summary restates a sentence of the text: two occurrences of one target.
const REPEAT: &str = "某省新能源汽车产业发展行动方案\n\n作者:\n来源:\n2024/03/02 09:00\n浏览量:\n\n\
主要目标：力争到2025年全省新能源汽车产量突破80万辆。\n\n\
一、发展目标\n力争到2025年全省新能源汽车产量突破80万辆，充电桩保有量达到20万个。\n";

#[tokio::test]
async fn a_target_stated_twice_by_one_document_is_one_row() {
    let app = TestApp::start().await;
    import_page(&app, "nev", REPEAT).await;

    let json = targets_json(&app, "").await;
    let mine = rows_of(&json, REPEAT_TITLE);
    let cars: Vec<_> = mine.iter().filter(|t| t["unit"] == "万辆").collect();
    assert_eq!(cars.len(), 1, "{mine:?}");
    assert_eq!(cars[0]["occurrences"], 2);
    assert_eq!(mine.len(), 2, "{mine:?}");
    // Counts follow the rows: the total is the rows listed.
    assert_eq!(
        json["total"].as_u64().unwrap() as usize,
        json["targets"].as_array().unwrap().len()
    );

    let (_, doc) = app.page("/targets?sector=新能源汽车").await;
    let rows: Vec<String> = texts(&doc, ".targets-table tbody tr")
        .into_iter()
        .filter(|r| r.contains(REPEAT_TITLE))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("文中 2 处")), "{rows:?}");

    // The article page still marks both clauses (its panel on, whatever type it is read as).
    crate::targets_corrections::panel_on(&app, REPEAT_TITLE).await;
    let (_, channel) = app.page("/channels/nev").await;
    let path = article_link(&channel, REPEAT_TITLE).expect("listed");
    let (_, article) = app.page(&path).await;
    let marks = texts(&article, ".article-body mark");
    assert_eq!(
        marks
            .iter()
            .filter(|m| m.contains("产量突破80万辆"))
            .count(),
        2,
        "{marks:?}"
    );
    assert_eq!(
        texts(
            &article,
            ".targets-panel table:not(.results-table) tbody tr"
        )
        .len(),
        3
    );
    app.stop().await;
}
