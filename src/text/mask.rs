//! Masking of personal numbers before text reaches a log.
//!
//! Citizens paste their 18-digit ID number (居民身份证号, last character may be `X`), their
//! 11-digit mobile number or a bank-card number (16–19 digits, often grouped by spaces or
//! hyphens) into a question. [`mask`] replaces the digits of every run of eleven or more digits —
//! separators inside the run allowed — with `*`, keeping the first three and the last two so a log
//! line can still be matched to a complaint. Shorter numbers (amounts, dates, months) are left as
//! they are. Full-width digits count as digits.

use regex::Regex;
use std::sync::OnceLock;

/// Digits that stay visible at each end of a masked run.
const KEEP_HEAD: usize = 3;
const KEEP_TAIL: usize = 2;

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Eleven or more digits, each optionally preceded by one space or hyphen; an ID number's
    // check character may be X. `\d` is Unicode here, so full-width digits match too.
    RE.get_or_init(|| Regex::new(r"\d(?:[ \-]?\d){10,}[Xx]?").expect("static pattern"))
}

/// `text` with the digits of ID, mobile and bank-card numbers replaced by `*`.
pub fn mask(text: &str) -> String {
    pattern()
        .replace_all(text, |caps: &regex::Captures| {
            let run = &caps[0];
            let digits = run.chars().filter(|c| !matches!(c, ' ' | '-')).count();
            let mut seen = 0;
            run.chars()
                .map(|c| {
                    if matches!(c, ' ' | '-') {
                        return c;
                    }
                    seen += 1;
                    if seen <= KEEP_HEAD || seen > digits - KEEP_TAIL {
                        c
                    } else {
                        '*'
                    }
                })
                .collect::<String>()
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_id_numbers_with_and_without_x() {
        assert_eq!(
            mask("我的身份证号110101199003071234，能补吗"),
            "我的身份证号110*************34，能补吗"
        );
        assert_eq!(mask("11010119900307123X"), "110*************3X");
        assert_eq!(mask("11010119900307123x号"), "110*************3x号");
    }

    #[test]
    fn masks_mobile_numbers() {
        assert_eq!(mask("电话13812345678"), "电话138******78");
        assert_eq!(mask("电话 138-1234-5678 谢谢"), "电话 138-****-**78 谢谢");
    }

    #[test]
    fn masks_bank_cards_grouped_or_not() {
        assert_eq!(mask("卡号6222021234567890123"), "卡号622**************23");
        assert_eq!(mask("卡号 6222 0212 3456 7890"), "卡号 622* **** **** **90");
    }

    #[test]
    fn masks_full_width_digits() {
        assert_eq!(mask("１３８１２３４５６７８"), "１３８******７８");
    }

    #[test]
    fn leaves_amounts_dates_and_short_numbers() {
        for s in [
            "每月5000元，补3个月",
            "2024-03至2024-08",
            "从2024-01-15到2024-03-01",
            "滞纳金 10000 元 30 天",
            "1234567890",
        ] {
            assert_eq!(mask(s), s);
        }
    }

    #[test]
    fn masks_every_number_in_a_message() {
        assert_eq!(
            mask("13812345678 和 110101199003071234"),
            "138******78 和 110*************34"
        );
    }
}
