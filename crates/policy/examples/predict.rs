//! Writes the targets of one text file as JSON Lines in the gold schema (`doc` = file name),
//! for `score-targets`:
//!
//! ```text
//! cargo run -p policy --example predict -- path/to/report.txt > pred.jsonl
//! ```

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: predict FILE.txt")?;
    let text = std::fs::read_to_string(&path)?;
    let doc = std::path::Path::new(&path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(&path)
        .to_string();
    let mut out = std::io::stdout().lock();
    for t in policy::extract(&text) {
        let mut v = serde_json::to_value(&t)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("doc".into(), serde_json::Value::String(doc.clone()));
        }
        writeln!(out, "{}", serde_json::to_string(&v)?)?;
    }
    Ok(())
}
