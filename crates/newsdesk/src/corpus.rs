//! A synthetic corpus for benchmarks and load tests: any number of Chinese articles, the same ones
//! for the same seed. An article keeps to its topic, as real news does: most sentences are
//! templates filled with its own place, topic and figures, the rest come from a word-level Markov
//! chain over the demo content (each word followed by a word that followed it there), so the
//! vocabulary is a real portal's while no article copies another's sentences. The chain keeps to
//! words that several demo articles share: one article's own subject (充换电) stays as rare as it
//! is in real news instead of turning up in a tenth of the corpus. Copied sentences
//! would make every search match hundreds of near-duplicates, which no real corpus does. The seed
//! article is left out of the chain: relevance tests measure the ranking of the seed against this
//! background, which must not be made of the seed's own phrases. Headlines, tags and channels come from word lists of the energy trade; publish
//! times spread over 2019–2025; lengths run from a 300-character brief to a long report.
//!
//! It is a subcommand of the one binary (`newsdesk gen-corpus`) rather than a binary of its own: it
//! reuses the importer, the store and the index, and a second binary would link all of them again
//! on every build. Articles go straight into a data folder through the store (fast enough for
//! 100,000) or out as text pages that `newsdesk import` reads.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use include_dir::{Dir, include_dir};

use crate::domain::{ArticleInput, ArticleStatus, BodyFormat};
use crate::import;
use crate::render::body_html;
use crate::store::Store;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/demo");

/// Channels of generated articles: slug, name (the demo site's).
pub const CHANNELS: &[(&str, &str)] = &[
    ("nev", "新能源汽车"),
    ("solar", "光伏"),
    ("storage", "储能"),
    ("charging", "充换电"),
    ("policy", "政策法规"),
];

const PLACES: &[&str] = &[
    "北京",
    "上海",
    "天津",
    "重庆",
    "广东",
    "深圳",
    "江苏",
    "苏州",
    "浙江",
    "杭州",
    "宁波",
    "山东",
    "青岛",
    "河南",
    "郑州",
    "湖北",
    "武汉",
    "湖南",
    "长沙",
    "四川",
    "成都",
    "陕西",
    "西安",
    "福建",
    "厦门",
    "安徽",
    "芜湖",
    "江西",
    "河北",
    "山西",
    "内蒙古",
    "青海",
    "宁夏",
    "甘肃",
    "新疆",
    "云南",
    "贵州",
    "广西",
    "海南",
    "吉林",
    "辽宁",
    "黑龙江",
    "西藏",
];

const ACTIONS: &[&str] = &[
    "发布", "出台", "印发", "推进", "加快", "启动", "部署", "开展", "完成", "签约", "公布", "召开",
];

/// Topic words per channel, in channel order.
const TOPICS: &[&[&str]] = &[
    &[
        "动力电池",
        "整车制造",
        "燃料电池汽车",
        "汽车以旧换新",
        "车企",
        "汽车出口",
        "电动汽车",
        "自动驾驶",
    ],
    &[
        "分布式光伏",
        "光伏组件",
        "光伏电站",
        "整县光伏",
        "光伏治沙",
        "光伏扶贫",
        "电池片",
        "硅料",
    ],
    &[
        "新型储能",
        "抽水蓄能",
        "储能电站",
        "共享储能",
        "钠离子电池",
        "压缩空气储能",
        "液流电池",
        "独立储能",
    ],
    &[
        "充电桩",
        "换电站",
        "超级充电站",
        "充电基础设施",
        "车网互动",
        "公共充电",
        "县域充电",
        "高速公路服务区充电",
    ],
    &[
        "能源法",
        "电力市场",
        "绿电交易",
        "碳排放",
        "可再生能源",
        "节能降碳",
        "电价政策",
        "能耗双控",
    ],
];

const SUFFIXES: &[&str] = &[
    "实施方案",
    "行动计划",
    "发展规划",
    "试点工作",
    "项目开工",
    "产业大会",
    "专项资金",
    "统计数据",
    "管理办法",
    "指导意见",
    "招标结果",
    "年度报告",
    "建设进展",
    "座谈会",
    "补贴政策",
    "示范项目",
];

