//! Extraction throughput on 1 MB and 10 MB of Chinese report text (the seed article repeated).
//! Plain `std::time`, no criterion: `cargo bench -p policy` builds in seconds on two cores.
//! Prints the median of several runs in MB/s (10^6 bytes of UTF-8 input per second), by wall
//! clock and, on Linux, by the thread's own CPU time (`/proc/thread-self/schedstat`), which
//! stays a one-core figure when other processes compete for the cores.

use std::time::Instant;

const SEED: &str = include_str!("../tests/fixtures/seed-article-hefei-nev-2024.txt");
const RUNS: usize = 7;

fn corpus(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + SEED.len());
    while s.len() < bytes {
        s.push_str(SEED);
        s.push('\n');
    }
    s
}

/// Nanoseconds this thread has run on a CPU, where the kernel reports it.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo test --benches` runs benches with `--test`-like args; keep that quick.
    let quick = std::env::args().any(|a| a == "--test");
    let sizes: &[(usize, &str)] = if quick {
        &[(100_000, "100 kB")]
    } else {
        &[(1_000_000, "1 MB"), (10_000_000, "10 MB")]
    };
    for &(bytes, label) in sizes {
        let text = corpus(bytes);
        let mb = text.len() as f64 / 1e6;
        let mut rates = Vec::new();
        let mut cpu_rates = Vec::new();
        let mut found = 0;
        for _ in 0..if quick { 1 } else { RUNS } {
            let cpu0 = thread_cpu_ns();
            let t = Instant::now();
            let targets = policy::extract(std::hint::black_box(&text));
            let secs = t.elapsed().as_secs_f64();
            if let (Some(a), Some(b)) = (cpu0, thread_cpu_ns())
                && b > a
            {
                cpu_rates.push(mb / ((b - a) as f64 / 1e9));
            }
            found = targets.len();
            rates.push(mb / secs);
        }
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rates.iter().copied().fold(0.0, f64::max);
        println!(
            "extract {label:>6} ({:.2} MB, {} chars, {found} targets): median {:.1} MB/s (min {:.1}, max {:.1}, {} runs)",
            mb,
            text.chars().count(),
            median(rates.clone()),
            min,
            max,
            rates.len()
        );
        if !cpu_rates.is_empty() {
            println!(
                "extract {label:>6} by thread CPU time: median {:.1} MB/s",
                median(cpu_rates)
            );
        }
    }
}
