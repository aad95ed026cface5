//! Synthetic knowledge bases N times the real one, for measuring how costs grow (issue 15).
//!
//! A national deployment holds every prefecture city's local rules: tens of thousands of entries
//! that read like ours but differ in the place, the year and a few words. We do not have that
//! corpus, so `bujiao kb synth --factor N` makes one from the real FAQ: copy `k` (1 ≤ k < N) of
//! every entry becomes the local variant of that entry for another prefecture-level city, so the
//! text stays realistic Chinese and the ranking faces the same kind of near-duplicates a national
//! corpus would. The rest of the knowledge directory (laws, documents, articles, policies,
//! dictionaries) is copied unchanged; factor 1 is the real corpus byte for byte.
//!
//! What a copy changes, and why:
//! - `id` becomes `<id>-s<k>`; `regions = [city]` (or the images of the entry's own regions).
//! - Every place the gazetteer finds in the question, similar questions, answer and tags is
//!   replaced consistently within the entry (its first city by the copy's city, a second city by
//!   another one, a province by the new city's province), keeping the spelling's form (宜昌市 →
//!   绵阳市). A phrasing that names no place gets the city prefixed ("绵阳职工医保是啥"), so
//!   phrasings stay unique across the corpus as `kb validate` requires; one that still collides
//!   is dropped, and a copy left with too few phrasings is not written.
//! - A regional entry's copies cycle through the year before and after (2024年 → 2025年), since
//!   local figures come in yearly editions; all entries of one original place share a city per
//!   copy, so a `supersedes` pair stays a pair.
//! - A regional rule must cite a regional document: the entry's regional documents are copied
//!   for the new place, and a national entry's copy cites a synthetic local handling rule of the
//!   new city (marked 合成 in its title, so nobody mistakes it for a real document). A copy of a
//!   national entry `localizes` it, as a real local version would.
//! - Cities the gazetteer lacks (from `synth/cities.txt`, ~290 prefecture-level cities) are
//!   appended to the copy's `dict/regions.toml`, so the copies' places are recognised in
//!   questions.
//!
//! Nothing reads a synthetic corpus unless pointed at it (`--knowledge DIR`).

use super::regions::{Region, RegionKind, RegionTable};
use super::types::{Doc, DocKind, Faq, Knowledge, Status};
use super::validate::{phrasing_key, MIN_SIMILAR};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

/// The pool of prefecture-level cities, one province per line.
const CITIES: &str = include_str!("synth/cities.txt");

/// What `synth` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthSummary {
    /// FAQ entries in the new corpus (the real ones included).
    pub entries: usize,
    /// Standard and similar questions in the new corpus.
    pub phrasings: usize,
    /// Copies not written because too few of their phrasings were unique.
    pub skipped_copies: usize,
    /// Phrasings dropped from copies because they collided with another entry's.
    pub dropped_phrasings: usize,
    /// Documents added (copies of regional documents and the cities' synthetic rules).
    pub docs: usize,
    /// Cities added to the gazetteer.
    pub new_regions: usize,
}

