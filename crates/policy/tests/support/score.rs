//! A port of `shared/tools/score-targets` and the dev corpus around it, shared by
//! `tests/dev_set.rs` and `examples/score_corpus.rs` (each includes this file with `#[path]`).
//!
//! The scorer's rules are kept exactly: records need doc/start/end/value/unit (offsets are
//! integers, `end > start`; numbers may be JSON strings); `doc` is compared by file name; a
//! prediction matches a gold target when their spans overlap, value and value_max are equal
//! (relative and absolute tolerance 1e-9) and units are equal after NFKC + trim; matching is
//! greedy one-to-one, largest overlap first, ties by gold start, gold index, prediction start,
//! prediction index. A matched pair is strictly right when comparator, kind and aspirational
//! are equal (aspirational a boolean) and the indicators' char-level F1 (multiset of chars,
//! trimmed) is at least 0.7. With no predictions precision is 1 if there is no gold either;
//! likewise recall, strict precision and strict recall.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// The indicator char-level F1 a matched pair needs to count as strictly right.
pub const STRICT_INDICATOR_F1: f64 = 0.7;

/// One record, as the scorer reads it.
#[derive(Debug, Clone)]
pub struct Rec {
    pub doc: String,
    pub start: i64,
    pub end: i64,
    pub value: f64,
    pub value_max: Option<f64>,
    pub unit: String,
    pub unit_key: String,
    pub text: String,
    pub indicator: Value,
    pub comparator: Value,
    pub kind: Value,
    pub aspirational: Value,
    /// Not scored by the tool: the year the target is for (gold), or predicted.
    pub year: Option<i64>,
}

fn number(v: &Value, what: &str, at: &str) -> Result<f64, String> {
    let f = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("{at}: {what} must be a number, got {v}"))?;
    if f.is_finite() {
        Ok(f)
    } else {
        Err(format!("{at}: {what} must be a finite number"))
    }
}

fn offset(v: &Value, what: &str, at: &str) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        _ => None,
    }
    .ok_or_else(|| format!("{at}: {what} must be an integer character offset, got {v}"))?;
    if n < 0 {
        return Err(format!("{at}: {what} must not be negative"));
    }
    Ok(n)
}

/// Reads one JSON object as the tool does; `at` names it in errors.
pub fn record(v: &Value, at: &str) -> Result<Rec, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{at}: expected a JSON object"))?;
    let missing: Vec<&str> = ["doc", "start", "end", "value", "unit"]
        .into_iter()
        .filter(|k| !obj.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(format!("{at}: missing field(s) {}", missing.join(", ")));
    }
    let doc = obj["doc"]
        .as_str()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| format!("{at}: doc must be a non-empty string"))?;
    // os.path.basename after strip: the part after the last '/'.
    let doc = doc.rsplit('/').next().unwrap_or(doc).to_string();
    let start = offset(&obj["start"], "start", at)?;
    let end = offset(&obj["end"], "end", at)?;
    if end <= start {
        return Err(format!(
            "{at}: end ({end}) must be greater than start ({start})"
        ));
    }
    let unit = obj["unit"]
        .as_str()
        .ok_or_else(|| format!("{at}: unit must be a string"))?
        .to_string();
    let value_max = match obj.get("value_max") {
        None | Some(Value::Null) => None,
        Some(v) => Some(number(v, "value_max", at)?),
    };
    let field = |k: &str| obj.get(k).cloned().unwrap_or(Value::Null);
    Ok(Rec {
        doc,
        start,
        end,
        value: number(&obj["value"], "value", at)?,
        value_max,
        unit_key: unit.nfkc().collect::<String>().trim().to_string(),
        unit,
        text: obj
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        indicator: field("indicator"),
        comparator: field("comparator"),
        kind: field("kind"),
        aspirational: field("aspirational"),
        year: obj.get("year").and_then(Value::as_i64),
    })
}

/// Reads a JSON Lines file's text; blank lines are skipped, `name` labels errors.
pub fn records(jsonl: &str, name: &str) -> Result<Vec<Rec>, String> {
    let mut out = Vec::new();
    for (n, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{name} line {}", n + 1);
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("{at}: not valid JSON ({e})"))?;
        out.push(record(&v, &at)?);
    }
    Ok(out)
}