const SOURCES: &[&str] = &[
    "中国能源报",
    "国家能源局",
    "新华社",
    "人民日报",
    "经济日报",
    "中国电力报",
    "第一财经",
    "本网",
];

/// splitmix64: tiny, fast, and the same on every platform for a seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.next() % (hi - lo)
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.range(0, items.len() as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }
}

/// Makes articles for a seed.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    chain: Chain,
}

/// Sentence templates: `{p}` place, `{t}` topic, `{a}` action, `{n}` and `{m}` figures.
const TEMPLATES: &[&str] = &[
    "据了解，{p}今年以来累计推进{t}项目{n}个，总投资约{m}亿元。",
    "{t}是推动能源绿色低碳转型的重要抓手，{p}将持续加大支持力度。",
    "下一步，{p}将{a}{t}相关政策，力争到年底新增规模{n}万千瓦。",
    "业内人士认为，{t}市场空间广阔，未来三年年均增速有望保持在{n}%以上。",
    "会议要求，各地要压实责任，确保{t}工作按期完成。",
    "截至目前，{p}已建成{t}示范项目{n}个，带动就业{m}人。",
    "{p}有关负责人表示，将进一步优化{t}审批流程，提升服务效率。",
    "数据显示，一季度{p}{t}相关投资同比增长{n}%。",
    "专家建议，{t}发展要坚持市场导向，加强标准体系建设。",
    "{p}还将{a}{t}专项行动，推动产业链上下游协同发展。",
];

/// Word bigrams of the demo content: for each word, the words that followed it, as often as they
/// did. Words are indexes into `words`; `starts` are the first words of sentences.
#[derive(Debug, Clone, Default)]
struct Chain {
    words: Vec<String>,
    next: Vec<Vec<usize>>,
    starts: Vec<usize>,
}

/// Sentence ends: the chain stops after one of these.
fn ends_sentence(word: &str) -> bool {
    matches!(word, "。" | "！" | "？" | "；")
}

impl Chain {
    /// Learns from the sentences of several documents. Only words that two or more documents
    /// use join the chain: a word found in one document alone is that document's own subject
    /// (充换电 in the charging article), and a chain over a handful of documents would otherwise
    /// repeat it, with the words around it, in a tenth of all generated articles, where a real
    /// portal has it in a few. Such a word ends the run it is in; its successor starts a new one.
    fn learn(documents: &[Vec<String>]) -> Self {
        let cut = |sentence: &str| -> Vec<String> {
            crate::search::tokenizer::jieba()
                .cut(sentence, true)
                .into_iter()
                .map(|t| t.word.to_string())
                .collect()
        };
        let documents: Vec<Vec<Vec<String>>> = documents
            .iter()
            .map(|sentences| sentences.iter().map(|s| cut(s)).collect())
            .collect();
        let mut used_by: std::collections::HashMap<&str, usize> = Default::default();
        for document in &documents {
            let words: std::collections::HashSet<&str> =
                document.iter().flatten().map(String::as_str).collect();
            for word in words {
                *used_by.entry(word).or_default() += 1;
            }
        }
        let mut chain = Self::default();
        let mut ids: std::collections::HashMap<&str, usize> = Default::default();
        for sentence in documents.iter().flatten() {
            let mut prev: Option<usize> = None;
            for word in sentence {
                if used_by.get(word.as_str()).copied().unwrap_or(0) < 2 {
                    prev = None;
                    continue;
                }
                let id = *ids.entry(word).or_insert_with(|| {
                    chain.words.push(word.clone());
                    chain.next.push(Vec::new());
                    chain.words.len() - 1
                });
                match prev {
                    Some(p) => chain.next[p].push(id),
                    None => chain.starts.push(id),
                }
                prev = Some(id);
            }
        }
        chain
    }

    /// One sentence of 8 to about 80 characters.
    fn sentence(&self, rng: &mut Rng) -> String {
        let mut out = String::new();
        let Some(&start) = (!self.starts.is_empty()).then(|| rng.pick(&self.starts)) else {
            return "能源行业持续推进绿色低碳转型。".to_string();
        };
        let mut word = start;
        loop {
            let w = &self.words[word];
            out.push_str(w);
            if ends_sentence(w) {
                break;
            }
            let chars = out.chars().count();
            match self.next.get(word) {
                Some(next) if !next.is_empty() && chars < 80 => word = *rng.pick(next),
                _ => {
                    out.push('。');
                    break;
                }
            }
        }
        if out.chars().count() < 8 {
            return self.sentence(rng);
        }
        out
    }
}