/// Writes to `out` (which must not exist or be empty) a knowledge directory with the FAQ of
/// `src` recombined `factor` times; see the module documentation.
pub fn synth(src: &Path, out: &Path, factor: usize) -> Result<SynthSummary> {
    if factor == 0 {
        return Err(Error::Other("--factor must be at least 1".into()));
    }
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Other(format!(
            "{} exists and is not empty; choose a new directory",
            out.display()
        )));
    }
    let (kb, problems) = super::load(src)?;
    if let Some(p) = problems.first() {
        return Err(Error::Other(format!(
            "the source knowledge has {} problem(s); first: {p}",
            problems.len()
        )));
    }
    copy_dir(src, out)?;
    let mut summary = SynthSummary {
        entries: kb.faqs.len(),
        phrasings: kb.faqs.iter().map(|f| 1 + f.similar.len()).sum(),
        ..SynthSummary::default()
    };
    if factor == 1 {
        return Ok(summary);
    }
    let table = kb
        .region_table
        .clone()
        .ok_or_else(|| Error::Other("the source knowledge has no dict/regions.toml".into()))?;
    let pool = CityPool::new(&table)?;
    let mut gen = Generator {
        kb: &kb,
        table: &table,
        pool: &pool,
        seen: kb
            .faqs
            .iter()
            .flat_map(|f| std::iter::once(&f.question).chain(&f.similar))
            .map(|q| phrasing_key(q))
            .collect(),
        docs: Vec::new(),
        doc_ids: HashMap::new(),
        used_cities: HashSet::new(),
        summary: &mut summary,
    };
    // One output file per source FAQ file, beside it.
    let mut by_file: Vec<(&Path, Vec<&Faq>)> = Vec::new();
    for f in &kb.faqs {
        match by_file.iter_mut().find(|(p, _)| *p == f.file.as_path()) {
            Some((_, list)) => list.push(f),
            None => by_file.push((f.file.as_path(), vec![f])),
        }
    }
    let mut files: Vec<(String, Vec<OutFaq>)> = Vec::new();
    for (file, faqs) in &by_file {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "faq".into());
        let mut copies = Vec::new();
        for k in 1..factor {
            for f in faqs {
                if let Some(c) = gen.copy(f, k) {
                    copies.push(c);
                }
            }
        }
        files.push((stem, copies));
    }
    // A `supersedes` whose older copy was not written would not resolve: drop it.
    let written: HashSet<String> = files
        .iter()
        .flat_map(|(_, c)| c.iter().map(|f| f.id.clone()))
        .collect();
    for (_, copies) in &mut files {
        for c in copies.iter_mut() {
            c.supersedes.retain(|id| written.contains(id));
        }
    }
    let docs = std::mem::take(&mut gen.docs);
    let used: Vec<&PoolCity> = pool
        .cities
        .iter()
        .filter(|c| c.is_new && gen.used_cities.contains(&c.name))
        .collect();
    drop(gen);

    for (stem, copies) in files {
        summary.entries += copies.len();
        summary.phrasings += copies.iter().map(|f| 1 + f.similar.len()).sum::<usize>();
        let text = toml::to_string(&FaqFileOut { faq: copies })
            .map_err(|e| Error::Other(format!("writing synthetic FAQ: {e}")))?;
        let path = out.join("faq").join(format!("synth-{stem}.toml"));
        let header = format!(
            "# Synthetic local variants of faq/{stem}.toml written by `bujiao kb synth --factor {factor}`\n# for benchmarks: not real rules. Regenerate instead of editing.\n\n"
        );
        write(&path, &(header + &text))?;
    }
    summary.docs = docs.len();
    let text = toml::to_string(&DocFileOut { doc: docs })
        .map_err(|e| Error::Other(format!("writing synthetic documents: {e}")))?;
    write(
        &out.join("sources").join("synth.toml"),
        &format!("# Synthetic documents for `bujiao kb synth` (benchmarks only).\n\n{text}"),
    )?;
    summary.new_regions = used.len();
    if !used.is_empty() {
        let path = out.join("dict").join("regions.toml");
        let mut text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        text.push_str("\n# ---- cities added by `bujiao kb synth` ----\n");
        for c in used {
            let _ = write!(
                text,
                "\n[[region]]\nname = \"{}\"\nkind = \"city\"\nprovince = \"{}\"\n",
                c.name, c.province
            );
            if !c.aliases.is_empty() {
                let list: Vec<String> = c.aliases.iter().map(|a| format!("\"{a}\"")).collect();
                let _ = writeln!(text, "aliases = [{}]", list.join(", "));
            }
        }
        write(&path, &text)?;
    }
    Ok(summary)
}

/// One city copies may be placed in.
#[derive(Debug, Clone)]
struct PoolCity {
    name: String,
    province: String,
    /// Not in the source gazetteer: appended to the copy's `regions.toml` when used.
    is_new: bool,
    /// Spellings a new city gets in the gazetteer (`X市` unless taken).
    aliases: Vec<String>,
}

/// The cities of `synth/cities.txt` whose names the gazetteer does not use for something else.
struct CityPool {
    cities: Vec<PoolCity>,
    /// Provinces that have pool cities (the others, such as the municipalities, act as cities).
    provinces: Vec<String>,
}

