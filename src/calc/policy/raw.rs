//! The policy file schema as serde sees it: one struct per TOML table, fields spanned and mostly
//! optional, unknown keys refused. Nothing here is checked beyond TOML syntax — `load` reads these
//! and reports each wrong or missing value at its line — so the file format can be read in one
//! place, apart from the rules about what a valid value is.
use std::fmt;

use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// A number written as a string ("576.32", "16%") or an integer. Floats are refused: they are
/// not exact.
#[derive(Debug, Clone)]
pub(super) struct NumText(pub(super) String);

impl<'de> Deserialize<'de> for NumText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NumText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number as a string (\"576.32\", \"16%\") or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NumText, E> {
                Ok(NumText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumText, E> {
                Ok(NumText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumText, E> {
                Ok(NumText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumText, E> {
                Err(E::custom(format!(
                    "write decimal numbers as strings, e.g. \"{v}\" (floats are not exact)"
                )))
            }
        }
        deserializer.deserialize_any(V)
    }
}

pub(super) type S<T> = Spanned<T>;

#[derive(Default)]
pub(super) struct RawCite {
    pub(super) source: Option<S<String>>,
    pub(super) title: Option<String>,
    pub(super) year: Option<S<i64>>,
    pub(super) confidence: Option<S<String>>,
}

macro_rules! raw_table {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct $name {
            $(#[serde(default)] pub(super) $field: $ty,)*
            #[serde(default)] pub(super) source: Option<S<String>>,
            #[serde(default)] pub(super) title: Option<String>,
            #[serde(default)] pub(super) year: Option<S<i64>>,
            #[serde(default)] pub(super) confidence: Option<S<String>>,
            #[serde(default)] pub(super) note: Option<String>,
        }
        impl $name {
            pub(super) fn cite(&self) -> RawCite {
                RawCite {
                    source: self.source.clone(),
                    title: self.title.clone(),
                    year: self.year.clone(),
                    confidence: self.confidence.clone(),
                }
            }
        }
    };
}

raw_table!(RawWage {
    monthly: Option<S<NumText>>,
    valid_from: Option<S<String>>,
    valid_to: Option<S<String>>,
});

raw_table!(RawBase {
    categories: Vec<S<String>>,
    insurances: Vec<S<String>>,
    floor: Option<S<NumText>>,
    ceiling: Option<S<NumText>>,
    valid_from: Option<S<String>>,
    valid_to: Option<S<String>>,
});

raw_table!(RawRate {
    insurance: Option<S<String>>,
    category: Option<S<String>>,
    employer: Option<S<NumText>>,
    personal: Option<S<NumText>>,
    total: Option<S<NumText>>,
    fixed_monthly: Option<S<NumText>>,
    fixed_annual: Option<S<NumText>>,
    personal_account: Option<S<NumText>>,
    valid_from: Option<S<String>>,
    valid_to: Option<S<String>>,
});

raw_table!(RawRetiree {
    years: Option<S<i64>>,
    male_years: Option<S<i64>>,
    female_years: Option<S<i64>>,
    min_actual_years: Option<S<i64>>,
    min_local_years: Option<S<i64>>,
    or_continuous_local_years: Option<S<i64>>,
    counts_deemed: Option<bool>,
    base_grade: Option<S<NumText>>,
    rate: Option<S<NumText>>,
});

raw_table!(RawGapRule {
    max_days: Option<S<i64>>,
    max_months: Option<S<i64>>,
    effect: Option<S<String>>,
    months: Option<S<i64>>,
    retroactive: Option<bool>,
    categories: Vec<S<String>>,
    scope: Option<S<String>>,
});

raw_table!(RawResidentWaiting {
    fixed_months: Option<S<i64>>,
    per_gap_year_months: Option<S<i64>>,
    per_repaid_year_months: Option<S<i64>>,
    long_gap_years: Option<S<i64>>,
    long_gap_min_months: Option<S<i64>>,
    valid_from: Option<S<String>>,
    exempt: Vec<String>,
});

raw_table!(RawLateFee {
    daily_rate: Option<S<NumText>>,
    from: Option<S<String>>,
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) region: S<String>,
    #[serde(default)]
    pub(super) aliases: Vec<S<String>>,
    #[serde(default)]
    pub(super) province: Option<String>,
    #[serde(default)]
    pub(super) national: bool,
    pub(super) year: S<i64>,
    #[serde(default)]
    pub(super) valid_from: Option<S<String>>,
    #[serde(default)]
    pub(super) valid_to: Option<S<String>>,
    #[serde(default)]
    pub(super) note: Option<String>,
    #[serde(default)]
    pub(super) average_wage: Vec<S<RawWage>>,
    #[serde(default)]
    pub(super) base: Vec<S<RawBase>>,
    #[serde(default)]
    pub(super) rate: Vec<S<RawRate>>,
    #[serde(default)]
    pub(super) retiree_medical: Option<S<RawRetiree>>,
    #[serde(default)]
    pub(super) gap_rule: Vec<S<RawGapRule>>,
    #[serde(default)]
    pub(super) resident_waiting: Option<S<RawResidentWaiting>>,
    #[serde(default)]
    pub(super) late_fee: Option<S<RawLateFee>>,
}
