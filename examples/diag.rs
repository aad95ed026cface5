//! Per-case diagnostics on an eval set: domain verdict, top candidates and scores.
//! Run: cargo run --release --example diag -- tests/eval
use bujiao::answer::Domain;
use bujiao::eval::load_set;

fn main() {
    let set = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/eval".into());
    let cases = load_set(std::path::Path::new(&set)).expect("eval set");
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge");
    let domain = Domain::new(&snap.kb.dict);
    for c in &cases {
        let v = domain.check(&c.q);
        let r = snap.rank(&c.q, None, 5).unwrap();
        let pos = r
            .candidates
            .iter()
            .position(|x| c.expect.contains(&snap.entries[x.entry].id));
        let top = r.candidates.first();
        let s1 = top.map(|t| t.score).unwrap_or(0.0);
        let s2 = r.candidates.get(1).map(|t| t.score).unwrap_or(0.0);
        let tid = top
            .map(|t| snap.entries[t.entry].id.as_str())
            .unwrap_or("-");
        let off = c.wants_fallback();
        println!(
            "{}\t{}\t{:?}\t{:.3}\t{:.3}\tsim {:.3}\tcov {:.3}\t{}\t{}\t{}\t{}",
            if off { "OFF" } else { "IN" },
            pos.map(|p| p as i32).unwrap_or(-1),
            match v {
                bujiao::answer::DomainVerdict::Ours => "ours",
                bujiao::answer::DomainVerdict::NoSignal => "none",
                _ => "other",
            },
            s1,
            s1 - s2,
            top.map(|t| t.similarity).unwrap_or(0.0),
            top.map(|t| t.coverage).unwrap_or(0.0),
            tid,
            c.expect.join("|"),
            c.q,
            r.terms.join("/")
        );
    }
}
