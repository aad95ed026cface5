use bujiao::eval::load_set;
use bujiao::text::Analyzer;
fn main() {
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge");
    let cases = load_set(std::path::Path::new("tests/eval")).unwrap();
    let feat = |t: &str| {
        let mut v: Vec<String> = snap
            .analyzer
            .query_terms(t)
            .into_iter()
            .map(|x| format!("w:{x}"))
            .collect();
        v.extend(Analyzer::bigrams(t).into_iter().map(|b| format!("b:{b}")));
        v
    };
    for p in &snap.phrasings {
        let e = &snap.entries[p.entry];
        println!(
            "{}",
            serde_json::json!({"set":"kb","id":e.id,"kind":e.kind.as_str(),"f":feat(&p.text)})
        );
    }
    for e in &snap.entries {
        println!(
            "{}",
            serde_json::json!({"set":"body","id":e.id,"kind":e.kind.as_str(),"f":feat(&e.body)})
        );
    }
    for c in &cases {
        let r = snap.rank(&c.q, None, 10).unwrap();
        let ranked: Vec<(String, f32)> = r
            .candidates
            .iter()
            .map(|x| (snap.entries[x.entry].id.clone(), x.score))
            .collect();
        println!(
            "{}",
            serde_json::json!({"set":"dev","expect":c.expect,"f":feat(&c.q),"q":c.q,"ranked":ranked})
        );
    }
}
