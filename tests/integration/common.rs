//! Shared helpers for the integration tests: a small knowledge fixture and the real corpus.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Copies the directory tree `from` to `to` (created as needed).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A name no other test or concurrent run uses: `prefix`, the process id, the clock and a
/// counter, joined by `_` (safe as a PostgreSQL identifier, a Redis key prefix or channel).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub const FIXTURE_FAQ: &str = r#"
[[faq]]
id = "merged"
question = "欠费单位被兼并了，欠的医保费找谁补？"
similar = ["公司被合并了以前欠的社保谁交", "单位兼并后欠缴医疗保险由谁负责", "被兼并企业的欠费谁来补", "厂子让人合并了欠的保险费咋办"]
answer = "由兼并方补缴，医保经办机构与兼并方签订补缴协议。"
tags = ["兼并"]
insurance = "medical"
audience = ["employer"]
regions = []
sources = ["doc:procedure"]
effective = "2011-07-01"
updated = "2026-11-25"
status = "published"

[[faq]]
id = "late-fee"
question = "单位欠缴社保的滞纳金怎么算？"
similar = ["社保滞纳金按什么标准收", "欠社保费每天加收多少滞纳金", "补缴社保要交滞纳金吗", "晚交社保费罚多少"]
answer = "自欠缴之日起按日加收万分之五的滞纳金，不计复利。"
tags = ["滞纳金"]
insurance = "any"
audience = ["employer"]
regions = []
sources = ["law:SIL-86"]
effective = "2011-07-01"
updated = "2026-11-25"
status = "published"

[[faq]]
id = "ningbo-gap"
question = "宁波医保中断三个月内补缴能报销吗？"
similar = ["宁波医保断了两个月补上后能报销吗", "在宁波医保中断后补缴可以零星报销吗", "宁波断缴医保补交以后中间看病的钱能报吗", "宁波医保停了俩月能补吗"]
answer = "按宁波市（2023年）规定，中断不超过3个月并补缴的，可对中断期间的医疗费申请零星报销。"
tags = ["断缴"]
insurance = "medical"
audience = ["employee"]
regions = ["宁波"]
sources = ["doc:ningbo"]
effective = "2023-01-01"
updated = "2026-11-25"
status = "published"

[[faq]]
id = "draft-entry"
question = "草稿条目不应被检索到吗？"
similar = ["草稿一", "草稿二", "草稿三", "草稿四"]
answer = "草稿。"
tags = []
insurance = "any"
audience = ["any"]
regions = []
sources = ["law:SIL-86"]
effective = "2011-07-01"
updated = "2026-11-25"
status = "draft"
"#;

pub const FIXTURE_LAW: &str = r#"
[[law]]
id = "SIL-86"
law = "中华人民共和国社会保险法"
article = "第八十六条"
text = "用人单位未按时足额缴纳社会保险费的，由社会保险费征收机构责令限期缴纳或者补足，并自欠缴之日起，按日加收万分之五的滞纳金。"
effective = "2011-07-01"
tags = ["滞纳金"]
"#;

pub const FIXTURE_DOCS: &str = r#"
[[doc]]
id = "procedure"
title = "医疗保险欠费补缴经办规程"
issuer = "经办机构"
year = 2023
region = ""

[[doc]]
id = "ningbo"
title = "宁波市医疗保险费补缴办法"
issuer = "宁波市人社局"
year = 2023
region = "宁波"
"#;

pub const FIXTURE_DOMAIN: &str = r#"
core = ["社保", "医保", "医疗保险"]
in_domain = ["补缴", "滞纳金", "欠费", "兼并"]
out_of_domain_phrases = ["养老金补发"]
[[other]]
words = ["个税"]
referral = "请拨打 12366。"
"#;

/// A small, valid knowledge directory.
pub fn fixture_kb(dir: &Path) {
    write(dir, "faq/fixture.toml", FIXTURE_FAQ);
    write(dir, "laws/sil.toml", FIXTURE_LAW);
    write(dir, "sources/docs.toml", FIXTURE_DOCS);
    write(dir, "dict/user.dict", "滞纳金 50000 n\n兼并方 20000 n\n");
    write(
        dir,
        "dict/synonyms.txt",
        "医保 医疗保险\n补缴 补交\n社保 社会保险\n",
    );
    write(dir, "dict/domain.toml", FIXTURE_DOMAIN);
    write(dir, "dict/stopwords.txt", STOPWORDS);
}

/// The shipped stop words (fixtures segment like the real knowledge base).
pub const STOPWORDS: &str = include_str!("../../knowledge/dict/stopwords.txt");

pub fn repo_knowledge() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// An index of the real knowledge base, built once per test run and shared (read-only) by tests.
pub fn repo_index() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repo-index");
        let paths = bujiao::config::Paths {
            knowledge: repo_knowledge(),
            index: dir.clone(),
            data: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repo-data"),
        };
        let snap =
            bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("real knowledge base loads");
        // Left over from a run on older files, the index was patched (approximate classifier):
        // tests pin the answers of an exact build, as a fresh clone gets.
        snap.rebuilt_if_patched(&dir).expect("full rebuild");
        dir
    })
    .clone()
}

/// An answerer over the real knowledge base.
pub fn repo_answerer() -> &'static bujiao::answer::Answerer {
    static A: OnceLock<bujiao::answer::Answerer> = OnceLock::new();
    A.get_or_init(|| {
        let paths = bujiao::config::Paths {
            knowledge: repo_knowledge(),
            index: repo_index(),
            data: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repo-data"),
        };
        let snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("loads");
        bujiao::answer::Answerer::new(snap)
    })
}
