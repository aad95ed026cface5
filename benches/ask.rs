//! Latency of search alone and of `ask` in-process, over a fixed list of citizen questions.
//! Run: cargo bench --bench ask
//! Each iteration asserts its result, so a fast wrong answer cannot pass. Startup with an existing
//! index (load knowledge + analyzer + open index) is measured too.

use bujiao::answer::{load_snapshot, Answerer, ReplyKind};
use bujiao::config::Paths;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::PathBuf;

const QUESTIONS: &[&str] = &[
    "单位被兼并了以前欠的医保费找谁",
    "社保滞纳金一天收多少",
    "医保断交了三个月还能报销吗",
    "灵活就业养老保险能补缴以前的吗",
    "居民医保断了两年再交要等几个月",
    "退休时医保年限不够怎么办",
    "北京职工医保退休要交多少年",
    "个人医保怎么在网上交",
    "养老保险交不满15年怎么办",
    "明天会下雨吗",
    "灵活就业,基数3000,按20%补缴养老保险6个月",
];

/// A message of exactly `chars` characters made of a citizen's story told over and over.
fn long_message(chars: usize) -> String {
    const STORY: &str =
        "我在武汉灵活就业，基数3000，按20%补缴养老保险6个月，欠了5000元，晚了30天，\
                         从2024年3月1日到2024年8月15日没交，交了12年，断了2年，电话13912345678。";
    STORY.chars().cycle().take(chars).collect()
}

fn paths() -> Paths {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Paths {
        knowledge: root.join("knowledge"),
        index: root.join("target").join("bench-index"),
        data: root.join("target").join("bench-data"),
    }
}

fn benches(c: &mut Criterion) {
    let p = paths();
    let answerer = Answerer::new(load_snapshot(&p, &|_, _| {}).expect("knowledge loads"));

    c.bench_function("startup_with_existing_index", |b| {
        b.iter(|| {
            let s = load_snapshot(&p, &|_, _| {}).unwrap();
            assert!(!s.entries.is_empty());
        })
    });

    // Slot extraction of a 2,000-character message (a long story pasted into the chat). The
    // scanner is linear in the message length: well under a millisecond here (it took ≈12 ms
    // while every consumed span re-validated the whole message as UTF-8).
    let regions = {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/dict/regions.toml");
        let text = std::fs::read_to_string(path).expect("regions.toml");
        bujiao::dialogue::regions::RegionTable::from_toml(&text).expect("valid regions.toml")
    };
    let long = long_message(2000);
    c.bench_function("slots_extract_2000_chars", |b| {
        b.iter(|| {
            let e = bujiao::dialogue::slots::extract(&long, None, &regions);
            assert!(e.slots.months.is_some(), "months in the long message");
        })
    });

    long_messages(c, &answerer, &regions);

    let snap = answerer.snapshot();
    let mut i = 0;
    c.bench_function("search_rank_only", |b| {
        b.iter(|| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            i += 1;
            let r = snap.rank(q, None, 10).unwrap();
            assert!(!r.candidates.is_empty() || q.contains("下雨"));
        })
    });

    let mut i = 0;
    c.bench_function("staff_search_with_snippets", |b| {
        b.iter(|| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            i += 1;
            let r = answerer.search(q, 10, None).unwrap();
            assert!(!r.hits.is_empty() || q.contains("下雨"));
        })
    });

    let mut i = 0;
    c.bench_function("ask", |b| {
        b.iter(|| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            i += 1;
            let r = answerer.ask(q);
            assert_ne!(r.kind, ReplyKind::Error, "{q}");
        })
    });

    // Per-question percentiles (criterion reports means; the issue asks for p50/p99).
    let report = |name: &str, f: &mut dyn FnMut(&str)| {
        let mut samples = Vec::new();
        for _ in 0..200 {
            for q in QUESTIONS {
                let t = std::time::Instant::now();
                f(q);
                samples.push(t.elapsed());
            }
        }
        samples.sort();
        let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
        println!(
            "{name} per question over {} runs: p50 {:?}  p99 {:?}  max {:?}",
            samples.len(),
            pct(0.50),
            pct(0.99),
            samples[samples.len() - 1]
        );
    };
    report("ask", &mut |q| {
        assert_ne!(answerer.ask(q).kind, ReplyKind::Error, "{q}");
    });
    // The citizen path: the dialogue engine (slot extraction, intent, retrieval or calculator)
    // with a fresh in-memory session per question, as `bujiao ask` does.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = bujiao::bot::Bot::new(bujiao::dialogue::Engine::new(
        std::sync::Arc::new(Answerer::new_shared(answerer.snapshot())),
        bujiao::session::Sessions::new(
            std::sync::Arc::new(bujiao::session::MemoryStore::new()),
            bujiao::dialogue::STATE_VERSION,
        ),
    ));
    let mut n = 0u64;
    report("ask via dialogue engine", &mut |q| {
        n += 1;
        let r = rt.block_on(engine.handle(&format!("b{n}"), q));
        assert_ne!(r.kind, ReplyKind::Error, "{q}");
    });
    report("search (rank only)", &mut |q| {
        assert!(snap.rank(q, None, 10).is_ok());
    });
    report("staff search with snippets", &mut |q| {
        assert!(answerer.search(q, 10, None).is_ok());
    });
}

