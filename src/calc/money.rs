//! Money arithmetic for the calculators: one rounding rule (to the cent, half-up) applied once per
//! result line, a [`Money`] type that always prints and serialises with exactly two decimals, and
//! the formatting of amounts and rates used in formulas shown to the citizen.
use std::fmt;
use std::iter::Sum;
use std::ops::Add;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Rounds to the cent, half-up (0.005 → 0.01). Amounts are never negative, so half-up and
/// "half away from zero" agree.
pub fn round_cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount in yuan, rounded to the cent. Serialises as a string with exactly two decimals
/// (`"150.00"`) so no JSON client turns it into a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds `value` to the cent (half-up) — the one rounding step of a line.
    pub fn round(value: Decimal) -> Money {
        Money(round_cents(value))
    }

    /// The amount as a decimal (at most two decimal places).
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = self.0;
        d.rescale(2);
        write!(f, "{d}")
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        // Both sides have at most two decimals, so the sum is exact.
        Money(self.0 + rhs.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        let d = Decimal::from_str(s.trim()).map_err(serde::de::Error::custom)?;
        if d.scale() > 2 && d != round_cents(d) {
            return Err(serde::de::Error::custom(format!(
                "money has more than two decimals: {s}"
            )));
        }
        Ok(Money::round(d))
    }
}

/// Formats a money-like amount for a formula: two decimals, or more when the value really has
/// more (a base of 3333.333 stays visible as such instead of being silently rounded).
pub fn fmt_amount(value: Decimal) -> String {
    let n = value.normalize();
    if n.scale() <= 2 {
        let mut d = n;
        d.rescale(2);
        d.to_string()
    } else {
        n.to_string()
    }
}

/// Formats a fraction as a percentage without trailing zeros: 0.2 → "20%", 0.0005 → "0.05%",
/// 0.085 → "8.5%".
pub fn fmt_rate(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

/// Formats a plain number without trailing zeros (years, grades): 2.50 → "2.5".
pub fn fmt_num(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn half_up_at_exactly_half_a_cent() {
        assert_eq!(round_cents(dec!(5.005)), dec!(5.01));
        assert_eq!(round_cents(dec!(432.125)), dec!(432.13));
        assert_eq!(round_cents(dec!(4.999995)), dec!(5.00));
        assert_eq!(round_cents(dec!(0.004999)), dec!(0.00));
        // Banker's rounding would give 0.02 here; half-up gives 0.03.
        assert_eq!(round_cents(dec!(0.025)), dec!(0.03));
    }

    #[test]
    fn money_prints_two_decimals() {
        assert_eq!(Money::round(dec!(150)).to_string(), "150.00");
        assert_eq!(Money::round(dec!(0.5)).to_string(), "0.50");
        assert_eq!(Money::round(dec!(4.999995)).to_string(), "5.00");
        assert_eq!(
            serde_json::to_string(&Money::round(dec!(150))).unwrap(),
            "\"150.00\""
        );
        let back: Money = serde_json::from_str("\"12.30\"").unwrap();
        assert_eq!(back, Money::round(dec!(12.3)));
        assert!(serde_json::from_str::<Money>("\"1.234\"").is_err());
    }

    #[test]
    fn sums_are_exact() {
        let total: Money = [dec!(0.1), dec!(0.2), dec!(0.3)]
            .into_iter()
            .map(Money::round)
            .sum();
        assert_eq!(total.to_string(), "0.60");
    }

    #[test]
    fn formats_rates_and_amounts() {
        assert_eq!(fmt_rate(dec!(0.2)), "20%");
        assert_eq!(fmt_rate(dec!(0.0005)), "0.05%");
        assert_eq!(fmt_rate(dec!(0.085)), "8.5%");
        assert_eq!(fmt_rate(dec!(0.16)), "16%");
        assert_eq!(fmt_amount(dec!(5000)), "5000.00");
        assert_eq!(fmt_amount(dec!(7460.4)), "7460.40");
        assert_eq!(fmt_amount(dec!(3333.333)), "3333.333");
        assert_eq!(fmt_num(dec!(2.50)), "2.5");
    }
}
