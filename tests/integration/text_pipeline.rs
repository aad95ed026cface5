//! Tokenizer golden table (with byte offsets), normalisation and synonyms.

use bujiao::knowledge::Dictionaries;
use bujiao::text::{normalize, Analyzer};

fn analyzer() -> Analyzer {
    Analyzer::new(&Dictionaries {
        user_dict: "灵活就业 50000 n\n滞纳金 50000 n\n缴费基数 30000 n\n断缴 50000 v\n补缴 50000 v\n待遇等待期 30000 n\n医保费 20000 n\n".into(),
        synonyms: vec![
            vec!["医保".into(), "医疗保险".into()],
            vec!["补缴".into(), "补交".into()],
            vec!["断缴".into(), "断交".into(), "中断缴费".into(), "停缴".into()],
            vec!["怎么".into(), "咋".into()],
            vec!["社保".into(), "社会保险".into()],
        ],
        stopwords: bujiao::knowledge::parse_stopwords(super::common::STOPWORDS),
        ..Default::default()
    })
}

type Golden = (&'static str, &'static [(&'static str, usize, usize)]);

const GOLDEN: &[Golden] = &[
    (
        "医保断交了咋补交",
        &[
            ("医保", 0, 6),
            ("断缴", 6, 12),
            ("怎么", 15, 18),
            ("补缴", 18, 24),
        ],
    ),
    (
        "灵活就业的滞纳金",
        &[
            ("灵活", 0, 6),
            ("就业", 6, 12),
            ("灵活就业", 0, 12),
            ("滞纳", 15, 21),
            ("滞纳金", 15, 24),
        ],
    ),
    (
        "医疗保险中断缴费",
        &[
            ("医疗", 0, 6),
            ("保险", 6, 12),
            ("医保", 0, 12),
            ("中断", 12, 18),
            ("断缴", 15, 21),
            ("缴费", 18, 24),
            ("断缴", 12, 24),
        ],
    ),
    (
        "社会保险",
        &[("社会", 0, 6), ("保险", 6, 12), ("社保", 0, 12)],
    ),
    ("12333", &[("12333", 0, 5)]),
    ("，。？", &[]),
];

#[test]
fn tokenizer_golden_table_with_byte_offsets() {
    let a = analyzer();
    for (text, want) in GOLDEN {
        let got: Vec<(String, usize, usize)> = a
            .tokens(text)
            .into_iter()
            .map(|t| (t.text, t.from, t.to))
            .collect();
        let want: Vec<(String, usize, usize)> = want
            .iter()
            .map(|(w, f, t)| (w.to_string(), *f, *t))
            .collect();
        assert_eq!(got, want, "tokens of {text:?}");
        for (w, f, t) in &got {
            assert!(
                text.is_char_boundary(*f) && text.is_char_boundary(*t),
                "{w} offsets"
            );
        }
    }
}

#[test]
fn segmentation_matches_tantivy_jieba() {
    // Our tokenizer uses jieba's search mode like tantivy-jieba; with the same dictionary and no
    // synonyms or stop words in play, both give the same words at the same offsets.
    use tantivy::tokenizer::{TokenStream, Tokenizer};
    let dict = "灵活就业 50000 n\n";
    let mut jieba = tantivy_jieba::jieba_rs::Jieba::new();
    jieba
        .load_dict(&mut std::io::BufReader::new(dict.as_bytes()))
        .unwrap();
    let mut theirs = tantivy_jieba::JiebaTokenizer::with_jieba(jieba);
    let ours = Analyzer::new(&Dictionaries {
        user_dict: dict.into(),
        ..Default::default()
    });
    let text = "灵活就业人员养老保险缴费基数";
    let mut stream = theirs.token_stream(text);
    let mut want = Vec::new();
    while stream.advance() {
        let t = stream.token();
        want.push((t.text.clone(), t.offset_from, t.offset_to));
    }
    let got: Vec<_> = ours
        .tokens(text)
        .into_iter()
        .map(|t| (t.text, t.from, t.to))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn normalisation_table() {
    let cases = [
        ("醫療保險斷繳怎麼辦？", "医疗保险断缴怎么办"),
        ("ＡＢＣ　１２３", "abc 123"),
        ("补缴😀😀了吗！！", "补缴 了吗"),
        ("基数1.2万，费率20%", "基数1.2万 费率20%"),
        ("2024-03至2024-08", "2024-03至2024-08"),
        ("   ", ""),
    ];
    for (input, want) in cases {
        assert_eq!(normalize(input), want, "normalize({input:?})");
    }
}

#[test]
fn synonyms_expand_queries_to_the_canonical_word() {
    let a = analyzer();
    assert!(a.query_terms("医疗保险").contains(&"医保".to_string()));
    assert_eq!(a.query_terms("医保"), vec!["医保".to_string()]);
    assert!(a.query_terms("社保咋补交").contains(&"补缴".to_string()));
    assert!(a.query_terms("停缴").contains(&"断缴".to_string()));
}

#[test]
fn traditional_query_finds_simplified_terms() {
    let a = analyzer();
    assert_eq!(a.query_terms("醫療保險補交"), a.query_terms("医疗保险补交"));
}