/// Realistic Chinese of exactly `chars` characters: the corpus's own FAQ phrasings (what citizens
/// ask, in their words), one after another, separated by commas, with a figure now and then.
fn realistic_message(chars: usize) -> String {
    let (kb, _) = bujiao::knowledge::load(&paths().knowledge).expect("knowledge loads");
    let mut out = String::new();
    let phrasings = kb
        .faqs
        .iter()
        .flat_map(|f| std::iter::once(&f.question).chain(&f.similar));
    for (i, p) in phrasings.cycle().enumerate() {
        if out.chars().count() >= chars {
            break;
        }
        out.push_str(p);
        out.push_str(if i % 7 == 3 {
            "，欠了3个月，基数5000元，"
        } else {
            "，"
        });
    }
    out.chars().take(chars).collect()
}

/// #15 "Long messages": the cost of one in-process turn grows linearly with the message. 2,000
/// characters (the longest message any channel accepts) through the whole citizen path (the
/// `Bot`, as `ask` and the channels run it), and 200 / 2,000 / 20,000 through the library directly
/// (the dialogue engine's turn, then the retrieval and slot extraction it contains), reported per
/// character by criterion's throughput so linear means a flat rate.
fn long_messages(
    c: &mut Criterion,
    answerer: &Answerer,
    regions: &bujiao::dialogue::regions::RegionTable,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = std::sync::Arc::new(bujiao::dialogue::Engine::new(
        std::sync::Arc::new(Answerer::new_shared(answerer.snapshot())),
        bujiao::session::Sessions::new(
            std::sync::Arc::new(bujiao::session::MemoryStore::new()),
            bujiao::dialogue::STATE_VERSION,
        ),
    ));
    let bot = bujiao::bot::Bot::new(bujiao::dialogue::Engine::new(
        std::sync::Arc::new(Answerer::new_shared(answerer.snapshot())),
        bujiao::session::Sessions::new(
            std::sync::Arc::new(bujiao::session::MemoryStore::new()),
            bujiao::dialogue::STATE_VERSION,
        ),
    ));
    let mut g = c.benchmark_group("long_message");
    let msg2k = realistic_message(2000);
    g.throughput(Throughput::Elements(2000));
    g.bench_function("bot_ask_2000", |b| {
        b.iter(|| {
            let r = rt.block_on(bot.ask(&msg2k));
            assert_ne!(r.kind, ReplyKind::Error, "{}", r.text);
        })
    });
    for n in [200usize, 2_000, 20_000] {
        let msg = realistic_message(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("engine_turn", n), &msg, |b, m| {
            b.iter(|| {
                let mut st = bujiao::dialogue::State::default();
                let r = engine.turn(&mut st, m);
                assert_ne!(r.kind, ReplyKind::Error, "{}", r.text);
            })
        });
        g.bench_with_input(BenchmarkId::new("answerer_ask", n), &msg, |b, m| {
            b.iter(|| answerer.ask(m))
        });
        g.bench_with_input(BenchmarkId::new("slots_extract", n), &msg, |b, m| {
            let norm = bujiao::text::normalize(m);
            b.iter(|| bujiao::dialogue::slots::extract(&norm, None, regions))
        });
        g.bench_with_input(BenchmarkId::new("normalize", n), &msg, |b, m| {
            b.iter(|| bujiao::text::normalize(m))
        });
    }
    g.finish();
}

criterion_group! {
    name = ask;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(ask);
