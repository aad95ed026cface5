//! The region gazetteer: city and province names with aliases, for the slot extractor and ranking.
//!
//! It lives with the knowledge data (it is loaded from `knowledge/dict/regions.toml`, and search uses
//! it as much as the dialogue does), so nothing below the dialogue depends on the dialogue.
//!
//! Local rules (contribution bases, waiting periods, years needed at retirement) depend on where
//! the citizen is insured, so the dialogue has to recognise place names in free text ("我在武汉",
//! "湖北宜昌的", "广东省深圳市"). The names live in a data file (`knowledge/dict/regions.toml`) so
//! that adding a city is a data change; this module loads it and finds the best mention in a text.
//!
//! Matching is plain substring matching on the normalised text: every canonical name and alias of
//! at least two characters, scanned left to right taking the longest name at each position, so
//! "上海南站" is 上海 and not 海南. A mention inside one of the region's `not_in` words (中山路,
//! 北京时间) is ignored. Of several mentions the most specific wins: a city beats a province, then
//! the longer mention, then the earlier one.

use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::text::WordScanner;

/// Whether a region is a provincial-level division or a city inside one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// One of the 34 provincial-level divisions (provinces, autonomous regions, the four
    /// municipalities and the two SARs).
    Province,
    /// A city (prefecture-level or county-level) inside a province.
    City,
}

/// One entry of the region file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Canonical short name ("北京", "宜昌"), the spelling used in the knowledge base.
    pub name: String,
    pub kind: RegionKind,
    /// The provincial-level division the region belongs to; a province names itself.
    pub province: String,
    /// Other spellings ("北京市", "北京"). At least two characters each.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Longer words containing the name that are not the place ("中山路").
    #[serde(default)]
    pub not_in: Vec<String>,
    /// For a county-level city, the prefecture-level city it lies in (乐平 → 景德镇), so that a
    /// rule of the prefecture applies to a question about the county.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

/// A region mentioned in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionMatch {
    /// Canonical name of the region.
    pub canonical: String,
    /// Its provincial-level division.
    pub province: String,
    pub kind: RegionKind,
    /// Byte range of the mention in the searched text.
    pub range: Range<usize>,
}

