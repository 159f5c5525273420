//! What a reader typed, turned safely into a tantivy query.
//!
//! User text never reaches tantivy's `QueryParser`, whose syntax (`AND`, `:`, `^`, `~`, `*`, field
//! names, ranges) would turn a typo into an error or an expensive query. Instead the text is read
//! here with a tiny grammar of our own: `"…"` (or “…”, 「…」) is a phrase, everything else is words,
//! every word and phrase must occur (AND). Punctuation and operators are just dropped, an unbalanced
//! quote reads as plain words, and the input is cut to [`MAX_QUERY_CHARS`] characters and
//! [`MAX_CLAUSES`] words and phrases, so any input gives a query of bounded cost.
//!
//! The words come from jieba's default cut of the query, and each is matched as an indexed word,
//! not as characters. Because the index cuts documents in search mode with character positions (see
//! [`super::tokenizer`]), a query word that the document's context cut differently is still found
//! as the phrase of the dictionary words inside it.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::tokenizer::{query_words, sub_words};

/// Longer input is cut to this many characters; no real query is longer.
pub const MAX_QUERY_CHARS: usize = 100;
/// At most this many words and phrases are kept, bounding the cost of one query.
pub const MAX_CLAUSES: usize = 16;

/// A word with its character offset inside its phrase.
pub type PositionedWord = (usize, String);

/// A reader's query, parsed: words and phrases that must all occur.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Words that must each occur somewhere in the article.
    pub words: Vec<String>,
    /// Phrases that must occur as written: their words with character offsets.
    pub phrases: Vec<Vec<PositionedWord>>,
    /// Runs typed without spaces that jieba cut into several words (充换电网络 → 充换, 电, 网络):
    /// each word is required on its own, and documents holding them side by side as typed rank
    /// higher.
    pub runs: Vec<Vec<PositionedWord>>,
    /// Whether the input was cut (too long, or too many words).
    pub truncated: bool,
}

/// The text fields a query searches, with how much a match in each counts.
#[derive(Debug, Clone, Copy)]
pub struct TextFields {
    /// Headline.
    pub title: Field,
    /// Summary.
    pub summary: Field,
    /// Body text.
    pub body: Field,
    /// Tag names.
    pub tags: Field,
    /// Channel name.
    pub channel_name: Field,
}

impl TextFields {
    /// Fields matched word by word, with their boosts: a word in the headline counts most, one
    /// in a long body least (BM25 already favours short bodies that mention a word in passing).
    fn weighted(&self) -> [(Field, f32); 5] {
        [
            (self.title, 5.0),
            (self.tags, 2.0),
            (self.summary, 2.0),
            (self.body, 0.7),
            (self.channel_name, 1.0),
        ]
    }

    /// Fields whose positions are indexed, where phrases can be matched.
    fn positional(&self) -> [(Field, f32); 3] {
        [(self.title, 5.0), (self.summary, 2.0), (self.body, 0.7)]
    }
}

/// Quote characters that open and close a phrase; Chinese input methods type the curly ones.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '＂' | '「' | '」' | '『' | '』')
}

/// Query-syntax words readers carry over from other engines; AND is what we do anyway.
fn is_operator(word: &str) -> bool {
    matches!(word, "AND" | "OR" | "NOT" | "&&" | "||")
}

