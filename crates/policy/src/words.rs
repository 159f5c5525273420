//! Word boundaries at the start of an indicator, from jieba's part-of-speech tags and a lexicon
//! of lead words learned from the annotated targets (`data/leading-words.txt`, written by
//! `examples/learn_lexicon`).
//!
//! The cue lists in `lexicon.rs` know the verbs that the rules need to classify (新增 is an
//! increment, 用好 operates on stock). Reports use many more verbs in front of the counted
//! object (打通断头路, 配置除颤器, 同步建成配套设施), and a closed list never catches up. So
//! when the rules found no verb, the words before the indicator are tagged, and leading verbs
//! (jieba `v`, or a learned lead word), the adverbs before them and a place or beneficiary frame
//! (在…配置, 为…发放) are cut off. Only the short window between an item's start and its number
//! is tagged, never the whole text, which keeps extraction fast.

use std::collections::HashSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;

use crate::lexicon as lx;

/// Words of the energy trade that jieba's general dictionary lacks or cuts apart (one a line,
/// `#` comments); see the file's header.
pub const ENERGY_WORDS: &str = include_str!("data/energy-words.txt");

/// The one jieba dictionary of the process — jieba's general dictionary plus [`ENERGY_WORDS`] —
/// shared with whoever else cuts Chinese text (the portal's search index): loading it takes a
/// few hundred ms and tens of MB, so it is loaded once, on first use.
pub fn segmenter() -> &'static Jieba {
    static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
        let mut jieba = Jieba::new();
        for word in energy_words() {
            // No frequency: jieba suggests the one that just keeps the word whole.
            jieba.add_word(word, None, None);
        }
        jieba
    });
    &JIEBA
}

/// The words of [`ENERGY_WORDS`].
pub fn energy_words() -> impl Iterator<Item = &'static str> {
    ENERGY_WORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The learned lead words (first column of the data file).
static LEADS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("data/leading-words.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .filter(|w| !w.is_empty())
        .collect()
});

/// The longest learned lead word at `norm[i..]`, as a length.
pub(crate) fn lead_len(norm: &[char], i: usize) -> Option<usize> {
    (1..=4usize).rev().find(|&l| {
        i + l <= norm.len() && LEADS.contains(norm[i..i + l].iter().collect::<String>().as_str())
    })
}

/// Prepositions that open a place, beneficiary or scope frame before the verb (在…, 为…).
const FRAME_PREPOSITIONS: &[&str] = &["在", "于", "为", "对", "向", "面向", "针对", "围绕", "从"];

/// What the cut-off verb says about the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeadClass {
    /// Creates, completes or adds (the default for a verb before a counted object).
    Increment,
    /// Operates on existing stock (用好, 运营).
    Stock,
    /// Reaches or keeps a level (实现, 保持).
    Level,
}

fn is_lead_verb(word: &str, tag: &str, remaining_tokens: usize) -> bool {
    is_lead(word, tag, remaining_tokens, false)
}

/// `learned_only`: after a verb the rules found, only learned lead words continue the chain;
/// a tag alone there too often marks the first word of the object (拥有自主知识产权的…).
fn is_lead(word: &str, tag: &str, remaining_tokens: usize, learned_only: bool) -> bool {
    if learned_only {
        return LEADS.contains(word) && remaining_tokens >= 1;
    }
    // A learned lead word is cut wherever it opens the indicator. A verb known only from its
    // tag needs two more words after it: jieba tags some nouns of indicators as verbs too
    // (就业岗位), and a verb + one word is too often a compound noun.
    LEADS.contains(word) || (tag == "v" && word.chars().count() >= 2 && remaining_tokens >= 2)
}

/// Something that can be (part of) what is counted: anything but function words and verbs.
/// Loose on purpose: jieba tags parts of compound nouns as adjectives or classifiers
/// (配套/a 充电/v 桩/q).
/// 全市, 全省, 我市, 本区, 该县: the whole area a report speaks for.
fn is_scope(word: &str) -> bool {
    let c: Vec<char> = word.chars().collect();
    c.len() == 2
        && matches!(c[0], '全' | '我' | '本' | '该')
        && matches!(c[1], '市' | '省' | '区' | '县' | '国' | '州')
}

fn is_nominal(tag: &str) -> bool {
    !matches!(
        tag,
        "v" | "vd" | "d" | "ad" | "p" | "u" | "c" | "x" | "f" | "r" | "y"
    )
}

/// Where the indicator in `norm[start..end]` really starts, if lead words open it: the new
/// start and what the last cut verb says. `None` when nothing is cut.
pub(crate) fn lead_cut(norm: &[char], start: usize, end: usize) -> Option<(usize, LeadClass)> {
    lead_cut_from(norm, start, end, false)
}

