//! Where startup with an existing index spends its time.
//! Run: cargo run --release --example startup
use std::time::Instant;
fn main() {
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let t = Instant::now();
    let (kb, _) = bujiao::knowledge::load(&paths.knowledge).unwrap();
    println!("load knowledge {:?}", t.elapsed());
    let t = Instant::now();
    let problems = bujiao::knowledge::validate(&kb);
    println!("validate {:?} ({} problems)", t.elapsed(), problems.len());
    let t = Instant::now();
    let analyzer = std::sync::Arc::new(bujiao::text::Analyzer::new(&kb.dict));
    println!("analyzer {:?}", t.elapsed());
    let t = Instant::now();
    let snap = bujiao::search::Snapshot::open_or_build(
        std::sync::Arc::new(kb),
        analyzer,
        &paths.index,
        &|_, _| {},
    )
    .unwrap();
    println!(
        "snapshot {:?} ({} entries)",
        t.elapsed(),
        snap.entries.len()
    );
}
