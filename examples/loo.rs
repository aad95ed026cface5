//! Leave-one-out ranking quality on the FAQ's own similar questions (each ranked with itself left
//! out, by weights and a classifier that never saw it), printing the misses as
//! `entry <TAB> phrasing <TAB> got`. Run: cargo run --release --example loo [stride] [max-misses]
use bujiao::eval::held_out_phrasings;
use bujiao::search::{Kind, RankParams};

fn main() {
    let mut args = std::env::args().skip(1);
    let stride: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let show: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge");
    let p = RankParams::default();
    let r = held_out_phrasings(&snap, &p, stride).unwrap();
    println!("{r:?}");
    let mut shown = 0;
    let mut prev = usize::MAX;
    for (i, ph) in snap.phrasings.iter().enumerate() {
        let first = ph.entry != prev;
        prev = ph.entry;
        if shown >= show || first || i % stride.max(1) != 0 {
            continue;
        }
        if snap.entries[ph.entry].kind != Kind::Faq {
            continue;
        }
        let ranked = snap.rank_held_out(i, 3, &p).unwrap();
        if ranked.candidates.first().map(|c| c.entry) != Some(ph.entry) {
            shown += 1;
            let got: Vec<String> = ranked
                .candidates
                .iter()
                .map(|c| format!("{} {:.2}", snap.entries[c.entry].id, c.score))
                .collect();
            println!(
                "{}\t{}\t{}",
                snap.entries[ph.entry].id,
                ph.text,
                got.join(", ")
            );
        }
    }
}
