//! Properties that hold for any input: extraction never panics, spans stay inside the text and
//! on char boundaries, `text` is the slice of the span, values are finite, and the time per
//! char does not grow with the input (no backtracking or quadratic scans).

use proptest::prelude::*;

const SEED: &str = include_str!("fixtures/seed-article-hefei-nev-2024.txt");

/// Sentences of the seed, the raw material of the mutation strategy.
fn seed_sentences() -> Vec<String> {
    SEED.split_inclusive(['。', '，', ',', '\n'])
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty())
        .collect()
}

fn check_invariants(text: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = text.chars().collect();
    let targets = policy::extract(text);
    let mut last_start = 0;
    for t in &targets {
        prop_assert!(t.start < t.end, "empty span {t:?}");
        prop_assert!(t.end <= chars.len(), "span past the end {t:?}");
        let slice: String = chars[t.start..t.end].iter().collect();
        prop_assert_eq!(&slice, &t.text);
        let r = t.byte_range(text);
        prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        prop_assert_eq!(&text[r], t.text.as_str());
        prop_assert!(t.value.is_finite());
        if let Some(max) = t.value_max {
            prop_assert!(max.is_finite() && max > t.value);
        }
        prop_assert!(!t.unit.is_empty());
        prop_assert!(t.start >= last_start, "targets out of order");
        last_start = t.start;
    }
    let _ = policy::document_info(text);
    Ok(())
}

/// Characters that exercise the extractor: digits (ASCII and full-width), Chinese numerals,
/// units, qualifiers, hedges, punctuation, quotes, newlines and a few odd code points.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "0123456789１２．.%％~～-—至到一二两三十百千万亿个家万人亩元%以上左右超突破力争新增建成其中全覆盖、，,。；;：:“”《》()（）\n 第每号G+年"
                .chars()
                .collect::<Vec<_>>()
        ),
        1 => any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings(s in ".{0,200}") {
        check_invariants(&s)?;
    }

    #[test]
    fn dense_interesting_strings(v in prop::collection::vec(interesting_char(), 0..300)) {
        let s: String = v.into_iter().collect();
        check_invariants(&s)?;
    }

    #[test]
    fn mutated_report_sentences(
        picks in prop::collection::vec((any::<prop::sample::Index>(), 0usize..40, 0usize..40, prop::option::of(interesting_char())), 1..12)
    ) {
        let sentences = seed_sentences();
        let mut s = String::new();
        for (idx, cut_front, cut_back, insert) in picks {
            let sentence: Vec<char> = idx.get(&sentences).chars().collect();
            let a = cut_front.min(sentence.len());
            let b = sentence.len().saturating_sub(cut_back).max(a);
            let mut piece: Vec<char> = sentence[a..b].to_vec();
            if let Some(c) = insert {
                let at = (cut_front * 7 + cut_back) % (piece.len() + 1);
                piece.insert(at, c);
            }
            s.extend(piece);
        }
        check_invariants(&s)?;
    }
}

/// Doubling a pathological input (one endless clause of numbers, quotes and list commas) must
/// not much more than double the work. Counted in extracted targets and checked by time ratio
/// with a generous bound so the test stays robust on a busy machine.
#[test]
fn time_is_linear_in_input_size() {
    let unit = "新增企业1个、“项目2家、力争3万人以上其中全覆盖，1~2个";
    let small: String = unit.repeat(2_000);
    let big: String = unit.repeat(8_000);
    let time = |s: &str| {
        let t = std::time::Instant::now();
        let n = policy::extract(s).len();
        (t.elapsed().as_secs_f64(), n)
    };
    let _ = time(&small); // warm up
    let (ts, ns) = time(&small);
    let (tb, nb) = time(&big);
    assert!(
        nb >= ns * 3,
        "targets should scale with input: {ns} vs {nb}"
    );
    assert!(
        tb < ts * 10.0 + 0.05,
        "4x input took {tb:.4}s vs {ts:.4}s: superlinear?"
    );
    check_invariants(&small).expect("invariants");
    // No punctuation at all: one clause of 40k chars.
    let flat: String = "新增企业12个力争".repeat(5_000);
    let (tf, _) = time(&flat);
    assert!(tf < 2.0, "a single huge clause took {tf:.2}s");
}

#[test]
fn seed_repeated_keeps_invariants() {
    let s = SEED.repeat(3);
    check_invariants(&s).expect("invariants");
    assert_eq!(policy::extract(&s).len(), 3 * policy::extract(SEED).len());
}

/// Markup-like text: what an article's plain text can look like after a hostile body was
/// flattened (markers, tag names, long runs, odd code points) around real target phrases.
fn markup_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "* ", "1. ", "> ", "<span>", "</b>", "*a**b*", "`", "[", "](", "&amp;", "\u{0}",
            "\u{202e}", "\u{feff}", "\u{1f600}", "\n", "新增", "力争", "突破", "120万辆", "6%左右",
            "2025年", "以上", "1~2个", "，", "。", "、",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => (
            prop::sample::select(vec!["* ", "> ", "<span>", "1", "万", "%", "、", "“"]),
            1usize..2_000
        )
            .prop_map(|(p, n)| p.repeat(n)),
    ]
}

proptest! {
    // Few cases with long inputs: CI stays fast.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn markup_like_text_keeps_invariants(v in prop::collection::vec(markup_piece(), 0..60)) {
        check_invariants(&v.concat())?;
    }
}