/// After a verb the rules already cut (培育 | 壮大千亿级产业集群, 新建 | 和改善提升绿水长廊):
/// further verbs of the chain go too.
/// `object_follows`: the counted object comes after the number (改造建设100个…中心), so the
/// stretch may be all verb.
pub(crate) fn chain_cut(
    norm: &[char],
    start: usize,
    end: usize,
    object_follows: bool,
) -> Option<usize> {
    if object_follows && end > start && end - start <= 4 {
        let w: String = norm[start..end].iter().collect();
        if LEADS.contains(w.as_str()) {
            return Some(end);
        }
    }
    lead_cut_from(norm, start, end, true).map(|(k, _)| k)
}

fn lead_cut_from(
    norm: &[char],
    start: usize,
    end: usize,
    after_verb: bool,
) -> Option<(usize, LeadClass)> {
    if end <= start + 2 {
        return None;
    }
    let text: String = norm[start..end].iter().collect();
    let tags = segmenter().tag(&text, true);
    let lens: Vec<usize> = tags.iter().map(|t| t.word.chars().count()).collect();
    let n = tags.len();
    if n < 2 {
        return None;
    }
    let mut k = 0;
    let mut verb: Option<&str> = after_verb.then_some("");
    // 在人流密集公共场所配置…, 为困难群众发放…: a frame runs from the preposition to its verb.
    if !after_verb && tags[0].tag == "p" && FRAME_PREPOSITIONS.contains(&tags[0].word) {
        let found =
            (2..n.saturating_sub(1)).find(|&j| tags[j].tag == "v" || LEADS.contains(tags[j].word));
        let j = found?;
        verb = Some(tags[j].word);
        k = j + 1;
    }
    // 兰州新区增补…, 省内转化…: a place that opens the stretch is where, not what.
    // 全市将建成…, 我省新建…: a scope word before a verb is where, not what.
    if !after_verb
        && n > 2
        && is_scope(tags[0].word)
        && !lx::INNER_INCREMENT_VERBS.contains(&tags[1].word)
    {
        let v = if tags[1].tag == "d" { 2 } else { 1 };
        if v + 1 < n && is_lead_verb(tags[v].word, tags[v].tag, n - v - 1) {
            k = v;
        }
    }
    if !after_verb
        && k == 0
        && n > 2
        && matches!(tags[0].tag, "ns" | "s")
        && !lx::INNER_INCREMENT_VERBS.contains(&tags[1].word)
        && is_lead_verb(tags[1].word, tags[1].tag, n - 2)
    {
        k = 1;
    }
    loop {
        if k + 1 >= n {
            break;
        }
        let t = &tags[k];
        // 新建和改善提升, 加装、更新, 实施并完成: a second verb joined to the first.
        if verb.is_some()
            && (matches!(t.word, "和" | "、" | "并" | "及" | "与"))
            && k + 2 < n
            && is_lead_verb(tags[k + 1].word, tags[k + 1].tag, n - k - 2)
        {
            k += 1;
            continue;
        }
        // 同步建成, 统筹新建, 因地制宜建设: an adverb or an idiom used as one is cut with the
        // verb it modifies.
        if matches!(t.tag, "d" | "ad" | "i")
            && is_lead_verb(tags[k + 1].word, tags[k + 1].tag, n - k - 2)
            && k + 2 < n
        {
            k += 1;
            continue;
        }
        if is_lead(t.word, t.tag, n - k - 1, after_verb) {
            verb = Some(t.word);
            k += 1;
            continue;
        }
        break;
    }
    let verb = verb?;
    if k == 0 || k >= n || !tags[k..].iter().any(|t| is_nominal(t.tag)) {
        return None;
    }
    let cut = start + lens[..k].iter().sum::<usize>();
    let class = if lx::STOCK_VERBS.contains(&verb) {
        LeadClass::Stock
    } else if lx::LEVEL_VERBS.contains(&verb) {
        LeadClass::Level
    } else {
        LeadClass::Increment
    };
    Some((cut, class))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(s: &str) -> Option<String> {
        let c: Vec<char> = s.chars().collect();
        lead_cut(&c, 0, c.len()).map(|(k, _)| c[k..].iter().collect())
    }

    #[test]
    fn verbs_adverbs_and_frames_are_cut() {
        assert_eq!(cut("打通城市断头路").as_deref(), Some("城市断头路"));
        assert_eq!(cut("同步建成配套充电桩").as_deref(), Some("配套充电桩"));
        assert_eq!(
            cut("在人流密集公共场所配置自动体外除颤器").as_deref(),
            Some("自动体外除颤器")
        );
        assert_eq!(
            cut("推动提升建设乡镇综合文化站").as_deref(),
            Some("乡镇综合文化站")
        );
        assert_eq!(
            cut("因地制宜建设都市型体育场地").as_deref(),
            Some("都市型体育场地")
        );
    }

    #[test]
    fn indicators_that_open_with_a_noun_stay() {
        assert_eq!(cut("地区生产总值"), None);
        assert_eq!(cut("城镇新增就业"), None);
        assert_eq!(cut("就业岗位"), None);
        assert_eq!(cut("社会消费品零售总额"), None);
    }
}