impl ParsedQuery {
    /// Reads a reader's input; never fails (see the module docs).
    pub fn parse(input: &str) -> Self {
        let mut parsed = Self::default();
        let mut text: String = input.chars().take(MAX_QUERY_CHARS).collect();
        if text.len() < input.len() {
            parsed.truncated = true;
        }
        text = text.replace(is_quote, "\"");
        let parts: Vec<&str> = text.split('"').collect();
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            // Odd parts are between quotes, except a last one whose quote was never closed.
            let quoted = i % 2 == 1 && !(i == last && parts.len() % 2 == 0);
            if quoted {
                parsed.add_phrase(part);
            } else {
                for chunk in part.split_whitespace().filter(|w| !is_operator(w)) {
                    let words = query_words(chunk);
                    if words.len() > 1 && parsed.runs.len() < MAX_CLAUSES {
                        let base = words[0].0;
                        parsed
                            .runs
                            .push(words.iter().map(|(p, w)| (p - base, w.clone())).collect());
                    }
                    for (_, word) in words {
                        parsed.add_word(word);
                    }
                }
            }
        }
        parsed
    }

    /// Every word of the query, from words and phrases alike (lower-cased, as indexed).
    pub fn all_words(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .chain(self.phrases.iter().flatten().map(|(_, w)| w))
            .map(String::as_str)
    }

    /// Whether nothing searchable was typed.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    fn clauses(&self) -> usize {
        self.words.len() + self.phrases.len()
    }

    fn add_word(&mut self, word: String) {
        if self.words.contains(&word) {
            return;
        }
        if self.clauses() >= MAX_CLAUSES {
            self.truncated = true;
            return;
        }
        self.words.push(word);
    }

    fn add_phrase(&mut self, text: &str) {
        let mut words = query_words(text);
        match words.len() {
            0 => {}
            1 => {
                if let Some((_, w)) = words.pop() {
                    self.add_word(w);
                }
            }
            _ => {
                let base = words[0].0;
                let words: Vec<PositionedWord> =
                    words.into_iter().map(|(p, w)| (p - base, w)).collect();
                if self.phrases.contains(&words) {
                    return;
                }
                if self.clauses() >= MAX_CLAUSES {
                    self.truncated = true;
                    return;
                }
                self.phrases.push(words);
            }
        }
    }

    /// The tantivy query: every word and phrase required, each matched in any of `fields`.
    /// `None` when nothing searchable was typed.
    pub fn to_query(&self, fields: &TextFields) -> Option<Box<dyn Query>> {
        if self.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &self.words {
            clauses.push((Occur::Must, word_query(word, fields)));
        }
        for phrase in &self.phrases {
            clauses.push((Occur::Must, phrase_clause(phrase, fields)));
        }
        for run in &self.runs {
            clauses.push((Occur::Should, phrase_clause(run, fields)));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// Splits a word into consecutive dictionary words inside it, longest first from each point
/// (新能源汽车 → 新能源, 汽车); the word alone when it has no such split.
pub fn finest(word: &str) -> Vec<PositionedWord> {
    let parts = sub_words(word);
    let len = word.chars().count();
    let mut out = Vec::new();
    let mut at = 0;
    while at < len {
        let Some(next) = parts
            .iter()
            .filter(|(p, _)| *p == at)
            .max_by_key(|(_, w)| w.chars().count())
        else {
            return vec![(0, word.to_string())];
        };
        at += next.1.chars().count();
        out.push(next.clone());
    }
    if out.len() < 2 {
        return vec![(0, word.to_string())];
    }
    out
}

/// One word, in any field; also as the phrase of its parts, for documents cut differently.
fn word_query(word: &str, fields: &TextFields) -> Box<dyn Query> {
    let mut should: Vec<(Occur, Box<dyn Query>)> = fields
        .weighted()
        .into_iter()
        .map(|(field, boost)| {
            let term = TermQuery::new(
                Term::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            );
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(term), boost)) as Box<dyn Query>,
            )
        })
        .collect();
    let parts = finest(word);
    if parts.len() > 1 {
        should.extend(phrase_in_fields(&parts, fields));
    }
    Box::new(BooleanQuery::new(should))
}

/// A phrase in any positional field, matched as the finest split of its words. That one phrase
/// finds every document holding the words as typed (search mode indexes each word's finest parts
/// at their own offsets beside the word) and also those whose context cut the words differently,
/// so a second phrase of the words as typed would only repeat the work.
fn phrase_clause(words: &[PositionedWord], fields: &TextFields) -> Box<dyn Query> {
    let fine: Vec<PositionedWord> = words
        .iter()
        .flat_map(|(at, w)| finest(w).into_iter().map(move |(p, part)| (at + p, part)))
        .collect();
    Box::new(BooleanQuery::new(phrase_in_fields(&fine, fields)))
}