impl CityPool {
    fn new(table: &RegionTable) -> Result<Self> {
        let mut cities = Vec::new();
        let mut provinces = Vec::new();
        for line in CITIES.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(province) = words.next() else {
                continue;
            };
            if table
                .get(province)
                .is_none_or(|r| r.kind != RegionKind::Province)
            {
                return Err(Error::Other(format!(
                    "synth cities: {province} is not a province of dict/regions.toml"
                )));
            }
            for name in words {
                let (is_new, aliases) = match table.get(name) {
                    // Already in the gazetteer as this province's city: use it as it is.
                    Some(r) if r.kind == RegionKind::City && r.province == province => {
                        (false, vec![])
                    }
                    // The name means something else there (a province, another place).
                    Some(_) => continue,
                    None => {
                        let alias = format!("{name}市");
                        let aliases = if table.get(&alias).is_none() {
                            vec![alias]
                        } else {
                            vec![]
                        };
                        (true, aliases)
                    }
                };
                cities.push(PoolCity {
                    name: name.to_string(),
                    province: province.to_string(),
                    is_new,
                    aliases,
                });
            }
            if !provinces.iter().any(|p| p == province) {
                provinces.push(province.to_string());
            }
        }
        if cities.len() < 2 || provinces.len() < 2 {
            return Err(Error::Other("synth cities: the pool is too small".into()));
        }
        Ok(CityPool { cities, provinces })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.cities.iter().position(|c| c.name == name)
    }
}

/// How one copy of one entry renames places: original canonical name → new canonical name.
struct Mapping {
    images: Vec<(String, String)>,
    city_slots: Vec<usize>,
    province_slots: Vec<String>,
    /// Where the next secondary city is looked for in the pool.
    cursor: usize,
}

impl Mapping {
    fn image(&self, original: &str) -> Option<&str> {
        self.images
            .iter()
            .find(|(o, _)| o == original)
            .map(|(_, i)| i.as_str())
    }
}

struct Generator<'a> {
    kb: &'a Knowledge,
    table: &'a RegionTable,
    pool: &'a CityPool,
    /// Phrasing keys already in the corpus.
    seen: HashSet<String>,
    docs: Vec<OutDoc>,
    /// (source document id, new region, year shift) → id of its copy.
    doc_ids: HashMap<(String, String, i32), String>,
    used_cities: HashSet<String>,
    summary: &'a mut SynthSummary,
}

