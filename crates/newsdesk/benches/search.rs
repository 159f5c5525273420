//! Search benchmark: index N generated articles (default 100,000), then run 1,000 queries from a
//! fixed list in-process and over HTTP against the real server. Prints articles/s, index size on
//! disk, peak memory, and p50/p95/p99 latencies. See BENCHMARKS.md for the command and figures.
//!
//! Not a test: `cargo test` builds this file but runs nothing (cargo passes `--bench` only under
//! `cargo bench`), so CI never pays for it.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use newsdesk::config::ServeConfig;
use newsdesk::corpus::Generator;
use newsdesk::search::{ParsedQuery, SearchIndex, SearchQuery, SortOrder};
use newsdesk::store::{SqliteStore, Store};

/// The fixed query list: single words, several words (AND), phrases, filters, both orders.
const QUERIES: &[&str] = &[
    "新能源汽车",
    "充换电网络",
    "智能网联",
    "合肥 新能源",
    "\"新能源汽车产量\"",
    "光伏",
    "分布式光伏",
    "储能电站",
    "新型储能 政策",
    "充电桩",
    "换电站 建设",
    "动力电池 回收",
    "钠离子电池",
    "电力市场",
    "绿电交易",
    "碳排放",
    "\"产业集群\"",
    "江苏 光伏电站",
    "广东 充电基础设施",
    "氢能",
    "抽水蓄能",
    "自动驾驶",
    "以旧换新",
    "政府工作报告",
    "地区生产总值",
    "\"智能网联汽车\"",
    "可再生能源 消纳",
    "光伏组件 效率",
    "实施方案",
    "产业 发展",
    "新能源 汽车 出口",
    "储能",
    "电网",
    "项目开工",
    "科技创新",
    "长三角",
    "数字经济",
    "乡村振兴",
    "招商引资",
    "高质量发展",
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name}: {} queries, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
    );
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Resets the peak so the indexing figure is not the generator's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn query(i: usize) -> SearchQuery {
    let text = QUERIES[i % QUERIES.len()];
    SearchQuery {
        text: ParsedQuery::parse(text),
        channel: (i % 7 == 3).then(|| "nev".to_string()),
        from: None,
        until: None,
        sort: if i % 5 == 4 {
            SortOrder::Newest
        } else {
            SortOrder::Relevance
        },
        page: if i % 11 == 10 { 2 } else { 1 },
        per_page: 10,
    }
}

fn url(i: usize) -> String {
    let text = QUERIES[i % QUERIES.len()];
    let mut q = String::new();
    for b in text.bytes() {
        q.push_str(&format!("%{b:02X}"));
    }
    let mut url = format!("/api/v1/search?q={q}");
    if i % 7 == 3 {
        url.push_str("&channel=nev");
    }
    if i % 5 == 4 {
        url.push_str("&sort=newest");
    }
    if i % 11 == 10 {
        url.push_str("&page=2");
    }
    url
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("search benchmark: run it with `cargo bench -p newsdesk --bench search`");
        return;
    }
    let count: u64 = std::env::var("SEARCH_BENCH_ARTICLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let queries: usize = 1000;
    // SEARCH_BENCH_DATA keeps the generated store between runs (generation takes minutes and is
    // not what is measured); by default a temporary folder is used.
    let tmp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("SEARCH_BENCH_DATA").map(std::path::PathBuf::from);
    let data = kept.as_deref().unwrap_or(tmp.path());
    println!(
        "search benchmark: {count} generated articles, {queries} queries, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data).await.unwrap());
    let stored = store.count_indexable().await.unwrap();
    if stored == i64::try_from(count).unwrap() {
        println!("generated articles found in {}", data.display());
    } else {
        assert_eq!(stored, 0, "{} holds other articles", data.display());
        let started = Instant::now();
        Generator::new(1)
            .write_store(store.as_ref(), count, |_| {})
            .await
            .unwrap();
        println!(
            "generated and stored: {:.1} s (not part of the budget)",
            started.elapsed().as_secs_f64()
        );
    }

    // Indexing: the `newsdesk reindex` path, reading from the store.
    reset_peak_rss();
    let index = SearchIndex::create_empty(&data.join(newsdesk::search::INDEX_DIR)).unwrap();
    let started = Instant::now();
    let n = index.rebuild(store.as_ref(), |_| {}).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "indexing: {n} articles in {secs:.1} s = {:.0} articles/s; index {:.1} MiB on disk; peak RSS {:.0} MiB",
        n as f64 / secs,
        index.size_on_disk() as f64 / 1024.0 / 1024.0,
        peak_rss_mib()
    );

    // The start-up check (`SearchIndex::open_or_rebuild`, `newsdesk check`): the store's (id,
    // search stamp) pairs against the index's fast fields.
    let started = Instant::now();
    let diff = index.diff(store.as_ref()).await.unwrap();
    println!(
        "start-up check: {} articles against {} documents in {:.0} ms, {} to repair",
        diff.stored,
        diff.indexed,
        started.elapsed().as_secs_f64() * 1000.0,
        diff.len()
    );
    // An import cut off after its store writes: 3,000 articles stored again behind the index's
    // back, then caught up article by article.
    let generator = Generator::new(1);
    for i in 0..count.min(3_000) {
        store
            .upsert_article(&generator.article(i), &Default::default())
            .await
            .unwrap();
    }
    let started = Instant::now();
    let diff = index.diff(store.as_ref()).await.unwrap();
    index.repair(store.as_ref(), &diff, |_| {}).await.unwrap();
    println!(
        "catching up: {} stale articles found and re-indexed in {:.1} s",
        diff.stale.len(),
        started.elapsed().as_secs_f64()
    );

    // In-process: the index alone, warm (one pass over the list first).
    for i in 0..QUERIES.len() {
        index.search(&query(i)).unwrap();
    }
    let mut times = Vec::with_capacity(queries);
    let mut hits = 0;
    let mut per_text = vec![(Vec::new(), 0); QUERIES.len()];
    for i in 0..queries {
        let q = query(i);
        let t = Instant::now();
        let r = index.search(&q).unwrap();
        let took = t.elapsed();
        times.push(took);
        hits += r.total;
        per_text[i % QUERIES.len()].0.push(took);
        per_text[i % QUERIES.len()].1 += r.total;
    }
    report("in-process", times);
    println!(
        "(mean {:.0} matching articles per query)",
        hits as f64 / queries as f64
    );
    // The slow end, to know where to look: each text's slowest run (one of its runs may sort by
    // time or ask for page 2) and its mean number of matches.
    let mut slowest: Vec<(Duration, &str, usize)> = per_text
        .iter()
        .enumerate()
        .map(|(i, (t, n))| (*t.iter().max().unwrap(), QUERIES[i], n / t.len()))
        .collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (t, text, n) in slowest.iter().take(5) {
        println!(
            "  slowest: {text}  {:.2} ms, {n} matches",
            t.as_secs_f64() * 1000.0
        );
    }
    drop(index);

    // Over HTTP: the real server on loopback, one client, requests one after another.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = ServeConfig::new(data);
    config.demo = false;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(newsdesk::serve(listener, config, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    assert!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    for i in 0..QUERIES.len() {
        client
            .get(format!("{base}{}", url(i)))
            .send()
            .await
            .unwrap();
    }
    let mut times = Vec::with_capacity(queries);
    for i in 0..queries {
        let t = Instant::now();
        let r = client
            .get(format!("{base}{}", url(i)))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", url(i));
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    report("over HTTP", times);
    println!("peak RSS of the whole run {:.0} MiB", peak_rss_mib());
    let _ = tx.send(());
    server.await.unwrap().unwrap();
}