impl Generator {
    /// A generator whose article `i` depends only on `seed` and `i`.
    pub fn new(seed: u64) -> Self {
        let mut documents = Vec::new();
        let mut files: Vec<_> = DEMO
            .dirs()
            .flat_map(|d| d.files())
            .filter(|f| !f.path().to_string_lossy().contains("seed-article"))
            .collect();
        files.sort_by_key(|f| f.path());
        for file in files {
            let Ok(page) = import::parse_page(file.contents(), chrono_tz::Asia::Shanghai) else {
                continue;
            };
            let mut sentences = Vec::new();
            for block in &page.blocks {
                split_sentences(&block.text(), &mut sentences);
            }
            documents.push(sentences);
        }
        Self {
            seed,
            chain: Chain::learn(&documents),
        }
    }

    /// Article number `i` (0-based).
    pub fn article(&self, i: u64) -> ArticleInput {
        let mut rng = Rng(self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ i);
        rng.next();
        let channel = rng.range(0, CHANNELS.len() as u64) as usize;
        let topics = TOPICS[channel];
        let place = *rng.pick(PLACES);
        let topic = *rng.pick(topics);
        let title = format!("{place}{}{topic}{}", rng.pick(ACTIONS), rng.pick(SUFFIXES));
        // Mostly news of 3 to 10 paragraphs, one in ten a long report of 15 to 40.
        let paragraphs = if rng.range(0, 10) == 0 {
            rng.range(15, 41)
        } else {
            rng.range(3, 11)
        };
        let chain = &self.chain;
        let sentence = |rng: &mut Rng, lead: bool| -> String {
            // The lead (which also makes the summary) stays on the article's topic.
            if lead || rng.range(0, 10) < 9 {
                let template = rng.pick(TEMPLATES);
                let action = rng.pick(ACTIONS);
                template
                    .replace("{p}", place)
                    .replace("{t}", topic)
                    .replace("{a}", action)
                    .replace("{n}", &rng.range(2, 100).to_string())
                    .replace("{m}", &rng.range(100, 10_000).to_string())
            } else {
                chain.sentence(rng)
            }
        };
        let mut body = Vec::new();
        // The headline's words appear in the lead, as in real news.
        body.push(format!(
            "近日，{place}{}{topic}相关工作。{}",
            rng.pick(ACTIONS),
            sentence(&mut rng, true)
        ));
        for _ in 1..paragraphs {
            let n = rng.range(2, 6);
            let mut p = String::new();
            for _ in 0..n {
                p.push_str(&sentence(&mut rng, false));
            }
            body.push(p);
        }
        let body_source = body.join("\n\n");
        let mut tags = vec![topic.to_string()];
        if rng.range(0, 2) == 0 {
            tags.push(place.to_string());
        }
        // 2019-01-01 to 2025-06-30, to the minute, UTC.
        let start = 1_546_300_800_i64;
        let span = 205_000_000_u64;
        let published = start + i64::try_from(rng.range(0, span) / 60 * 60).unwrap_or(0);
        let summary: String = body[0].chars().take(100).collect();
        ArticleInput {
            slug: format!("gen-{}-{i}", self.seed),
            title,
            author: None,
            source: Some(rng.pick(SOURCES).to_string()),
            channel_slug: CHANNELS[channel].0.to_string(),
            tags,
            summary,
            summary_auto: true,
            body_format: BodyFormat::Markdown,
            body_html: body_html(BodyFormat::Markdown, &body_source),
            body_source,
            status: ArticleStatus::Published,
            published_at: Utc.timestamp_opt(published, 0).single(),
            views: i64::try_from(rng.range(0, 5000)).unwrap_or(0),
            import_key: None,
        }
    }

