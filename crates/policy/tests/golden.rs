//! Golden tests on report excerpts written for this crate (a province's energy section with a
//! review part, a city's agriculture and livelihood section, a city's industry, science,
//! tourism and trade section). They keep the rules general: none of their sentences is in the
//! dev set. Each `.expected` line is
//! `text|indicator|value|value_max|unit|comparator|kind|aspirational`, annotated from
//! `TARGETS-SCHEMA.md` before the extractor was run on them.

use policy::{Document, Target};

struct Expected {
    text: String,
    indicator: String,
    value: f64,
    value_max: Option<f64>,
    unit: String,
    comparator: String,
    kind: String,
    aspirational: bool,
}

fn parse(expected: &str) -> Vec<Expected> {
    expected
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            assert_eq!(f.len(), 8, "bad expected line {l}");
            Expected {
                text: f[0].into(),
                indicator: f[1].into(),
                value: f[2].parse().expect("value"),
                value_max: (!f[3].is_empty()).then(|| f[3].parse().expect("value_max")),
                unit: f[4].into(),
                comparator: f[5].into(),
                kind: f[6].into(),
                aspirational: f[7] == "true",
            }
        })
        .collect()
}

fn name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .expect("serializable")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn describe(t: &Target) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}",
        t.text,
        t.indicator,
        t.value,
        t.value_max.map(|v| v.to_string()).unwrap_or_default(),
        t.unit,
        name(t.comparator),
        name(t.kind),
        t.aspirational
    )
}

fn check(text: &str, expected: &str) {
    let got = policy::extract(text);
    let want = parse(expected);
    let mut problems = Vec::new();
    for w in &want {
        match got
            .iter()
            .find(|t| t.text == w.text && t.value == w.value && t.unit == w.unit)
        {
            None => problems.push(format!("missing: {}", w.text)),
            Some(t) => {
                let same = t.indicator == w.indicator
                    && t.value_max == w.value_max
                    && name(t.comparator) == w.comparator
                    && name(t.kind) == w.kind
                    && t.aspirational == w.aspirational;
                if !same {
                    problems.push(format!(
                        "wrong: {}\n   want {}|{}|{}|{}|{}\n   got  {}",
                        w.text,
                        w.indicator,
                        w.value_max.map(|v| v.to_string()).unwrap_or_default(),
                        w.comparator,
                        w.kind,
                        w.aspirational,
                        describe(t)
                    ));
                }
            }
        }
    }
    for t in &got {
        if !want
            .iter()
            .any(|w| t.text == w.text && t.value == w.value && t.unit == w.unit)
        {
            problems.push(format!("unexpected: {}", describe(t)));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn province_energy_2025() {
    let text = include_str!("fixtures/golden/province-energy-2025.txt");
    check(
        text,
        include_str!("fixtures/golden/province-energy-2025.expected"),
    );
    let doc = Document::analyze(text);
    assert_eq!(doc.info.region.as_deref(), Some("某某省"));
    assert_eq!(doc.info.year, Some(2025));
}

#[test]
fn city_agriculture_livelihood_2024() {
    let text = include_str!("fixtures/golden/city-agriculture-livelihood-2024.txt");
    check(
        text,
        include_str!("fixtures/golden/city-agriculture-livelihood-2024.expected"),
    );
    assert_eq!(policy::document_info(text).year, Some(2024));
}

#[test]
fn city_industry_2025() {
    let text = include_str!("fixtures/golden/city-industry-2025.txt");
    check(
        text,
        include_str!("fixtures/golden/city-industry-2025.expected"),
    );
}

#[test]
fn seed_document_info() {
    let info = policy::document_info(include_str!("fixtures/seed-article-hefei-nev-2024.txt"));
    assert_eq!(info.region.as_deref(), Some("合肥市"));
    assert_eq!(info.year, Some(2024));
}
