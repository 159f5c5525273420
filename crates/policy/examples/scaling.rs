//! Prints extraction time for pathological inputs at growing sizes, to eyeball linearity:
//! `cargo run --release -p policy --example scaling`.

fn main() {
    let cases = [
        (
            "list",
            "新增企业1个、“项目2家、力争3万人以上其中全覆盖，1~2个",
        ),
        ("flat", "新增企业12个力争"),
        ("digits", "1234567890"),
        ("numerals", "一二三四五六七八九十百千万亿"),
        ("quotes", "“新增12个"),
        (
            "newlines",
            "新增企业12个力争新增企业12个力争新增企业12个力争\n",
        ),
    ];
    for (name, unit) in cases {
        for reps in [10_000, 40_000] {
            let s = unit.repeat(reps);
            let t = std::time::Instant::now();
            let n = policy::extract(&s).len();
            println!(
                "{name:>8} {:>9} chars: {:>8.2} ms, {n} targets",
                s.chars().count(),
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