    /// Stores `count` articles (channels created as needed), calling `progress` as it goes.
    pub async fn write_store(
        &self,
        store: &dyn Store,
        count: u64,
        progress: impl Fn(u64),
    ) -> anyhow::Result<()> {
        for (position, (slug, name)) in (0_i64..).zip(CHANNELS) {
            store.upsert_channel(name, slug, position).await?;
        }
        for i in 0..count {
            let article = self.article(i);
            // A batch tool, not a request: the targets are extracted in line.
            let meta = crate::targets::DocMeta::of(&article);
            let found = crate::targets::extract(&article.body_html, &meta.as_meta());
            store
                .upsert_article(&article, &found)
                .await
                .with_context(|| format!("storing generated article {i}"))?;
            if i % 100 == 99 {
                progress(i + 1);
            }
        }
        progress(count);
        Ok(())
    }

    /// Writes `count` text pages in the importer's format to `out/<channel>/<n>.txt`.
    pub fn write_pages(
        &self,
        out: &Path,
        count: u64,
        progress: impl Fn(u64),
    ) -> anyhow::Result<()> {
        for (slug, _) in CHANNELS {
            std::fs::create_dir_all(out.join(slug))
                .with_context(|| format!("creating {}", out.join(slug).display()))?;
        }
        for i in 0..count {
            let a = self.article(i);
            let path = out.join(&a.channel_slug).join(format!("{i:07}.txt"));
            std::fs::write(&path, page_text(&a))
                .with_context(|| format!("writing {}", path.display()))?;
            if i % 100 == 99 {
                progress(i + 1);
            }
        }
        progress(count);
        Ok(())
    }
}

/// The article as a text page like the seed: headline, metadata lines, body.
fn page_text(a: &ArticleInput) -> String {
    let when = a
        .published_at
        .unwrap_or(DateTime::UNIX_EPOCH)
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y/%m/%d %H:%M");
    format!(
        "{}\n\n作者:\n来源:{}\n{when}\n浏览量:{}\n\n{}\n",
        a.title,
        a.source.as_deref().unwrap_or_default(),
        a.views,
        a.body_source
    )
}

/// Appends the sentences of `text` (ending in 。！？；) to `out`; fragments under 8 characters are
/// dropped as they read badly out of context.
fn split_sentences(text: &str, out: &mut Vec<String>) {
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '。' | '！' | '？' | '；') {
            let s = current.trim();
            if s.chars().count() >= 8 {
                out.push(s.to_string());
            }
            current.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_articles_other_seed_others() {
        let a = Generator::new(7);
        let b = Generator::new(7);
        let c = Generator::new(8);
        for i in [0, 1, 99_999] {
            assert_eq!(a.article(i).title, b.article(i).title);
            assert_eq!(a.article(i).body_source, b.article(i).body_source);
            assert_eq!(a.article(i).published_at, b.article(i).published_at);
        }
        assert!((0..20).any(|i| a.article(i).body_source != c.article(i).body_source));
    }

    #[test]
    fn articles_look_real() {
        let g = Generator::new(1);
        let lens: Vec<usize> = (0..200)
            .map(|i| g.article(i).body_source.chars().count())
            .collect();
        assert!(lens.iter().all(|&l| l > 40), "{lens:?}");
        assert!(lens.iter().any(|&l| l > 1500), "some long reports");
        let channels: std::collections::HashSet<_> =
            (0..200).map(|i| g.article(i).channel_slug).collect();
        assert_eq!(channels.len(), CHANNELS.len());
    }

    #[test]
    fn one_documents_own_words_stay_out_of_the_background() {
        // 充换电 occurs in one demo article besides the seed; a word-level chain over the demo
        // content used to put 充换电网络 into a tenth of all articles.
        let g = Generator::new(1);
        let with = (0..500)
            .filter(|&i| g.article(i).body_source.contains("充换电"))
            .count();
        assert_eq!(with, 0);
        // Words several documents share still come through.
        assert!((0..50).any(|i| g.article(i).body_source.contains("新能源汽车")));
    }

    #[test]
    fn pages_read_back_through_the_importer() {
        let g = Generator::new(3);
        let a = g.article(5);
        let page = import::parse_page(page_text(&a).as_bytes(), chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(page.title, a.title);
        assert_eq!(Some(page.published_at), a.published_at);
    }
}
