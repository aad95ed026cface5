//! Prints what the slot extractor reads from messages (for reviewing the extractor).
//! Run: cargo run --example slots -- "灵活就业,基数3000,按20%补缴养老保险6个月"
fn main() {
    let (kb, _) = bujiao::knowledge::load(std::path::Path::new("knowledge")).expect("knowledge");
    let table = kb.region_table.expect("regions");
    for s in std::env::args().skip(1) {
        let norm = bujiao::text::normalize(&s);
        let ex = bujiao::dialogue::slots::extract(
            &norm,
            Some(bujiao::dialogue::slots::SlotName::Base),
            &table,
        );
        println!(
            "{s}\n  {:?}\n  problems {:?} correction {}",
            ex.slots, ex.problems, ex.correction
        );
    }
}