fn same_number(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        // math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        (Some(a), Some(b)) => (a - b).abs() <= (1e-9 * a.abs().max(b.abs())).max(1e-9),
        (None, None) => true,
        _ => false,
    }
}

/// Greedy one-to-one matching, largest overlap first; pairs `(gold, pred)` sorted.
pub fn match_records(gold: &[Rec], pred: &[Rec]) -> Vec<(usize, usize)> {
    let mut by_doc: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, p) in pred.iter().enumerate() {
        by_doc.entry(&p.doc).or_default().push(j);
    }
    let mut cands = Vec::new();
    for (i, g) in gold.iter().enumerate() {
        for &j in by_doc.get(g.doc.as_str()).into_iter().flatten() {
            let p = &pred[j];
            let overlap = g.end.min(p.end) - g.start.max(p.start);
            if overlap <= 0
                || !same_number(Some(g.value), Some(p.value))
                || !same_number(g.value_max, p.value_max)
                || g.unit_key != p.unit_key
            {
                continue;
            }
            cands.push((-overlap, g.start, i, p.start, j));
        }
    }
    cands.sort();
    let (mut gu, mut pu) = (vec![false; gold.len()], vec![false; pred.len()]);
    let mut pairs = Vec::new();
    for (_, _, i, _, j) in cands {
        if gu[i] || pu[j] {
            continue;
        }
        gu[i] = true;
        pu[j] = true;
        pairs.push((i, j));
    }
    pairs.sort();
    pairs
}

