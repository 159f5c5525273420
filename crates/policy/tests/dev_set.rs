//! The dev set: the seed article and the corpus under `tests/corpus`, scored with a port of
//! `shared/tools/score-targets` (`support/score.rs`, shared with `examples/score_corpus.rs`).
//!
//! Floors sit a hair below the scores reached, so a regression fails the test: the seed's are
//! below, the corpus's are in `tests/corpus/floors.txt` (per group, per document, per document
//! fact). `cargo run --release -p policy --example score_corpus` prints the full table.

#[allow(
    dead_code,
    reason = "shared with the score_corpus example, which uses other parts"
)]
#[path = "support/score.rs"]
mod score;

use score::{Rec, char_f1, match_records, records};

const SEED: &str = include_str!("fixtures/seed-article-hefei-nev-2024.txt");
const GOLD: &str = include_str!("fixtures/seed-targets.gold.jsonl");
const DOC: &str = "seed-article-hefei-nev-2024.txt";

const DETECTION_F1_FLOOR: f64 = 0.995;
const STRICT_F1_FLOOR: f64 = 0.995;

fn gold() -> Vec<Rec> {
    records(GOLD, "seed gold").expect("seed gold is valid")
}

fn predictions(text: &str, doc: &str) -> Vec<Rec> {
    let lines: Vec<String> = policy::extract(text)
        .iter()
        .map(|t| {
            let mut v = serde_json::to_value(t).expect("serializable");
            v["doc"] = serde_json::Value::String(doc.to_string());
            v.to_string()
        })
        .collect();
    records(&lines.join("\n"), "predictions").expect("predictions are valid records")
}

#[test]
fn gold_offsets_are_char_offsets() {
    let chars: Vec<char> = SEED.chars().collect();
    for g in gold() {
        let slice: String = chars[g.start as usize..g.end as usize].iter().collect();
        assert_eq!(slice, g.text);
    }
}

#[test]
fn dev_set_scores_at_or_above_floor() {
    let gold = gold();
    let pred = predictions(SEED, DOC);
    let s = score::score(&gold, &pred);
    for line in score::differences(&gold, &pred) {
        eprintln!("{line}");
    }
    eprintln!(
        "detection P {:.3} R {:.3} F1 {:.3}; strict F1 {:.3}",
        s.precision, s.recall, s.f1, s.strict_f1
    );
    assert!(
        s.f1 >= DETECTION_F1_FLOOR,
        "detection F1 {:.3} below floor",
        s.f1
    );
    assert!(
        s.strict_f1 >= STRICT_F1_FLOOR,
        "strict F1 {:.3} below floor",
        s.strict_f1
    );
}

#[test]
fn predicted_spans_slice_the_text() {
    let chars: Vec<char> = SEED.chars().collect();
    for t in policy::extract(SEED) {
        let slice: String = chars[t.start..t.end].iter().collect();
        assert_eq!(slice, t.text);
        assert_eq!(&SEED[t.byte_range(SEED)], t.text);
    }
}

#[test]
fn scorer_port_agrees_with_itself_on_gold() {
    let gold = gold();
    let s = score::score(&gold, &gold);
    assert!((s.f1 - 1.0).abs() < 1e-12 && (s.strict_f1 - 1.0).abs() < 1e-12);
    assert!(
        (char_f1("规上工业“智改数转网联”", "规上工业动态“智改数转网联”") - 12.0 / 13.0).abs()
            < 1e-9
    );
}

/// Figures worked out by hand on two made-up documents, as `score-targets` computes them.
#[test]
fn scorer_port_follows_the_tool_on_a_toy_corpus() {
    let gold = records(
        r#"{"doc": "a.txt", "start": 0, "end": 8, "text": "新增充电桩100个", "indicator": "充电桩", "value": 100, "unit": "个", "comparator": "eq", "kind": "increment", "aspirational": false}
{"doc": "a.txt", "start": 10, "end": 20, "text": "力争产量突破120万辆", "indicator": "产量", "value": 120, "unit": "万辆", "comparator": "gt", "kind": "level", "aspirational": true}
{"doc": "dir/b.txt", "start": 0, "end": 6, "text": "增长6%左右", "indicator": "地区生产总值", "value": 6, "unit": "%", "comparator": "approx", "kind": "growth", "aspirational": false}
{"doc": "b.txt", "start": 7, "end": 12, "text": "新增1~2家", "indicator": "千亿企业", "value": 1, "value_max": 2, "unit": "家", "comparator": "range", "kind": "increment", "aspirational": false}"#,
        "toy gold",
    )
    .expect("toy gold");
    let pred = records(
        // a: exact; a: overlapping, right value, hedge lost (not strict); a: a false positive;
        // b: 6 in full-width % (NFKC-equal) with an indicator of char F1 0.8; b: value_max 3.
        r#"{"doc": "a.txt", "start": 2, "end": 8, "indicator": "充电桩", "value": "100", "unit": " 个", "comparator": "eq", "kind": "increment", "aspirational": false}
{"doc": "a.txt", "start": 12, "end": 20, "indicator": "产量", "value": 120.0, "unit": "万辆", "comparator": "gt", "kind": "level", "aspirational": false}
{"doc": "a.txt", "start": 30, "end": 33, "indicator": "x", "value": 5, "unit": "个", "comparator": "eq", "kind": "level", "aspirational": false}
{"doc": "b.txt", "start": 0, "end": 4, "indicator": "地区生产总", "value": 6, "unit": "％", "comparator": "approx", "kind": "growth", "aspirational": false}
{"doc": "b.txt", "start": 7, "end": 12, "indicator": "千亿企业", "value": 1, "value_max": 3, "unit": "家", "comparator": "range", "kind": "increment", "aspirational": false}"#,
        "toy predictions",
    )
    .expect("toy predictions");
    let s = score::score(&gold, &pred);
    assert_eq!((s.gold, s.pred, s.matched, s.strict), (4, 5, 3, 2));
    assert!((s.precision - 0.6).abs() < 1e-12 && (s.recall - 0.75).abs() < 1e-12);
    assert!((s.f1 - 2.0 * 0.6 * 0.75 / 1.35).abs() < 1e-12);
    assert!((s.strict_f1 - 2.0 * 0.4 * 0.5 / 0.9).abs() < 1e-12);
    assert_eq!(match_records(&gold, &pred), vec![(0, 0), (1, 1), (2, 3)]);
    // Nothing predicted and nothing to find is a perfect score; something predicted is not.
    let none = score::score(&[], &[]);
    assert_eq!((none.f1, none.strict_f1), (1.0, 1.0));
    let fp = score::score(&[], &pred[..1]);
    assert_eq!((fp.precision, fp.recall, fp.f1), (0.0, 0.0, 0.0));
    // Malformed records are refused with the line named.
    let err = records(
        "{\"doc\": \"a.txt\", \"start\": 3, \"end\": 3, \"value\": 1, \"unit\": \"个\"}",
        "p",
    )
    .expect_err("end must exceed start");
    assert!(err.contains("p line 1") && err.contains("end (3)"), "{err}");
    assert!(records("{\"doc\": \"a.txt\"}", "p").is_err());
}

