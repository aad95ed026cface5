//! In-process latency and session-store throughput for `BENCHMARKS.md` (issue 15); `benches/run.sh`
//! runs it at every corpus size.
//!
//! ```sh
//! # p50/p99 of a dialogue turn and of a one-shot ask over distinct questions, on any corpus:
//! cargo run --release --example latency -- ask --knowledge DIR --index DIR QUESTIONS.jsonl...
//! # turns per second of each session store alone (lock, load, save, release):
//! cargo run --release --example latency -- stores --knowledge DIR --index DIR [--turns 20000]
//!     [--concurrency 64] [--redis redis://127.0.0.1:6379]
//! ```
//!
//! Question files are JSON lines with a `q` (or `text`) field, or plain lines. Repeated questions
//! are asked once: every measured question is new to the process, so nothing a cache could
//! remember counts. `ask` measures, per question:
//! - `turn`: `Engine::turn` on the calling thread — normalise, segment, retrieve, rerank and the
//!   dialogue — as a two-message conversation (the question, then a follow-up naming another
//!   place, year or asking what to bring, carrying the state), which is the per-message figure
//!   the issue targets;
//! - `ask`: `Bot::ask` as `bujiao ask` calls it (blocking pool hop and turn record included).
//!
//! `localize` writes the questions again about the places of a `bujiao kb synth` corpus's copies
//! (a named place replaced by one of them, else one prefixed), as JSON lines, so larger corpora
//! are asked about their own cities too.
//!
//! The result is one JSON object on stdout; progress goes to stderr.

use bujiao::bot::{Bot, BotConfig};
use bujiao::config::Paths;
use bujiao::dialogue::State;
use bujiao::session::{SessionStore, Sessions};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn usage() -> ! {
    eprintln!(
        "usage: latency ask --knowledge DIR --index DIR FILE...\n       latency stores --knowledge DIR --index DIR [--turns N] [--concurrency C] [--redis URL]"
    );
    std::process::exit(2)
}

struct Args {
    mode: String,
    knowledge: PathBuf,
    index: PathBuf,
    files: Vec<PathBuf>,
    turns: usize,
    concurrency: usize,
    redis: Option<String>,
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let mode = it.next().unwrap_or_else(|| usage());
    let mut a = Args {
        mode,
        knowledge: "knowledge".into(),
        index: "index".into(),
        files: vec![],
        turns: 20_000,
        concurrency: 64,
        redis: std::env::var("BUJIAO_TEST_REDIS_URL").ok(),
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--knowledge" => a.knowledge = value().into(),
            "--index" => a.index = value().into(),
            "--turns" => a.turns = value().parse().unwrap_or_else(|_| usage()),
            "--concurrency" => a.concurrency = value().parse().unwrap_or_else(|_| usage()),
            "--redis" => a.redis = Some(value()),
            s if s.starts_with("--") => usage(),
            file => a.files.push(file.into()),
        }
    }
    a
}

/// Distinct questions from JSON-lines (`q` or `text`) or plain-text files, in file order.
fn questions(files: &[PathBuf]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let q = match serde_json::from_str::<Value>(line) {
                Ok(v) => v
                    .get("q")
                    .or_else(|| v.get("text"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                Err(_) => Some(line.to_string()),
            };
            if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
                if seen.insert(q.clone()) {
                    out.push(q);
                }
            }
        }
    }
    out
}

fn percentiles(mut v: Vec<Duration>) -> Value {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6;
    let mean = v.iter().sum::<Duration>().as_secs_f64() * 1e6 / v.len() as f64;
    json!({
        "n": v.len(),
        "p50_us": (at(0.50) * 10.0).round() / 10.0,
        "p99_us": (at(0.99) * 10.0).round() / 10.0,
        "max_us": (at(1.0) * 10.0).round() / 10.0,
        "mean_us": (mean * 10.0).round() / 10.0,
    })
}

async fn open_bot(a: &Args, data: &std::path::Path) -> Bot {
    let paths = Paths {
        knowledge: a.knowledge.clone(),
        index: a.index.clone(),
        data: data.to_path_buf(),
    };
    Bot::open(&BotConfig::new(paths, "memory"))
        .await
        .expect("the knowledge loads")
}

/// Follow-ups people send after an answer: another place, another year, what to bring, how much.
fn follow_up(i: usize, places: &[String]) -> String {
    let place = &places[i % places.len()];
    match i % 4 {
        0 => format!("那{place}呢"),
        1 => format!("{}年的呢", 2023 + i % 3),
        2 => "需要带什么材料".to_string(),
        _ => format!("我在{place}，要交多少钱"),
    }
}

fn ask_mode(a: &Args, rt: &tokio::runtime::Runtime) -> Value {
    let qs = questions(&a.files);
    assert!(!qs.is_empty(), "no questions");
    let data = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let bot = rt.block_on(open_bot(a, data.path()));
    let open_ms = started.elapsed().as_millis();
    let snapshot = bot.snapshot();
    let places: Vec<String> = snapshot
        .kb
        .region_table
        .as_ref()
        .map(|t| t.regions().iter().map(|r| r.name.clone()).collect())
        .unwrap_or_else(|| vec!["北京".into()]);
    eprintln!(
        "{} distinct questions, {} entries, opened in {open_ms} ms",
        qs.len(),
        snapshot.entries.len()
    );
    let engine = bot.engine().clone();
    // Warm the allocator and caches on messages outside the measured set.
    for w in ["你好", "谢谢", "再见"] {
        let _ = engine.turn(&mut State::default(), w);
    }
    let mut turn = Vec::with_capacity(qs.len() * 2);
    let mut first = Vec::with_capacity(qs.len());
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for (i, q) in qs.iter().enumerate() {
        let mut st = State::default();
        let t = Instant::now();
        let r = engine.turn(&mut st, q);
        let d = t.elapsed();
        turn.push(d);
        first.push(d);
        *kinds.entry(format!("{:?}", r.kind)).or_default() += 1;
        let f = follow_up(i, &places);
        let t = Instant::now();
        let _ = engine.turn(&mut st, &f);
        turn.push(t.elapsed());
    }
    // `Bot::ask` as `bujiao ask` does it; questions reversed so the order differs from above.
    let mut ask = Vec::with_capacity(qs.len());
    for q in qs.iter().rev() {
        let t = Instant::now();
        let r = rt.block_on(bot.ask(q));
        ask.push(t.elapsed());
        assert!(!r.text.is_empty());
    }
    rt.block_on(bot.records_flushed());
    json!({
        "knowledge": a.knowledge,
        "entries": snapshot.entries.len(),
        "questions": qs.len(),
        "open_ms": open_ms,
        "first_message": percentiles(first),
        "turn": percentiles(turn),
        "ask": percentiles(ask),
        "reply_kinds": kinds,
    })
}