fn as_text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Character-level F1 over multisets of chars (the tool's `Counter` intersection).
pub fn char_f1(gold: &str, pred: &str) -> f64 {
    if gold.is_empty() && pred.is_empty() {
        return 1.0;
    }
    let mut counts: HashMap<char, i64> = HashMap::new();
    for c in gold.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let mut common = 0;
    for c in pred.chars() {
        let n = counts.entry(c).or_default();
        if *n > 0 {
            *n -= 1;
            common += 1;
        }
    }
    if common == 0 {
        return 0.0;
    }
    let p = f64::from(common) / pred.chars().count() as f64;
    let r = f64::from(common) / gold.chars().count() as f64;
    2.0 * p * r / (p + r)
}

/// Is the matched pair strictly right?
pub fn strictly_right(g: &Rec, p: &Rec) -> bool {
    g.comparator == p.comparator
        && g.kind == p.kind
        && g.aspirational == p.aspirational
        && p.aspirational.is_boolean()
        && char_f1(as_text(&g.indicator).trim(), as_text(&p.indicator).trim())
            >= STRICT_INDICATOR_F1
}

/// The tool's figures for one gold/prediction pair of record sets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    pub gold: usize,
    pub pred: usize,
    pub matched: usize,
    pub strict: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub strict_precision: f64,
    pub strict_recall: f64,
    pub strict_f1: f64,
    /// Matched pairs whose predicted `year` equals the gold one (not part of the tool).
    pub year_right: usize,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

fn ratio_or_empty(n: usize, d: usize, other_empty: bool) -> f64 {
    if d > 0 {
        n as f64 / d as f64
    } else {
        f64::from(u8::from(other_empty))
    }
}

/// Scores `pred` against `gold` (records of any number of documents: micro-averaged).
pub fn score(gold: &[Rec], pred: &[Rec]) -> Score {
    let pairs = match_records(gold, pred);
    let strict = pairs
        .iter()
        .filter(|&&(i, j)| strictly_right(&gold[i], &pred[j]))
        .count();
    let year_right = pairs
        .iter()
        .filter(|&&(i, j)| gold[i].year == pred[j].year)
        .count();
    let m = pairs.len();
    let precision = ratio_or_empty(m, pred.len(), gold.is_empty());
    let recall = ratio_or_empty(m, gold.len(), pred.is_empty());
    let sp = ratio_or_empty(strict, pred.len(), gold.is_empty());
    let sr = ratio_or_empty(strict, gold.len(), pred.is_empty());
    Score {
        gold: gold.len(),
        pred: pred.len(),
        matched: m,
        strict,
        precision,
        recall,
        f1: f1(precision, recall),
        strict_precision: sp,
        strict_recall: sr,
        strict_f1: f1(sp, sr),
        year_right,
    }
}

fn describe(r: &Rec) -> String {
    let range = r.value_max.map(|m| format!("~{m}")).unwrap_or_default();
    format!(
        "{} [{}:{}] {} | {} = {}{} {} {} {}{}",
        r.doc,
        r.start,
        r.end,
        r.text.replace('\n', "⏎"),
        as_text(&r.indicator),
        r.value,
        range,
        r.unit,
        r.comparator,
        r.kind,
        if r.aspirational == Value::Bool(true) {
            " aspirational"
        } else {
            ""
        }
    )
}

/// Misses, false positives and attribute mismatches, one line each (as the tool lists them).
pub fn differences(gold: &[Rec], pred: &[Rec]) -> Vec<String> {
    let pairs = match_records(gold, pred);
    let mut out = Vec::new();
    for (i, g) in gold.iter().enumerate() {
        if !pairs.iter().any(|&(gi, _)| gi == i) {
            out.push(format!("  - miss: {}", describe(g)));
        }
    }
    for (j, p) in pred.iter().enumerate() {
        if !pairs.iter().any(|&(_, pj)| pj == j) {
            out.push(format!("  + false positive: {}", describe(p)));
        }
    }
    for &(i, j) in &pairs {
        if !strictly_right(&gold[i], &pred[j]) {
            out.push(format!(
                "  * mismatch: {}\n      predicted {}",
                describe(&gold[i]),
                describe(&pred[j])
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The corpus: docs/NAME.txt, docs/NAME.meta.json, gold/NAME.jsonl.

/// What `docs/NAME.meta.json` says of a document.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DocMeta {
    pub title: String,
    pub kind: String,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub year: Option<u16>,
    #[serde(default)]
    pub first_year: Option<u16>,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub statistics: bool,
}

impl DocMeta {
    /// The year of `published` (2025-03-17 → 2025).
    pub fn published_year(&self) -> Option<u16> {
        self.published.as_deref()?.get(..4)?.parse().ok()
    }
}

/// One corpus document with its gold records.
#[derive(Debug, Clone)]
pub struct CorpusDoc {
    /// NAME (file stem).
    pub name: String,
    pub text: String,
    pub meta: DocMeta,
    pub gold: Vec<Rec>,
    /// The gold file's text, for validation.
    pub gold_jsonl: String,
}

impl CorpusDoc {
    /// The file name records carry in `doc`.
    pub fn file(&self) -> String {
        format!("{}.txt", self.name)
    }

    /// Is this document in the news group (by its meta kind)?
    pub fn is_news(&self) -> bool {
        self.meta.kind == "news"
    }
}

/// The corpus folder of this crate.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Loads every `docs/*.txt` of `dir` with its meta and gold, sorted by name. `Ok(None)` when
/// there is no `docs` folder.
pub fn load_corpus(dir: &Path) -> Result<Option<Vec<CorpusDoc>>, String> {
    let docs_dir = dir.join("docs");
    if !docs_dir.is_dir() {
        return Ok(None);
    }
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut names: Vec<String> = std::fs::read_dir(&docs_dir)
        .map_err(|e| format!("{}: {e}", docs_dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".txt")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let text = read(&docs_dir.join(format!("{name}.txt")))?;
        let meta_path = docs_dir.join(format!("{name}.meta.json"));
        let meta: DocMeta = serde_json::from_str(&read(&meta_path)?)
            .map_err(|e| format!("{}: {e}", meta_path.display()))?;
        let gold_path = dir.join("gold").join(format!("{name}.jsonl"));
        let gold_jsonl = read(&gold_path)?;
        let gold = records(&gold_jsonl, &format!("gold/{name}.jsonl"))?;
        out.push(CorpusDoc {
            name,
            text,
            meta,
            gold,
            gold_jsonl,
        });
    }
    Ok(Some(out))
}

/// What the crate makes of one corpus document.
pub struct Prediction {
    pub document: policy::Document,
    /// The targets as scorer records (doc = file name).
    pub records: Vec<Rec>,
    /// The same as JSON objects in the gold schema, for `score-targets`.
    pub json: Vec<Value>,
}

/// Runs `Document::analyze_with` on a corpus document, with its title and publication year.
pub fn predict(doc: &CorpusDoc) -> Prediction {
    let meta = policy::Meta {
        title: Some(&doc.meta.title),
        source: None,
        published_year: doc.meta.published_year(),
    };
    let document = policy::Document::analyze_with(&doc.text, &meta);
    let mut json = Vec::new();
    let mut recs = Vec::new();
    for t in &document.targets {
        let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("doc".into(), Value::String(doc.file()));
        }
        if let Ok(r) = record(&v, &doc.name) {
            recs.push(r);
        }
        json.push(v);
    }
    Prediction {
        document,
        records: recs,
        json,
    }
}

/// One document's line of the table.
pub struct Row {
    pub name: String,
    pub kind: String,
    pub statistics: bool,
    pub score: Score,
    pub results: usize,
    pub facts: Facts,
}

/// Which document facts agree with the meta file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    pub kind: bool,
    pub region: bool,
    pub issuer: bool,
    pub year: bool,
}

/// Compares a prediction's facts with the meta file.
pub fn facts(info: &policy::DocumentInfo, meta: &DocMeta) -> Facts {
    Facts {
        kind: info.kind.as_str() == meta.kind,
        region: info.region == meta.region,
        issuer: info.issuer == meta.issuer,
        // A news item has no plan year of its own (the annotators wrote the year it reports on),
        // so its year is not scored.
        year: meta.kind == "news" || info.year == meta.year,
    }
}

/// Everything the table and the floors need.
pub struct Evaluation {
    pub rows: Vec<Row>,
    /// Pooled (micro-averaged) over reports, plans, programmes and notices.
    pub policy: Score,
    /// Pooled over news.
    pub news: Score,
    pub predictions: Vec<(String, Vec<Value>)>,
}

/// Scores every document and the two groups.
pub fn evaluate(docs: &[CorpusDoc]) -> Evaluation {
    let (mut rows, mut predictions) = (Vec::new(), Vec::new());
    let (mut pg, mut pp, mut ng, mut np) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for doc in docs {
        let p = predict(doc);
        rows.push(Row {
            name: doc.name.clone(),
            kind: doc.meta.kind.clone(),
            statistics: doc.meta.statistics,
            score: score(&doc.gold, &p.records),
            results: p.document.results.len(),
            facts: facts(&p.document.info, &doc.meta),
        });
        let (g, pr) = if doc.is_news() {
            (&mut ng, &mut np)
        } else {
            (&mut pg, &mut pp)
        };
        g.extend(doc.gold.iter().cloned());
        pr.extend(p.records);
        predictions.push((doc.name.clone(), p.json));
    }
    Evaluation {
        rows,
        policy: score(&pg, &pp),
        news: score(&ng, &np),
        predictions,
    }
}

fn share(n: usize, d: usize) -> String {
    if d == 0 {
        "–".into()
    } else {
        format!("{:.2} ({n}/{d})", n as f64 / d as f64)
    }
}

/// The Markdown report: a line per document, the two groups, document facts.
pub fn markdown(e: &Evaluation) -> String {
    let mut s = String::from(
        "| doc | kind | gold | predicted | matched | detection F1 | strict F1 | target year | results |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &e.rows {
        let sc = &r.score;
        let (det, strict) = if r.statistics {
            // Statistics news holds no target: the count found is the score (must be 0).
            (format!("{} found (must be 0)", sc.pred), "–".to_string())
        } else {
            (format!("{:.3}", sc.f1), format!("{:.3}", sc.strict_f1))
        };
        let kind = if r.statistics {
            "news (statistics)"
        } else {
            r.kind.as_str()
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.name,
            kind,
            sc.gold,
            sc.pred,
            sc.matched,
            det,
            strict,
            share(sc.year_right, sc.matched),
            r.results
        ));
    }
    s.push_str("\n| group | docs | gold | predicted | matched | P | R | detection F1 | strict P | strict R | strict F1 | target year |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (label, sc, news) in [
        ("reports, plans, programmes, notices", &e.policy, false),
        ("news", &e.news, true),
    ] {
        let n = e.rows.iter().filter(|r| (r.kind == "news") == news).count();
        s.push_str(&format!(
            "| {label} | {n} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {} |\n",
            sc.gold,
            sc.pred,
            sc.matched,
            sc.precision,
            sc.recall,
            sc.f1,
            sc.strict_precision,
            sc.strict_recall,
            sc.strict_f1,
            share(sc.year_right, sc.matched)
        ));
    }
    s.push_str("\n| document facts vs meta.json | kind | region | issuer | year |\n|---|---:|---:|---:|---:|\n");
    for (label, news) in [
        ("reports, plans, programmes, notices", Some(false)),
        ("news", Some(true)),
        ("all", None),
    ] {
        let rows: Vec<&Row> = e
            .rows
            .iter()
            .filter(|r| news.is_none_or(|n| (r.kind == "news") == n))
            .collect();
        let count = |f: fn(&Facts) -> bool| rows.iter().filter(|r| f(&r.facts)).count();
        s.push_str(&format!(
            "| {label} | {} | {} | {} | {} |\n",
            share(count(|f| f.kind), rows.len()),
            share(count(|f| f.region), rows.len()),
            share(count(|f| f.issuer), rows.len()),
            share(count(|f| f.year), rows.len()),
        ));
    }
    s
}

/// The accuracy of one fact over a group of rows.
pub fn fact_accuracy(rows: &[Row], field: &str) -> Option<f64> {
    let pick = |f: &Facts| match field {
        "kind" => Some(f.kind),
        "region" => Some(f.region),
        "issuer" => Some(f.issuer),
        "year" => Some(f.year),
        _ => None,
    };
    if rows.is_empty() {
        return Some(1.0);
    }
    let right = rows
        .iter()
        .map(|r| pick(&r.facts))
        .collect::<Option<Vec<bool>>>()?
        .into_iter()
        .filter(|&b| b)
        .count();
    Some(right as f64 / rows.len() as f64)
}

// ---------------------------------------------------------------------------------------------
// Floors: `tests/corpus/floors.txt`.

/// One floor line.
#[derive(Debug, Clone, PartialEq)]
pub enum Floor {
    /// `group policy|news DETECTION STRICT`
    Group {
        news: bool,
        detection: f64,
        strict: f64,
    },
    /// `doc NAME DETECTION STRICT`
    Doc {
        name: String,
        detection: f64,
        strict: f64,
    },
    /// `facts kind|region|issuer|year ACCURACY` over all documents.
    Facts { field: String, accuracy: f64 },
    /// `statistics-max N`: the most targets a statistics news item may yield.
    StatisticsMax(usize),
}

/// Parses the floors file: one floor a line, `#` comments.
pub fn parse_floors(text: &str) -> Result<Vec<Floor>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("floors line {}: cannot read {line:?}", n + 1);
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
        out.push(match f.as_slice() {
            ["group", g @ ("policy" | "news"), d, s] => Floor::Group {
                news: *g == "news",
                detection: num(d)?,
                strict: num(s)?,
            },
            ["doc", name, d, s] => Floor::Doc {
                name: (*name).to_string(),
                detection: num(d)?,
                strict: num(s)?,
            },
            ["facts", field @ ("kind" | "region" | "issuer" | "year"), a] => Floor::Facts {
                field: (*field).to_string(),
                accuracy: num(a)?,
            },
            ["statistics-max", m] => Floor::StatisticsMax(m.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        });
    }
    Ok(out)
}

/// Every floor the evaluation falls below, named.
pub fn check_floors(e: &Evaluation, floors: &[Floor]) -> Vec<String> {
    let mut failures = Vec::new();
    for floor in floors {
        match floor {
            Floor::Group {
                news,
                detection,
                strict,
            } => {
                let (sc, label) = if *news {
                    (&e.news, "news")
                } else {
                    (&e.policy, "policy")
                };
                if sc.f1 < *detection || sc.strict_f1 < *strict {
                    failures.push(format!(
                        "group {label}: detection F1 {:.3} (floor {detection:.3}), strict F1 {:.3} (floor {strict:.3})",
                        sc.f1, sc.strict_f1
                    ));
                }
            }
            Floor::Doc {
                name,
                detection,
                strict,
            } => match e.rows.iter().find(|r| &r.name == name) {
                None => failures.push(format!("doc {name}: has a floor but is not in the corpus")),
                Some(r) if r.score.f1 < *detection || r.score.strict_f1 < *strict => {
                    failures.push(format!(
                        "doc {name}: detection F1 {:.3} (floor {detection:.3}), strict F1 {:.3} (floor {strict:.3})",
                        r.score.f1, r.score.strict_f1
                    ))
                }
                Some(_) => {}
            },
            Floor::Facts { field, accuracy } => {
                let got = fact_accuracy(&e.rows, field).unwrap_or(0.0);
                if got < *accuracy {
                    let wrong: Vec<&str> = e
                        .rows
                        .iter()
                        .filter(|r| !fact_accuracy(std::slice::from_ref(*r), field).is_some_and(|a| a > 0.5))
                        .map(|r| r.name.as_str())
                        .collect();
                    failures.push(format!(
                        "facts {field}: accuracy {got:.3} (floor {accuracy:.3}); wrong in {}",
                        wrong.join(", ")
                    ));
                }
            }
            Floor::StatisticsMax(max) => {
                for r in e.rows.iter().filter(|r| r.statistics && r.score.pred > *max) {
                    failures.push(format!(
                        "doc {}: statistics news, {} targets found (at most {max})",
                        r.name, r.score.pred
                    ));
                }
            }
        }
    }
    failures
}

// ---------------------------------------------------------------------------------------------
// Gold validation.

const COMPARATORS: [&str; 6] = ["gt", "ge", "approx", "le", "range", "eq"];
const KINDS: [&str; 4] = ["growth", "increment", "level", "share"];

/// Problems with a document's gold file and meta, one line each.
pub fn validate(doc: &CorpusDoc) -> Vec<String> {
    let mut problems = Vec::new();
    if policy::DocKind::parse(&doc.meta.kind).is_none() {
        problems.push(format!(
            "{}: meta kind {:?} is not a kind",
            doc.name, doc.meta.kind
        ));
    }
    if doc.meta.title.trim().is_empty() {
        problems.push(format!("{}: meta has no title", doc.name));
    }
    let chars: Vec<char> = doc.text.chars().collect();
    for (n, line) in doc.gold_jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("gold/{}.jsonl line {}", doc.name, n + 1);
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            problems.push(format!("{at}: not JSON"));
            continue;
        };
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        if s("doc") != Some(doc.file().as_str()) {
            problems.push(format!("{at}: doc is not {:?}", doc.file()));
        }
        let (start, end) = (
            v.get("start").and_then(Value::as_u64),
            v.get("end").and_then(Value::as_u64),
        );
        match (start, end, s("text")) {
            (Some(a), Some(b), Some(t)) if a < b && (b as usize) <= chars.len() => {
                let slice: String = chars[a as usize..b as usize].iter().collect();
                if slice != t {
                    problems.push(format!("{at}: source[{a}:{b}] is {slice:?}, text is {t:?}"));
                }
            }
            _ => problems.push(format!("{at}: start/end/text missing or out of the text")),
        }
        if s("indicator").is_none_or(|i| i.trim().is_empty()) {
            problems.push(format!("{at}: indicator missing"));
        }
        if !v.get("value").is_some_and(Value::is_number) {
            problems.push(format!("{at}: value is not a number"));
        }
        if s("unit").is_none() {
            problems.push(format!("{at}: unit is not a string"));
        }
        let comparator = s("comparator").unwrap_or_default();
        if !COMPARATORS.contains(&comparator) {
            problems.push(format!("{at}: comparator {comparator:?}"));
        }
        let has_max = v.get("value_max").is_some_and(|m| !m.is_null());
        if has_max != (comparator == "range") || (has_max && !v["value_max"].is_number()) {
            problems.push(format!(
                "{at}: value_max goes with comparator range, and only with it"
            ));
        }
        if !KINDS.contains(&s("kind").unwrap_or_default()) {
            problems.push(format!("{at}: kind {:?}", v.get("kind")));
        }
        if !v.get("aspirational").is_some_and(Value::is_boolean) {
            problems.push(format!("{at}: aspirational is not a boolean"));
        }
        if v.get("year").is_some_and(|y| !y.is_null() && !y.is_u64()) {
            problems.push(format!("{at}: year is not a year"));
        }
    }
    problems
}
