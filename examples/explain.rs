//! Prints the ranking features of the top candidates for a question (for tuning).
//! Run: cargo run --example explain -- "社保滞纳金怎么算"
fn main() {
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge loads");
    for q in std::env::args().skip(1) {
        let ranked = snap.rank(&q, None, 8).expect("rank");
        println!("{q}  terms={:?}", ranked.terms);
        for c in &ranked.candidates {
            let e = &snap.entries[c.entry];
            println!(
                "  {:.3} sim={:.3} cov={:.3} bm25={:.2}  {} | {}",
                c.score, c.similarity, c.coverage, c.bm25, e.id, snap.phrasings[c.phrasing].text
            );
        }
    }
}
