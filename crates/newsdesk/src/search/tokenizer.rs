//! The jieba tokenizer: Chinese text cut into dictionary words, for the index and for queries.
//!
//! Why our own adapter rather than the `tantivy-jieba` bridge (0.21, which does match tantivy 0.27's
//! tokenizer API 0.7): the bridge keeps its shared dictionary private and otherwise holds a `Jieba`
//! by value, so every clone of the analyzer (tantivy clones one per indexing thread and per snippet)
//! would copy the whole dictionary, and the query parser could not share it. Here one dictionary,
//! loaded once on first use ([`jieba`]), serves the index, the queries and the snippets. The adapter
//! also drops punctuation and whitespace tokens, which jieba emits and an index does not want.
//!
//! Documents are cut in jieba's search mode (a long word also yields the dictionary words inside
//! it: 新能源汽车 → 能源, 汽车, 新能源, 新能源汽车), so a query for a part finds the whole. Token
//! positions are character offsets, so the words of a phrase line up by where they start whatever
//! extra sub-words search mode adds around them (see [`super::query`]).

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered with an index and named in its schema.
pub const JIEBA: &str = "jieba";

/// Tokens longer than this many bytes (URLs, base64, runs of digits) are not indexed.
const MAX_TOKEN_BYTES: usize = 60;

/// Changes whenever code here changes how text is cut or filtered (the word list is hashed into
/// [`fingerprint`] by itself).
const ANALYZER_VERSION: u32 = 2;

/// Names how this build cuts text: the analyzer version and a hash of the added words. An index
/// stores it with every commit, and one cut another way is rebuilt rather than half-matched.
pub fn fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for word in policy::energy_words() {
        hash.update(word.as_bytes());
        hash.update(b"\n");
    }
    let digest = hash.finalize();
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("jieba analyzer {ANALYZER_VERSION}, energy words {short}")
}

/// The shared jieba instance: the policy extractor's, with the energy trade's words
/// (`policy::segmenter`), so the process holds one dictionary.
pub fn jieba() -> &'static Jieba {
    policy::segmenter()
}

/// The analyzer registered as [`JIEBA`]: search-mode words, lower-cased, very long tokens dropped.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

/// Whether jieba's token is a word worth indexing (not punctuation, space or a symbol).
fn is_word(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

/// The words of a query string in jieba's default mode (no overlapping sub-words), lower-cased,
/// each with its character offset in `text`.
pub fn query_words(text: &str) -> Vec<(usize, String)> {
    jieba()
        .cut(text, true)
        .into_iter()
        .filter(|t| is_word(t.word))
        .filter(|t| t.word.len() <= MAX_TOKEN_BYTES)
        .map(|t| (t.start, t.word.to_lowercase()))
        .collect()
}

/// The dictionary words inside `word` that search mode indexes beside it (for 新能源汽车: 能源,
/// 汽车, 新能源), with their character offsets in `word`; empty for a word with no parts.
pub fn sub_words(word: &str) -> Vec<(usize, String)> {
    jieba()
        .cut_for_search(word, true)
        .into_iter()
        .filter(|t| t.word != word && is_word(t.word))
        .map(|t| (t.start, t.word.to_lowercase()))
        .collect()
}

/// Tantivy tokenizer over the shared jieba dictionary, in search mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct JiebaTokenizer;

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream<'a> {
        let mut words = jieba().tokenize(text, TokenizeMode::Search, true);
        words.retain(|t| is_word(t.word));
        // Search mode emits a word's parts before the word (能源, 汽车, then 新能源, 新能源汽车);
        // tantivy's snippets (and position lists) expect tokens in text order.
        words.sort_by_key(|t| (t.byte_start, t.byte_end));
        JiebaTokenStream {
            words,
            next: 0,
            token: Token::default(),
        }
    }
}

/// The tokens of one text.
#[derive(Debug)]
pub struct JiebaTokenStream<'a> {
    words: Vec<jieba_rs::Token<'a>>,
    next: usize,
    token: Token,
}

impl TokenStream for JiebaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(word) = self.words.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.offset_from = word.byte_start;
        self.token.offset_to = word.byte_end;
        self.token.position = word.start;
        self.token.position_length = word.end - word.start;
        self.token.text.clear();
        self.token.text.push_str(word.word);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize)> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position, t.offset_from));
        }
        out
    }

    #[test]
    fn words_not_characters_and_no_punctuation() {
        let words: Vec<String> = tokens("力争新能源汽车产量突破120万辆。")
            .into_iter()
            .map(|t| t.0)
            .collect();
        for w in ["力争", "新能源", "汽车", "产量", "突破", "120"] {
            assert!(words.contains(&w.to_string()), "{w} missing from {words:?}");
        }
        assert!(!words.iter().any(|w| w == "。" || w == "车"), "{words:?}");
    }

    #[test]
    fn positions_are_characters_and_offsets_are_bytes() {
        let t = tokens("合肥 新能源");
        let first = &t[0];
        assert_eq!(first, &("合肥".to_string(), 0, 0));
        let second = t.iter().find(|t| t.0 == "新能源").unwrap();
        // 合, 肥 and the space come before it: character 3, byte 7.
        assert_eq!((second.1, second.2), (3, 7));
    }

    #[test]
    fn tokens_come_in_text_order() {
        let t = tokens("合肥新能源汽车产业集群");
        let starts: Vec<usize> = t.iter().map(|t| t.2).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted, "{t:?}");
    }

    #[test]
    fn latin_is_lower_cased() {
        let words: Vec<String> = tokens("NEV与GW级储能").into_iter().map(|t| t.0).collect();
        assert!(words.contains(&"nev".to_string()), "{words:?}");
        assert!(words.contains(&"gw".to_string()), "{words:?}");
    }

    #[test]
    fn energy_terms_are_kept_whole() {
        // jieba alone cuts these apart (充换/电/网络, 智能网/联/汽车).
        let cut = |s: &str| -> Vec<String> { query_words(s).into_iter().map(|w| w.1).collect() };
        assert_eq!(cut("充换电网络"), ["充换电", "网络"]);
        assert_eq!(cut("智能网联汽车"), ["智能网联", "汽车"]);
        assert_eq!(cut("新型储能电站"), ["新型储能", "电站"]);
        // Search mode still indexes the words inside a term, so 储能 finds 新型储能.
        let words: Vec<String> = tokens("新型储能").into_iter().map(|t| t.0).collect();
        assert!(words.contains(&"储能".to_string()), "{words:?}");
        // And a term does not index words across the boundary with its neighbour: 电网 (grid)
        // is not in 充换电网络 (charging and swapping network).
        let words: Vec<String> = tokens("超前布局充换电网络")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert!(!words.contains(&"电网".to_string()), "{words:?}");
    }

    #[test]
    fn fingerprint_names_the_word_list() {
        let f = fingerprint();
        assert!(f.starts_with("jieba analyzer "), "{f}");
        assert_eq!(f, fingerprint());
        assert!(policy::energy_words().all(|w| !w.contains(char::is_whitespace)));
    }

    #[test]
    fn query_words_do_not_overlap() {
        let words: Vec<String> = query_words("新能源汽车产量")
            .into_iter()
            .map(|w| w.1)
            .collect();
        assert_eq!(words.concat(), "新能源汽车产量", "{words:?}");
        assert!(query_words("！？（）：^~*").is_empty());
    }
}
