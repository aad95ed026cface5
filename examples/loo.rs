//! Leave-one-out ranking quality on the FAQ's own similar questions (each ranked with itself left
//! out), printing the misses. Run: cargo run --release --example loo [stride] [misses-to-print]
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
    for (i, ph) in snap.phrasings.iter().enumerate().step_by(stride.max(1)) {
        if shown >= show {
            break;
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
                "{} | want {} | got {}",
                ph.text,
                snap.entries[ph.entry].id,
                got.join(", ")
            );
        }
    }
}
