//! Learns the lead words the extractor cuts off an indicator (hedges, verbs, frames) from the
//! annotated targets and writes `src/data/leading-words.txt`:
//!
//! ```text
//! cargo run -p policy --example learn_lexicon
//! ```
//!
//! The `learned_lexicon` test fails when the file is not what this program writes.

mod derive;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = derive::derive_from(dir)?;
    std::fs::write(dir.join("src/data/leading-words.txt"), out)
}