/// Why a region file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegionTableError {
    #[error("regions file is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("region {region:?}: the name or alias {spelling:?} is also used by {other:?}")]
    Duplicate {
        region: String,
        spelling: String,
        other: String,
    },
    #[error("region {region:?}: {spelling:?} is shorter than two characters and would match inside ordinary words")]
    TooShort { region: String, spelling: String },
    #[error("region {region:?}: province {province:?} is not a province entry of the file")]
    UnknownProvince { region: String, province: String },
    #[error("region {region:?}: a province must name itself as its province, not {province:?}")]
    ProvinceMismatch { region: String, province: String },
    #[error("region {region:?}: `within` names {within:?}, which is not a city of the same province in the file")]
    UnknownWithin { region: String, within: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionFile {
    #[serde(default)]
    region: Vec<Region>,
}

/// All known regions with a matcher over their names. The default table is empty (finds nothing).
#[derive(Debug, Clone, Default)]
pub struct RegionTable {
    regions: Vec<Region>,
    /// Every spelling with the index of its region, longest first.
    spellings: Vec<(String, usize)>,
    by_spelling: HashMap<String, usize>,
    /// The spellings compiled once, for linear-time scanning.
    scanner: WordScanner,
}

impl RegionTable {
    /// Parses and checks the region file (see the header of `knowledge/dict/regions.toml`).
    pub fn from_toml(text: &str) -> Result<Self, RegionTableError> {
        let file: RegionFile = toml::from_str(text)?;
        Self::new(file.region)
    }

    /// Builds a table from regions, with the same checks as [`RegionTable::from_toml`].
    pub fn new(regions: Vec<Region>) -> Result<Self, RegionTableError> {
        let mut by_spelling: HashMap<String, usize> = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            for spelling in std::iter::once(&r.name).chain(&r.aliases) {
                if spelling.chars().count() < 2 {
                    return Err(RegionTableError::TooShort {
                        region: r.name.clone(),
                        spelling: spelling.clone(),
                    });
                }
                if let Some(&other) = by_spelling.get(spelling.as_str()) {
                    return Err(RegionTableError::Duplicate {
                        region: r.name.clone(),
                        spelling: spelling.clone(),
                        other: regions[other].name.clone(),
                    });
                }
                by_spelling.insert(spelling.clone(), i);
            }
        }
        for r in &regions {
            let province_ok = regions
                .iter()
                .any(|p| p.kind == RegionKind::Province && p.name == r.province);
            if !province_ok {
                return Err(RegionTableError::UnknownProvince {
                    region: r.name.clone(),
                    province: r.province.clone(),
                });
            }
            if r.kind == RegionKind::Province && r.province != r.name {
                return Err(RegionTableError::ProvinceMismatch {
                    region: r.name.clone(),
                    province: r.province.clone(),
                });
            }
            if let Some(within) = &r.within {
                let ok = regions.iter().any(|c| {
                    c.kind == RegionKind::City && &c.name == within && c.province == r.province
                });
                if !ok || r.kind != RegionKind::City {
                    return Err(RegionTableError::UnknownWithin {
                        region: r.name.clone(),
                        within: within.clone(),
                    });
                }
            }
        }
        let mut spellings: Vec<(String, usize)> =
            by_spelling.iter().map(|(s, &i)| (s.clone(), i)).collect();
        spellings.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let words: Vec<&str> = spellings.iter().map(|(s, _)| s.as_str()).collect();
        let scanner = WordScanner::new(&words);
        Ok(Self {
            regions,
            spellings,
            by_spelling,
            scanner,
        })
    }

    /// All regions, in file order.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The region a canonical name or alias stands for ("北京市" → 北京).
    pub fn get(&self, spelling: &str) -> Option<&Region> {
        self.by_spelling.get(spelling).map(|&i| &self.regions[i])
    }

    /// Every region mention, left to right, never overlapping; at each position the longest
    /// spelling wins.
    pub fn find_all(&self, text: &str) -> Vec<RegionMatch> {
        self.scanner
            .scan(text, |word, range| {
                !self.excluded(text, self.spellings[word].1, range)
            })
            .into_iter()
            .map(|(word, range)| {
                let r = &self.regions[self.spellings[word].1];
                RegionMatch {
                    canonical: r.name.clone(),
                    province: r.province.clone(),
                    kind: r.kind,
                    range,
                }
            })
            .collect()
    }

    /// The most specific region mentioned: a city over a province, then the longest mention,
    /// then the first.
    pub fn find_in(&self, text: &str) -> Option<RegionMatch> {
        let mut best: Option<RegionMatch> = None;
        for m in self.find_all(text) {
            let better = match &best {
                None => true,
                Some(b) => {
                    let rank = |m: &RegionMatch| (m.kind == RegionKind::City, m.range.len());
                    rank(&m) > rank(b)
                }
            };
            if better {
                best = Some(m);
            }
        }
        best
    }

    /// Every region a text is about, as canonical names: each mentioned region, the city a
    /// mentioned county-level city lies in, and the province of each. A rule for 浙江 concerns a
    /// question about 宁波; a rule for 景德镇 one about 乐平.
    pub fn enclosing(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.find_all(text) {
            let within = self.get(&m.canonical).and_then(|r| r.within.clone());
            for name in [Some(m.canonical), within, Some(m.province)]
                .into_iter()
                .flatten()
            {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }

    /// Whether the mention at `range` lies inside one of the region's `not_in` words.
    fn excluded(&self, text: &str, idx: usize, range: Range<usize>) -> bool {
        self.regions[idx].not_in.iter().any(|w| {
            text.match_indices(w.as_str())
                .any(|(s, _)| s <= range.start && range.end <= s + w.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[region]]
name = "湖北"
kind = "province"
province = "湖北"
aliases = ["湖北省"]

[[region]]
name = "宜昌"
kind = "city"
province = "湖北"
aliases = ["宜昌市"]

[[region]]
name = "广东"
kind = "province"
province = "广东"

[[region]]
name = "中山"
kind = "city"
province = "广东"
not_in = ["中山路"]

[[region]]
name = "宜都"
kind = "city"
province = "湖北"
within = "宜昌"
"#;

    #[test]
    fn loads_and_prefers_cities() {
        let t = RegionTable::from_toml(SMALL).unwrap();
        assert_eq!(t.len(), 5);
        let m = t.find_in("我是湖北省宜昌市的").unwrap();
        assert_eq!(m.canonical, "宜昌");
        assert_eq!(m.province, "湖北");
        assert_eq!(&"我是湖北省宜昌市的"[m.range.clone()], "宜昌市");
        assert_eq!(t.get("宜昌市").unwrap().name, "宜昌");
    }

    #[test]
    fn not_in_words_are_skipped() {
        let t = RegionTable::from_toml(SMALL).unwrap();
        assert!(t.find_in("我住在中山路").is_none());
        assert_eq!(t.find_in("广东中山路").unwrap().canonical, "广东");
        assert_eq!(t.find_in("中山的社保").unwrap().canonical, "中山");
    }

    #[test]
    fn enclosing_adds_parent_city_and_province() {
        let t = RegionTable::from_toml(SMALL).unwrap();
        assert_eq!(t.enclosing("宜都市的医保"), ["宜都", "宜昌", "湖北"]);
        assert_eq!(t.enclosing("中山和宜昌"), ["中山", "广东", "宜昌", "湖北"]);
        assert!(t.enclosing("住在中山路").is_empty());
    }

    #[test]
    fn rejects_bad_files() {
        let one_char = "[[region]]\nname = \"京\"\nkind = \"province\"\nprovince = \"京\"\n";
        assert!(matches!(
            RegionTable::from_toml(one_char),
            Err(RegionTableError::TooShort { .. })
        ));
        let dup = format!(
            "{SMALL}\n[[region]]\nname = \"宜昌市\"\nkind = \"city\"\nprovince = \"湖北\"\n"
        );
        assert!(matches!(
            RegionTable::from_toml(&dup),
            Err(RegionTableError::Duplicate { .. })
        ));
        let orphan = "[[region]]\nname = \"宜昌\"\nkind = \"city\"\nprovince = \"湖北\"\n";
        assert!(matches!(
            RegionTable::from_toml(orphan),
            Err(RegionTableError::UnknownProvince { .. })
        ));
        let bad_within = format!(
            "{SMALL}\n[[region]]\nname = \"乐平\"\nkind = \"city\"\nprovince = \"广东\"\nwithin = \"宜昌\"\n"
        );
        assert!(matches!(
            RegionTable::from_toml(&bad_within),
            Err(RegionTableError::UnknownWithin { .. })
        ));
        assert!(matches!(
            RegionTable::from_toml("[[region]]\nname = 3\n"),
            Err(RegionTableError::Toml(_))
        ));
    }
}
