//! Prints the analyzer's tokens with byte offsets for a sentence (used to review golden tables).
//! Run: cargo run --example dump_tokens -- "医保断交了咋补交"
fn main() {
    let (kb, _) = bujiao::knowledge::load(std::path::Path::new("knowledge")).expect("knowledge");
    let a = bujiao::text::Analyzer::new(&kb.dict);
    for s in std::env::args().skip(1) {
        let toks: Vec<String> = a
            .tokens(&s)
            .into_iter()
            .map(|t| format!("(\"{}\", {}, {})", t.text, t.from, t.to))
            .collect();
        println!("(\"{s}\", &[{}]),", toks.join(", "));
    }
}
