//! Scores the dev corpus (`tests/corpus`): a Markdown table per document (kind, gold targets,
//! predicted, detection and strict F1 as `score-targets` computes them, the targets found in
//! statistics news, results found), totals for policy documents and for news (pooled), and
//! document facts against `meta.json`:
//!
//! ```text
//! cargo run -p policy --release --example score_corpus [-- --json OUT_DIR] [--corpus DIR] [--diff]
//! ```
//!
//! `--json OUT_DIR` writes `OUT_DIR/NAME.jsonl`, the predictions of each document in the gold
//! schema, for cross-checking with `score-targets gold/NAME.jsonl OUT_DIR/NAME.jsonl`.
//! `--diff` lists each document's misses, false positives and attribute mismatches.

#[allow(
    dead_code,
    reason = "shared with tests/dev_set.rs, which uses other parts"
)]
#[path = "../tests/support/score.rs"]
mod score;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut json_dir: Option<PathBuf> = None;
    let mut corpus = score::corpus_dir();
    let mut diff = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json_dir = Some(args.next().ok_or("--json needs a folder")?.into()),
            "--corpus" => corpus = args.next().ok_or("--corpus needs a folder")?.into(),
            "--diff" => diff = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let docs = score::load_corpus(&corpus)?
        .ok_or_else(|| format!("no docs folder in {}", corpus.display()))?;
    let e = score::evaluate(&docs);
    println!("{}", score::markdown(&e));
    if diff {
        for doc in &docs {
            let p = score::predict(doc);
            let lines = score::differences(&doc.gold, &p.records);
            if !lines.is_empty() {
                println!("\n### {}\n", doc.name);
                for l in lines {
                    println!("{l}");
                }
            }
            let info = &p.document.info;
            let m = &doc.meta;
            if info.kind.as_str() != m.kind
                || info.region != m.region
                || info.issuer != m.issuer
                || info.year != m.year
            {
                println!(
                    "\n{} facts: kind {} / {}, region {:?} / {:?}, issuer {:?} / {:?}, year {:?}-{:?} / {:?}-{:?} (found / meta)",
                    doc.name,
                    info.kind.as_str(),
                    m.kind,
                    info.region,
                    m.region,
                    info.issuer,
                    m.issuer,
                    info.first_year,
                    info.year,
                    m.first_year,
                    m.year
                );
            }
        }
    }
    if let Some(dir) = json_dir {
        std::fs::create_dir_all(&dir)?;
        for (name, preds) in &e.predictions {
            let lines: Vec<String> = preds.iter().map(|v| format!("{v}\n")).collect();
            std::fs::write(dir.join(format!("{name}.jsonl")), lines.concat())?;
        }
        eprintln!("predictions written to {}", dir.display());
    }
    Ok(())
}
