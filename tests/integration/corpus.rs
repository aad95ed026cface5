//! The bad-input corpus `tests/bad_inputs.toml`, read for the runners in this binary
//! (`bad_inputs.rs`) and in `tests/integration/telegram/`.
#![allow(dead_code)]

/// One case of the corpus, its text as bytes (invalid UTF-8 allowed).
pub struct Case {
    pub name: String,
    pub bytes: Vec<u8>,
    pub expect: Option<String>,
    /// A value aimed at the calculators (`calc_only = true`; still sent everywhere).
    pub calc_only: bool,
}

impl Case {
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// The corpus, read from `tests/bad_inputs.toml`.
pub fn corpus() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad_inputs.toml");
    let doc: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let s = |c: &toml::Value, k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_string);
    doc["case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let name = s(c, "name").expect("a case has a name");
            let bytes = if let Some(t) = s(c, "text") {
                t.into_bytes()
            } else if let Some(unit) = s(c, "repeat") {
                let n = c["count"].as_integer().unwrap() as usize;
                let mut t = s(c, "prefix").unwrap_or_default();
                t.push_str(&unit.repeat(n));
                t.push_str(&s(c, "suffix").unwrap_or_default());
                t.into_bytes()
            } else if let Some(h) = s(c, "hex") {
                h.split_whitespace()
                    .map(|b| u8::from_str_radix(b, 16).unwrap())
                    .collect()
            } else {
                panic!("case {name:?} has no text, repeat or hex");
            };
            Case {
                name,
                bytes,
                expect: s(c, "expect"),
                calc_only: c.get("calc_only").and_then(|v| v.as_bool()) == Some(true),
            }
        })
        .collect()
}
