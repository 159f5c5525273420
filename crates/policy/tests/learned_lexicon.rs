//! The checked-in lexicon of lead words is what `examples/learn_lexicon` derives from the gold
//! files: rerun the program after the annotations change.

#[path = "../examples/learn_lexicon/derive.rs"]
mod derive;

#[test]
fn leading_words_file_is_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let derived = derive::derive_from(dir).expect("gold files readable");
    let file = std::fs::read_to_string(dir.join("src/data/leading-words.txt")).expect("file");
    assert!(
        derived == file,
        "src/data/leading-words.txt is stale: run `cargo run -p policy --example learn_lexicon`"
    );
}