/// A corpus written to a temp folder: loading, validation, evaluation and floors.
#[test]
fn corpus_machinery_on_a_toy_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let docs = dir.join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::create_dir_all(dir.join("gold")).unwrap();
    std::fs::write(docs.join("p.txt"), "到2027年，新增充电桩100个。").unwrap();
    std::fs::write(
        docs.join("p.meta.json"),
        r#"{"title": "某某市充电设施实施方案", "kind": "programme", "issuer": null, "region": "某某市", "year": 2027, "first_year": null, "published": "2024-05-01", "statistics": false}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("gold/p.jsonl"),
        r#"{"doc": "p.txt", "start": 7, "end": 16, "text": "新增充电桩100个", "indicator": "充电桩", "value": 100, "unit": "个", "comparator": "eq", "kind": "increment", "aspirational": false, "year": 2027}"#,
    )
    .unwrap();
    std::fs::write(docs.join("s.txt"), "1至10月，全国发电量增长5%。").unwrap();
    std::fs::write(
        docs.join("s.meta.json"),
        r#"{"title": "统计局：1至10月发电量增长5%", "kind": "news", "statistics": true}"#,
    )
    .unwrap();
    std::fs::write(dir.join("gold/s.jsonl"), "").unwrap();

    let corpus = score::load_corpus(&dir).unwrap().expect("a corpus");
    assert_eq!(corpus.len(), 2);
    for doc in &corpus {
        assert_eq!(score::validate(doc), Vec::<String>::new());
    }
    let e = score::evaluate(&corpus);
    assert_eq!(e.rows[0].name, "p");
    assert_eq!((e.policy.gold, e.news.gold), (1, 0));
    let table = score::markdown(&e);
    assert!(table.contains("| p | programme | 1 |"), "{table}");
    assert!(table.contains("news (statistics)"), "{table}");

    let floors =
        score::parse_floors("group policy 2.0 0 # impossible\ndoc p 0 0\nstatistics-max 0\n")
            .unwrap();
    let failures = score::check_floors(&e, &floors);
    assert!(failures[0].starts_with("group policy"), "{failures:?}");
    assert!(score::parse_floors("doc p high 0").is_err());
    assert!(
        score::check_floors(
            &e,
            &[score::Floor::Doc {
                name: "gone".into(),
                detection: 0.0,
                strict: 0.0
            }]
        )[0]
        .contains("gone")
    );

    // A gold span that does not slice the text is reported.
    let mut bad = corpus[0].clone();
    bad.gold_jsonl = bad.gold_jsonl.replace("\"start\": 7", "\"start\": 6");
    assert!(
        score::validate(&bad)
            .iter()
            .any(|p| p.contains("source[6:16]"))
    );
}

#[test]
fn corpus_gold_and_meta_are_valid() {
    let Some(corpus) = score::load_corpus(&score::corpus_dir()).expect("corpus readable") else {
        eprintln!("note: no corpus under tests/corpus yet; nothing to validate");
        return;
    };
    let problems: Vec<String> = corpus.iter().flat_map(score::validate).collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn corpus_scores_at_or_above_floors() {
    let dir = score::corpus_dir();
    let Some(corpus) = score::load_corpus(&dir).expect("corpus readable") else {
        eprintln!("note: no corpus under tests/corpus yet; only the seed is scored");
        return;
    };
    let floors_text =
        std::fs::read_to_string(dir.join("floors.txt")).expect("tests/corpus/floors.txt");
    let floors = score::parse_floors(&floors_text).expect("floors readable");
    let e = score::evaluate(&corpus);
    eprintln!("{}", score::markdown(&e));
    let failures = score::check_floors(&e, &floors);
    assert!(
        failures.is_empty(),
        "the corpus fell below its floors (tests/corpus/floors.txt):\n{}",
        failures.join("\n")
    );
}