/// Threads of this process now (the blocking pool grows under a contended store).
fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// `turns` turns (lock, load, save, release) of `concurrency` tasks over distinct sessions.
async fn store_turns(
    store: Arc<dyn SessionStore>,
    state: Arc<State>,
    turns: usize,
    concurrency: usize,
) -> Value {
    let sessions = Arc::new(Sessions::new(store, bujiao::dialogue::STATE_VERSION));
    let next = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(threads()));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(threads(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (sessions, next, state) = (sessions.clone(), next.clone(), state.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut j = 0usize;
            while next.fetch_add(1, Ordering::Relaxed) < turns {
                let id = format!("bench-{t}-{}", j % 100);
                j += 1;
                let s = Instant::now();
                let guard = sessions.lock(&id).await;
                let loaded = sessions.load::<State>(&id).await;
                errors += usize::from(loaded.is_err());
                errors += usize::from(sessions.save(&id, &*state).await.is_err());
                guard.release().await;
                lat.push(s.elapsed());
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("store task");
        lat.extend(l);
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    sampling.abort();
    json!({
        "turns": lat.len(),
        "concurrency": concurrency,
        "turns_per_s": (lat.len() as f64 / secs).round(),
        "errors": errors,
        "latency": percentiles(lat),
        "peak_threads": peak.load(Ordering::Relaxed),
    })
}

fn stores_mode(a: &Args, rt: &tokio::runtime::Runtime) -> Value {
    let data = tempfile::tempdir().expect("temp dir");
    let bot = rt.block_on(open_bot(a, data.path()));
    // A realistic stored state: a calculation half-asked after a few turns.
    let mut state = State::default();
    for m in ["我在武汉灵活就业，想补缴养老保险", "基数3000", "按20%"] {
        let _ = bot.engine().turn(&mut state, m);
    }
    let state_bytes = serde_json::to_string(&state).map(|s| s.len()).unwrap_or(0);
    let state = Arc::new(state);
    let mut out = json!({ "state_bytes": state_bytes });
    let specs = [
        ("memory".to_string(), "memory".to_string()),
        (
            "sqlite".to_string(),
            format!("sqlite:{}", data.path().join("sessions.sqlite3").display()),
        ),
        (
            "redis".to_string(),
            a.redis
                .clone()
                .unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
        ),
    ];
    for (name, spec) in specs {
        let opened = rt.block_on(async {
            let store = bujiao::session::open_store(&spec, data.path()).await.ok()?;
            // A Redis URL opens lazily: check that the server answers before measuring.
            let probe = tokio::time::timeout(Duration::from_secs(2), store.load("probe")).await;
            matches!(probe, Ok(Ok(_))).then_some(store)
        });
        let Some(store) = opened else {
            eprintln!("{name}: unreachable, skipped");
            out[name] = json!("skipped: unreachable");
            continue;
        };
        let r = rt.block_on(store_turns(store, state.clone(), a.turns, a.concurrency));
        eprintln!("{name}: {r}");
        out[name] = r;
    }
    out
}

/// The questions again, each about one of the synthetic copies' cities.
fn localize_mode(a: &Args) {
    let (kb, _) = bujiao::knowledge::load(&a.knowledge).expect("the knowledge loads");
    let table = kb.region_table.clone().expect("dict/regions.toml");
    let is_copy = |id: &str| {
        id.rsplit_once("-s")
            .is_some_and(|(_, k)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut cities: Vec<String> = Vec::new();
    for f in kb.faqs.iter().filter(|f| is_copy(&f.id)) {
        for r in &f.regions {
            if !cities.contains(r) && table.get(r).is_some() {
                cities.push(r.clone());
            }
        }
    }
    assert!(
        !cities.is_empty(),
        "no synthetic copies in {}",
        a.knowledge.display()
    );
    let mut out = std::io::stdout().lock();
    for (i, q) in questions(&a.files).iter().enumerate() {
        let city = &cities[(i * 37) % cities.len()];
        let found = table.find_all(q);
        let localized = if found.is_empty() {
            format!("{city}{q}")
        } else {
            let mut s = String::new();
            let mut at = 0;
            for m in found {
                s.push_str(&q[at..m.range.start]);
                s.push_str(city);
                at = m.range.end;
            }
            s.push_str(&q[at..]);
            s
        };
        use std::io::Write;
        writeln!(out, "{}", json!({ "q": localized })).expect("stdout");
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let out = match a.mode.as_str() {
        "ask" => ask_mode(&a, &rt),
        "stores" => stores_mode(&a, &rt),
        "localize" => return localize_mode(&a),
        _ => usage(),
    };
    println!("{out}");
}