fn phrase_in_fields(words: &[PositionedWord], fields: &TextFields) -> Vec<(Occur, Box<dyn Query>)> {
    fields
        .positional()
        .into_iter()
        .map(|(field, boost)| {
            let terms = words
                .iter()
                .map(|(at, w)| (*at, Term::from_field_text(field, w)))
                .collect();
            let phrase = PhraseQuery::new_with_offset(terms);
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(phrase), boost)) as Box<dyn Query>,
            )
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn words(q: &ParsedQuery) -> Vec<&str> {
        q.words.iter().map(String::as_str).collect()
    }

    #[test]
    fn words_are_all_required_and_phrases_kept_together() {
        let q = ParsedQuery::parse("合肥 新能源");
        assert_eq!(words(&q), vec!["合肥", "新能源"]);
        assert!(q.phrases.is_empty());

        let q = ParsedQuery::parse("\"新能源汽车产量\" 合肥");
        assert_eq!(words(&q), vec!["合肥"]);
        assert_eq!(q.phrases.len(), 1);
        let phrase: String = q.phrases[0].iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(phrase, "新能源汽车产量");
        assert_eq!(q.phrases[0][0].0, 0);
    }

    #[test]
    fn chinese_quotes_make_phrases_and_unbalanced_quotes_are_words() {
        let q = ParsedQuery::parse("“充换电网络建设”");
        assert_eq!(q.phrases.len(), 1, "{q:?}");
        let q = ParsedQuery::parse("\"新能源 汽车");
        assert!(q.phrases.is_empty(), "{q:?}");
        assert_eq!(words(&q), vec!["新能源", "汽车"]);
        let q = ParsedQuery::parse("\"\"\"");
        assert!(q.is_empty());
    }

    #[test]
    fn operators_and_punctuation_are_dropped() {
        let q = ParsedQuery::parse("新能源 AND 汽车 OR (光伏) NOT title:储能^2 ~ * ? -");
        assert_eq!(
            words(&q),
            vec!["新能源", "汽车", "光伏", "title", "储能", "2"]
        );
        assert!(ParsedQuery::parse("AND OR NOT ( ) : ^ ~ * ?").is_empty());
        assert!(ParsedQuery::parse("😀🚗 \u{fffd}").is_empty());
    }

    #[test]
    fn long_input_is_cut() {
        let long = "新能源汽车".repeat(200);
        let q = ParsedQuery::parse(&long);
        assert!(q.truncated);
        assert!(q.words.len() <= MAX_CLAUSES);
        let many: String = (0..40).map(|i| format!("词{i} ")).collect();
        let q = ParsedQuery::parse(&many);
        assert!(q.clauses() <= MAX_CLAUSES);
    }

    /// Pieces hostile input is made of: syntax of other engines, quotes of every kind, control
    /// characters, words of the energy vocabulary, emoji and combining marks.
    pub(crate) fn hostile_piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("\"".to_string()),
            Just("“".to_string()),
            Just("」".to_string()),
            Just(" AND ".to_string()),
            Just(" OR ".to_string()),
            Just("NOT ".to_string()),
            Just("&&".to_string()),
            Just("title:".to_string()),
            Just("^2~*?()[]{}\\/-+!".to_string()),
            Just("\0\u{1}\u{7f}\t\n\r\u{200b}\u{feff}".to_string()),
            Just("新能源汽车".to_string()),
            Just("充换电网络".to_string()),
            Just("储能 ".to_string()),
            Just("😀🚗\u{301}\u{fffd}".to_string()),
            "\\PC{0,8}",
            any::<String>(),
        ]
    }

    /// Any input: arbitrary strings, or hostile pieces glued together, up to several times the
    /// length limit.
    pub(crate) fn any_query() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            any::<String>(),
            ".{0,400}",
            proptest::collection::vec(hostile_piece(), 0..60).prop_map(|p| p.concat()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn any_input_parses_into_a_bounded_query(input in any_query()) {
            let q = ParsedQuery::parse(&input);
            proptest::prop_assert!(q.words.len() + q.phrases.len() <= MAX_CLAUSES);
            proptest::prop_assert!(q.runs.len() <= MAX_CLAUSES);
            for group in q.phrases.iter().chain(&q.runs) {
                proptest::prop_assert!(group.len() <= MAX_QUERY_CHARS);
                for (at, _) in group {
                    proptest::prop_assert!(*at < MAX_QUERY_CHARS);
                }
            }
            for word in q.all_words() {
                proptest::prop_assert!(!word.is_empty());
                // Lower-casing may lengthen a character (İ → i̇), never beyond three.
                proptest::prop_assert!(word.chars().count() <= 3 * MAX_QUERY_CHARS);
            }
            if input.chars().count() > MAX_QUERY_CHARS {
                proptest::prop_assert!(q.truncated);
            }
            // Parsing what was kept gives the same words: nothing depends on the cut-off tail.
            let kept: String = input.chars().take(MAX_QUERY_CHARS).collect();
            proptest::prop_assert_eq!(&ParsedQuery::parse(&kept).words, &q.words);
        }
    }

    #[test]
    fn finest_split_of_a_compound() {
        let parts: Vec<String> = finest("新能源汽车").into_iter().map(|p| p.1).collect();
        assert_eq!(parts.concat(), "新能源汽车");
        assert!(parts.len() >= 2, "{parts:?}");
        assert_eq!(finest("合肥"), vec![(0, "合肥".to_string())]);
    }
}