impl Generator<'_> {
    /// Copy `k` of `f`, or `None` when too few of its phrasings could be made unique.
    fn copy(&mut self, f: &Faq, k: usize) -> Option<OutFaq> {
        let own_regions: Vec<&Region> =
            f.regions.iter().filter_map(|r| self.table.get(r)).collect();
        let regional = !own_regions.is_empty();
        // All entries of one original place move to the same city in copy k (so supersedes
        // pairs stay together); national entries spread by their id.
        let key = own_regions
            .first()
            .map(|r| r.name.clone())
            .unwrap_or_else(|| f.id.clone());
        let n = self.pool.cities.len();
        let start = (xxhash_rust::xxh3::xxh3_64(key.as_bytes()) as usize + k) % n;
        let shift = if regional { [0, 1, -1][k % 3] } else { 0 };
        let mut m = Mapping {
            images: Vec::new(),
            city_slots: vec![start],
            province_slots: vec![self.pool.cities[start].province.clone()],
            cursor: start,
        };
        // The entry's own regions first, so its main place gets the copy's city.
        for r in &own_regions {
            self.map_region(&mut m, r);
        }
        let city = self.pool.cities[start].name.clone();
        self.used_cities.insert(city.clone());

        let mut phrasings: Vec<String> = Vec::new();
        let mut local_seen: HashSet<String> = HashSet::new();
        for (i, q) in std::iter::once(&f.question).chain(&f.similar).enumerate() {
            let (renamed, named) = self.rename_found(&mut m, q);
            let base = shift_years(&renamed, shift);
            let candidates: Vec<String> = if named {
                vec![base.clone(), format!("{city}{base}"), format!("请问{base}")]
            } else {
                let forms = [
                    format!("{city}{base}"),
                    format!("在{city}，{base}"),
                    format!("我在{city}，{base}"),
                    format!("{city}这边{base}"),
                    format!("{city}市{base}"),
                ];
                let mut v = forms.to_vec();
                v.rotate_left((i + k) % forms.len());
                v
            };
            let pick = candidates.into_iter().find(|c| {
                let key = phrasing_key(c);
                !key.is_empty() && !self.seen.contains(&key) && !local_seen.contains(&key)
            });
            match pick {
                Some(p) => {
                    local_seen.insert(phrasing_key(&p));
                    phrasings.push(p);
                }
                None => self.summary.dropped_phrasings += 1,
            }
        }
        if phrasings.len() < MIN_SIMILAR + 1 {
            self.summary.skipped_copies += 1;
            return None;
        }
        self.seen.extend(local_seen);
        let question = phrasings.remove(0);

        let (renamed, named) = self.rename_found(&mut m, &f.answer);
        let renamed = shift_years(&renamed, shift);
        let answer = if named {
            renamed
        } else {
            format!("【{city}】{renamed}")
        };
        let mut tags: Vec<String> = Vec::new();
        for t in &f.tags {
            let t = shift_years(&self.rename(&mut m, t), shift);
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        if !tags.contains(&city) {
            tags.push(city.clone());
        }
        let mut regions: Vec<String> = Vec::new();
        for r in &own_regions {
            if let Some(img) = m.image(&r.name) {
                if !regions.iter().any(|x| x == img) {
                    regions.push(img.to_string());
                }
            }
        }
        if regions.is_empty() {
            regions.push(city.clone());
        }

        let mut sources = Vec::new();
        let mut cites_regional = false;
        for s in &f.sources {
            let doc = s
                .strip_prefix("doc:")
                .and_then(|id| self.kb.docs.iter().find(|d| d.id == id));
            match doc {
                Some(d) if d.region.is_some() => {
                    let id = self.copy_doc(&mut m, d, shift);
                    sources.push(format!("doc:{id}"));
                    cites_regional = true;
                }
                _ => sources.push(s.clone()),
            }
        }
        if !cites_regional {
            sources.push(format!("doc:{}", self.city_rule(start, f)));
        }
        // A copy of a national entry is its local version; other copies keep theirs.
        let localizes = if !f.regions.is_empty() {
            f.localizes.clone()
        } else if f.status == Status::Published {
            vec![f.id.clone()]
        } else {
            vec![]
        };
        Some(OutFaq {
            id: format!("{}-s{k}", f.id),
            question,
            similar: phrasings,
            answer,
            tags,
            insurance: scope_name(f.insurance),
            audience: f.audience.iter().map(|a| audience_name(*a)).collect(),
            regions,
            sources,
            supersedes: f.supersedes.iter().map(|s| format!("{s}-s{k}")).collect(),
            localizes,
            effective: f.effective.to_string(),
            expires: f.expires.map(|d| d.to_string()),
            updated: f.updated.to_string(),
            status: match f.status {
                Status::Published => "published",
                Status::Draft => "draft",
            },
        })
    }

    /// Gives `r` an image in this copy, if it has none yet.
    fn map_region(&mut self, m: &mut Mapping, r: &Region) {
        if m.image(&r.name).is_some() {
            return;
        }
        let acts_as_city =
            r.kind == RegionKind::City || !self.pool.provinces.iter().any(|p| p == &r.province);
        let image = if acts_as_city {
            let main = m.city_slots[0];
            let main_taken = m
                .images
                .iter()
                .any(|(_, i)| *i == self.pool.cities[main].name);
            let slot = if !main_taken {
                main
            } else {
                // The next city of the pool not yet an image in this copy.
                let n = self.pool.cities.len();
                let mut c = (m.cursor + 96) % n;
                loop {
                    c = (c + 1) % n;
                    let name = &self.pool.cities[c].name;
                    if c != main && !m.images.iter().any(|(_, i)| i == name) {
                        break;
                    }
                }
                m.cursor = c;
                m.city_slots.push(c);
                c
            };
            self.used_cities.insert(self.pool.cities[slot].name.clone());
            self.pool.cities[slot].name.clone()
        } else {
            // A province: the province of a mapped city inside it, else another province.
            let inside = m.images.iter().find_map(|(o, i)| {
                let orig = self.table.get(o)?;
                (orig.kind == RegionKind::City && orig.province == r.name)
                    .then(|| {
                        self.pool
                            .index(i)
                            .map(|x| self.pool.cities[x].province.clone())
                    })
                    .flatten()
            });
            match inside {
                Some(p) => p,
                None => {
                    let used: Vec<&str> = m.images.iter().map(|(_, i)| i.as_str()).collect();
                    let first = &m.province_slots[0];
                    if !used.contains(&first.as_str()) {
                        first.clone()
                    } else {
                        let n = self.pool.provinces.len();
                        let at = self
                            .pool
                            .provinces
                            .iter()
                            .position(|p| p == first)
                            .unwrap_or(0);
                        let pick = (1..n)
                            .map(|d| &self.pool.provinces[(at + d * 7) % n])
                            .find(|p| !used.contains(&p.as_str()))
                            .unwrap_or(first)
                            .clone();
                        m.province_slots.push(pick.clone());
                        pick
                    }
                }
            }
        };
        m.images.push((r.name.clone(), image));
    }

    /// `text` with every place the gazetteer finds replaced by its image in this copy.
    fn rename(&mut self, m: &mut Mapping, text: &str) -> String {
        self.rename_found(m, text).0
    }

    /// [`Self::rename`], and whether `text` named a place at all.
    fn rename_found(&mut self, m: &mut Mapping, text: &str) -> (String, bool) {
        let found = self.table.find_all(text);
        if found.is_empty() {
            return (text.to_string(), false);
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut at = 0;
        for hit in found {
            let Some(orig) = self.table.get(&hit.canonical) else {
                continue;
            };
            let orig = orig.clone();
            self.map_region(m, &orig);
            let image = m.image(&orig.name).unwrap_or(&orig.name).to_string();
            let spelled = &text[hit.range.clone()];
            out.push_str(&text[at..hit.range.start]);
            out.push_str(&self.spell_like(&image, spelled, &orig.name));
            at = hit.range.end;
        }
        out.push_str(&text[at..]);
        (out, true)
    }

    /// `image` in the form `spelled` gave `original`: 宜昌 → 绵阳, 宜昌市 → 绵阳市, 湖北省 → 四川省.
    fn spell_like(&self, image: &str, spelled: &str, original: &str) -> String {
        if spelled == original {
            return image.to_string();
        }
        if let Some(suffix) = spelled.strip_prefix(original) {
            let candidate = format!("{image}{suffix}");
            let known = self.table.get(&candidate).is_some()
                || self
                    .pool
                    .cities
                    .iter()
                    .any(|c| c.name == image && c.aliases.contains(&candidate));
            if known {
                return candidate;
            }
        }
        self.table
            .get(image)
            .and_then(|r| r.aliases.first().cloned())
            .unwrap_or_else(|| image.to_string())
    }

    /// The copy of regional document `d` for this copy's places (made once per place and year).
    fn copy_doc(&mut self, m: &mut Mapping, d: &Doc, shift: i32) -> String {
        let region = d.region.clone().unwrap_or_default();
        let image = match self.table.get(&region) {
            Some(r) => {
                let r = r.clone();
                self.map_region(m, &r);
                m.image(&r.name).unwrap_or(&r.name).to_string()
            }
            None => self.pool.cities[m.city_slots[0]].name.clone(),
        };
        let key = (d.id.clone(), image.clone(), shift);
        if let Some(id) = self.doc_ids.get(&key) {
            return id.clone();
        }
        let id = format!("{}-s{}", d.id, self.doc_ids.len() + 1);
        let title = shift_years(&self.rename(m, &d.title), shift);
        let issuer = self.rename(m, &d.issuer);
        self.docs.push(OutDoc {
            id: id.clone(),
            title,
            number: None,
            issuer,
            year: i64::from(d.year + shift),
            region: image,
            kind: match d.kind {
                DocKind::Document => "document",
                DocKind::Practice => "practice",
            },
        });
        self.doc_ids.insert(key, id.clone());
        id
    }

    /// The synthetic local handling rule of pool city `idx` that a national entry's copy cites.
    fn city_rule(&mut self, idx: usize, f: &Faq) -> String {
        let city = self.pool.cities[idx].name.clone();
        let medical = f.insurance == super::InsuranceScope::Medical;
        let key = (
            if medical {
                "synth-medical"
            } else {
                "synth-social"
            }
            .to_string(),
            city.clone(),
            0,
        );
        if let Some(id) = self.doc_ids.get(&key) {
            return id.clone();
        }
        let id = format!(
            "synth-city-{idx}-{}",
            if medical { "medical" } else { "social" }
        );
        let (title, issuer) = if medical {
            (
                format!("{city}市基本医疗保险参保缴费经办规程（合成）"),
                format!("{city}市医疗保障局"),
            )
        } else {
            (
                format!("{city}市社会保险参保缴费经办规程（合成）"),
                format!("{city}市人力资源和社会保障局"),
            )
        };
        self.docs.push(OutDoc {
            id: id.clone(),
            title,
            number: None,
            issuer,
            year: 2024,
            region: city,
            kind: "document",
        });
        self.doc_ids.insert(key, id.clone());
        id
    }
}

/// Years 2000–2039 written as `YYYY年` moved by `shift` (document numbers like 〔2019〕 stay).
fn shift_years(text: &str, shift: i32) -> String {
    if shift == 0 {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i + 4 < bytes.len() {
        let is_year = bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && (i == 0 || !bytes[i - 1].is_ascii_digit())
            && text[i + 4..].starts_with('年')
            && text[i..i + 2] == *"20"
            && bytes[i + 2] < b'4';
        if is_year {
            let year: i32 = text[i..i + 4].parse().unwrap_or(0);
            out.push_str(&text[at..i]);
            let _ = write!(out, "{}", year + shift);
            at = i + 4;
            i += 4;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[at..]);
    out
}

fn scope_name(s: super::InsuranceScope) -> &'static str {
    match s {
        super::InsuranceScope::Medical => "medical",
        super::InsuranceScope::Pension => "pension",
        super::InsuranceScope::Any => "any",
    }
}

fn audience_name(a: super::Audience) -> &'static str {
    use super::Audience::*;
    match a {
        Employee => "employee",
        Flexible => "flexible",
        Resident => "resident",
        Retiree => "retiree",
        Employer => "employer",
        Unemployed => "unemployed",
        Any => "any",
    }
}

#[derive(Serialize)]
struct FaqFileOut {
    faq: Vec<OutFaq>,
}

/// A FAQ entry in the file format (`knowledge/FORMAT.md`).
#[derive(Serialize)]
struct OutFaq {
    id: String,
    question: String,
    similar: Vec<String>,
    answer: String,
    tags: Vec<String>,
    insurance: &'static str,
    audience: Vec<&'static str>,
    regions: Vec<String>,
    sources: Vec<String>,
    supersedes: Vec<String>,
    localizes: Vec<String>,
    effective: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    updated: String,
    status: &'static str,
}

#[derive(Serialize)]
struct DocFileOut {
    doc: Vec<OutDoc>,
}

#[derive(Serialize)]
struct OutDoc {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    issuer: String,
    year: i64,
    region: String,
    kind: &'static str,
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// Copies `src` to `dst` recursively, skipping hidden files (the publish lock, editors' swap
/// files), as the fingerprint does.
fn copy_dir(src: &Path, dst: &Path) -> Result<()> {
    std::fs::create_dir_all(dst).map_err(|e| Error::io(dst, e))?;
    for entry in std::fs::read_dir(src).map_err(|e| Error::io(src, e))? {
        let entry = entry.map_err(|e| Error::io(src, e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        if from.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
    }

    #[test]
    fn small_factor_validates_with_n_times_the_entries() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("kb");
        let summary = synth(&real(), &out, 3).unwrap();
        let (base, _) = crate::knowledge::load(&real()).unwrap();
        let (kb, mut problems) = crate::knowledge::load(&out).unwrap();
        problems.extend(crate::knowledge::validate(&kb));
        assert!(problems.is_empty(), "{}", problems[0]);
        assert_eq!(summary.entries, kb.faqs.len());
        // Every copy is written unless its phrasings collide: at most a handful are not.
        assert!(
            kb.faqs.len() + summary.skipped_copies == 3 * base.faqs.len(),
            "{summary:?}"
        );
        assert!(
            summary.skipped_copies * 100 <= base.faqs.len(),
            "{summary:?}"
        );
        // A copy names its city, which the copied gazetteer knows.
        let table = kb.region_table.clone().unwrap();
        let copy = kb.faqs.iter().find(|f| f.id.ends_with("-s2")).unwrap();
        assert_eq!(copy.regions.len(), 1, "{:?}", copy.regions);
        assert!(table.get(&copy.regions[0]).is_some());
        assert!(table.find_in(&copy.question).is_some(), "{}", copy.question);
    }

    #[test]
    fn factor_one_is_the_real_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("kb");
        synth(&real(), &out, 1).unwrap();
        assert_eq!(
            crate::knowledge::fingerprint(&out).unwrap(),
            crate::knowledge::fingerprint(&real()).unwrap()
        );
    }

    #[test]
    fn years_shift_only_before_nian() {
        assert_eq!(
            shift_years("2024年度基数，〔2019〕13号", 1),
            "2025年度基数，〔2019〕13号"
        );
        assert_eq!(shift_years("12024年", 1), "12024年");
        assert_eq!(shift_years("1998年", 1), "1998年");
    }
}
