//! The topic of a conversation: the knowledge entry answered last, so that a follow-up which only
//! names a place ("北京", "那天津呢") or gives values ("基数按6000", "补12个月") continues it
//! instead of being searched on its own (a lone city name matches nothing and would be answered
//! "not in my scope").
//!
//! A place gets the local version of the answer: an entry that `localizes` it (or the entry it
//! localizes, when the answer was itself local) for that place, else the same question ranked
//! with the place named; when there is none, one sentence saying so, the national frame and the
//! places that do have a local version. Values start the calculation the topic is about. Not:
//! the wording of a question the knowledge base answers (that is `answer`), nor the forms.

use super::intent::FormKind;
use super::regions::RegionTable;
use crate::answer::{self, Reply, ReplyKind, ReplyOption, SourceRef};
use crate::search::{Entry, Kind, Snapshot};
use crate::text::vocabulary;

/// How many places a "we have these" list names at most.
const MAX_PLACES: usize = 8;

/// The reply to a follow-up naming only `place` (canonical region name) after `topic` was
/// answered; `None` when the topic is no longer in the knowledge base.
pub fn local_reply(
    snap: &Snapshot,
    regions: &RegionTable,
    topic: &str,
    place: &str,
) -> Option<Reply> {
    let topic_entry = snap.entries.iter().find(|e| e.id == topic)?;
    let wanted = regions.enclosing(place);
    let wanted = if wanted.is_empty() {
        vec![place.to_string()]
    } else {
        wanted
    };
    // The national entries the topic is about: the topic itself, or what it is the local version of.
    let roots: Vec<&str> = if topic_entry.localizes.is_empty() {
        vec![topic_entry.id.as_str()]
    } else {
        topic_entry.localizes.iter().map(String::as_str).collect()
    };
    let serves = |e: &Entry| wanted.iter().position(|w| e.regions.contains(w));
    // 1. An entry linked to the topic for this place (a city's own rule before its province's).
    let linked = snap
        .entries
        .iter()
        .filter(|e| !e.superseded && e.localizes.iter().any(|l| roots.contains(&l.as_str())))
        .filter_map(|e| serves(e).map(|rank| (rank, e)))
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, e)| e);
    if let Some(e) = linked.or_else(|| (serves(topic_entry).is_some()).then_some(topic_entry)) {
        return answer::answer_entry(snap, &e.id);
    }
    // 2. The same question asked with the place named: the ranker prefers a local rule for it.
    let root = roots
        .iter()
        .find_map(|r| snap.entries.iter().find(|e| e.id == *r))
        .unwrap_or(topic_entry);
    if let Ok(ranked) = snap.rank(&format!("{place}{}", root.title), None, 3) {
        if let Some(top) = ranked.candidates.first() {
            let e = &snap.entries[top.entry];
            if e.kind == Kind::Faq && !e.superseded && serves(e).is_some() {
                return answer::answer_entry(snap, &e.id);
            }
        }
    }
    // 3. No local version: say so in one sentence, give the national frame and the places we have.
    let places = local_places(snap, regions, &roots);
    let national = root.regions.is_empty();
    let mut text = if national {
        format!(
            "我这里还没有收录{place}关于这个问题的地方规定；下面是全国通用的规定，{place}的具体做法请以当地经办机构为准（社保 12333，医保 12393）。\n\n"
        )
    } else {
        format!(
            "我这里还没有收录{place}关于这个问题的规定；刚才的答复是{}的地方规定，不适用于{place}，请以当地经办机构为准（社保 12333，医保 12393）。\n\n",
            root.regions.join("、")
        )
    };
    let frame = answer::answer_entry(snap, &root.id)?;
    text.push_str(&frame.text);
    if places.is_empty() {
        text.push_str("\n\n这个问题我目前没有收录任何城市的地方规定。");
    } else {
        text.push_str(&format!(
            "\n\n这个问题已收录地方规定的地区：{}。可以直接告诉我其中的地区名。",
            places.join("、")
        ));
    }
    let mut r = Reply::new(ReplyKind::Answer, text);
    r.sources = vec![SourceRef {
        id: root.id.clone(),
        title: root.title.clone(),
        score: 1.0,
    }];
    r.options = places
        .iter()
        .take(4)
        .map(|p| ReplyOption::say(p.as_str()))
        .collect();
    if let Some(form) = topic_form(root) {
        r.options.push(ReplyOption::calc(
            form.id(),
            format!("算一下{}", form.label()),
        ));
    }
    Some(r)
}

/// The places (known to the region table) with an entry that localizes one of `roots`.
pub fn local_places(snap: &Snapshot, regions: &RegionTable, roots: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &snap.entries {
        if e.superseded || !e.localizes.iter().any(|l| roots.contains(&l.as_str())) {
            continue;
        }
        for r in &e.regions {
            if regions.get(r).is_some() && !out.contains(r) && out.len() < MAX_PLACES {
                out.push(r.clone());
            }
        }
    }
    out
}

/// The calculation an entry is about, if any: what values said after it ("基数按6000") are for.
pub fn topic_form(e: &Entry) -> Option<FormKind> {
    let words = |ws: &[&str]| {
        ws.iter()
            .any(|w| e.title.contains(w) || e.tags.iter().any(|t| t.contains(w)))
    };
    if words(&["滞纳金"]) {
        Some(FormKind::LateFee)
    } else if words(&["等待期"]) {
        Some(FormKind::WaitingPeriod)
    } else if words(&["退休"]) && words(&["医保", "医疗"]) {
        Some(FormKind::RetireeTopup)
    } else if words(&[
        "补缴",
        "补交",
        "缴费基数",
        "缴费金额",
        "交多少",
        "费率",
        "档次",
    ]) {
        Some(FormKind::Contribution)
    } else {
        None
    }
}

/// The topic's entry, by id.
pub fn entry<'a>(snap: &'a Snapshot, id: &str) -> Option<&'a Entry> {
    snap.entries.iter().find(|e| e.id == id)
}

/// The scheme a message names and nothing else ("那居民医保呢", "职工医保的话", "换成灵活就业呢").
pub fn scheme_only(norm: &str) -> Option<&'static str> {
    let mut t: String = norm
        .chars()
        .filter(|c| !c.is_whitespace() && !"?？。！!，,".contains(*c))
        .collect();
    for prefix in [
        "如果是",
        "要是是",
        "换成",
        "要是",
        "如果",
        "那么",
        "那",
        "是",
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.to_string();
        }
    }
    for suffix in ["呢", "的话", "的", "是"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.to_string();
        }
    }
    vocabulary()
        .follow_up
        .schemes
        .iter()
        .map(String::as_str)
        .find(|s| *s == t)
}

/// The reply to a follow-up naming only a scheme after `topic` was answered: the topic's question
/// asked again for that scheme (its own scheme words replaced), decided like any question, so
/// "断了两年的职工医保能补吗" then "那居民医保呢" gets the resident rule, not what 居民医保 is.
/// `None` when that question finds nothing to answer.
pub fn scheme_reply(snap: &Snapshot, topic: &str, scheme: &str) -> Option<Reply> {
    let e = entry(snap, topic)?;
    let mut question = e.title.clone();
    for s in &vocabulary().follow_up.schemes {
        question = question.replace(s.as_str(), "");
    }
    let asked = format!("{scheme}{question}");
    let d = answer::decide(snap, &asked, &answer::DecisionParams::default()).ok()?;
    matches!(d.reply.kind, ReplyKind::Answer | ReplyKind::Clarify).then_some(d.reply)
}

/// The reply to a follow-up naming only a `year` ("那2024年的呢") after `topic` was answered: the
/// edition of the same local figures for that year (entries linked by `supersedes`), or the years
/// there are. `None` when the topic has no editions by year.
pub fn year_reply(snap: &Snapshot, topic: &str, year: i32) -> Option<Reply> {
    // The editions: the topic and every entry linked to it by `supersedes`, either way.
    let mut family: Vec<String> = vec![topic.to_string()];
    let mut i = 0;
    while i < family.len() {
        let id = family[i].clone();
        for f in &snap.kb.faqs {
            let older: &[String] = if f.id == id { &f.supersedes } else { &[] };
            let newer = f.supersedes.contains(&id).then(|| f.id.clone());
            let linked = older.iter().cloned().chain(newer);
            for other in linked {
                if !family.contains(&other) {
                    family.push(other);
                }
            }
        }
        i += 1;
    }
    if family.len() < 2 {
        return None;
    }
    let editions: Vec<&Entry> = family.iter().filter_map(|id| entry(snap, id)).collect();
    let said = format!("{year}");
    if let Some(e) = editions
        .iter()
        .find(|e| e.title.contains(&said) || e.tags.iter().any(|t| t.contains(&said)))
    {
        return answer::answer_entry(snap, &e.id);
    }
    let years: Vec<String> = editions
        .iter()
        .filter_map(|e| {
            let c: Vec<char> = e.title.chars().collect();
            c.windows(4)
                .find(|w| w.iter().all(char::is_ascii_digit))
                .map(|w| w.iter().collect::<String>())
        })
        .collect();
    let mut r = Reply::new(
        ReplyKind::Answer,
        format!(
            "这个问题我这里没有{year}年的数字，收录的是{}年度的规定；{year}年的标准请以当地经办机构公布的为准（社保 12333，医保 12393）。",
            years.join("、")
        ),
    );
    r.sources = editions
        .iter()
        .map(|e| SourceRef {
            id: e.id.clone(),
            title: e.title.clone(),
            score: 1.0,
        })
        .take(1)
        .collect();
    r.options = editions
        .iter()
        .map(|e| ReplyOption::entry(&e.id, e.title.clone()))
        .collect();
    Some(r)
}
