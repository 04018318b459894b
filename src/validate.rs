//! Input validation shared by mutations and the import: each check returns the cleaned value
//! or records a VALIDATION error on the input field at fault, so a request reports every
//! problem at once.

use crate::email::is_email;
use crate::error::{ErrorCode, UserError};

/// Collects validation errors of one input object.
#[derive(Debug, Default)]
pub struct Checker {
    prefix: Vec<String>,
    pub errors: Vec<UserError>,
}

/// ISO 3166-1 alpha-2 codes.
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

impl Checker {
    /// A checker whose error paths start with `prefix` (e.g. `["input"]`).
    pub fn new(prefix: &[&str]) -> Self {
        Self {
            prefix: prefix.iter().map(|s| (*s).to_owned()).collect(),
            errors: Vec::new(),
        }
    }

    /// Records an error on `field`.
    pub fn fail(&mut self, code: ErrorCode, field: &str, message: impl Into<String>) {
        let mut path = self.prefix.clone();
        path.push(field.to_owned());
        self.errors
            .push(UserError::new(code, message, &[]).with_field(path));
    }

    /// Ok when nothing failed, else every error.
    pub fn finish(self) -> Result<(), Vec<UserError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// The value trimmed; an error for NUL and other control characters (tabs and line
    /// breaks aside, which multi-line fields such as addresses may hold).
    fn clean(&mut self, field: &str, value: &str) -> Option<String> {
        if value.contains('\0') {
            self.fail(
                ErrorCode::Validation,
                field,
                "must not contain NUL characters",
            );
            return None;
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            self.fail(
                ErrorCode::Validation,
                field,
                "must not contain control characters",
            );
            return None;
        }
        Some(value.trim().to_owned())
    }

    /// A required one-line text of `min..=max` characters, trimmed (names, titles, codes:
    /// they go into notifications and lists, where a line break could forge content).
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let Some(v) = self.clean(field, value) else {
            return String::new();
        };
        if v.contains(['\n', '\r']) {
            self.fail(ErrorCode::Validation, field, "must be a single line");
            return v;
        }
        let len = v.chars().count();
        if len < min || len > max {
            let msg = if min > 0 && len == 0 {
                "must not be empty".to_owned()
            } else if min == 0 {
                format!("must be at most {max} characters long")
            } else {
                format!("must be {min} to {max} characters long")
            };
            self.fail(ErrorCode::Validation, field, msg);
        }
        v
    }

    /// An optional text of at most `max` characters, trimmed; empty becomes None.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let v = self.clean(field, value?)?;
        if v.chars().count() > max {
            self.fail(
                ErrorCode::Validation,
                field,
                format!("must be at most {max} characters long"),
            );
        }
        (!v.is_empty()).then_some(v)
    }

    /// A user's email in its stored form (`crate::email::stored`): upper case (`A`–`Z`:
    /// emails compare by ASCII case only, contract 1.1 §9.9) is refused, not lowered; a
    /// Unicode domain is stored in `xn--` form (§9.14).
    pub fn user_email(&mut self, field: &str, value: &str) -> String {
        match crate::email::stored(value) {
            Ok(stored) => stored,
            Err(problem) => {
                self.fail(ErrorCode::Validation, field, problem.message());
                value.to_owned()
            }
        }
    }

    /// An optional contact email (any case), well formed when given.
    pub fn optional_email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let v = self.optional_text(field, value, 254)?;
        if !is_email(&v) {
            self.fail(ErrorCode::Validation, field, "not a valid email address");
        }
        Some(v)
    }

    /// A plan's own label (contract 1.1 §9.13): 1..255 characters, only for type OTHER.
    pub fn plan_custom_type(
        &mut self,
        value: Option<&str>,
        plan_type: crate::domain::ResponsePlanType,
    ) -> Option<String> {
        let v = self.optional_text("planCustomType", value, 255)?;
        if plan_type != crate::domain::ResponsePlanType::Other {
            self.fail(
                ErrorCode::Validation,
                "planCustomType",
                "only allowed when planType is OTHER",
            );
        }
        Some(v)
    }

    /// An optional ISO 3166-1 alpha-2 country code (upper case).
    pub fn country_code(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let v = self.optional_text(field, value, 2)?;
        if v.len() != 2 || !COUNTRY_CODES.split(' ').any(|c| c == v) {
            self.fail(
                ErrorCode::Validation,
                field,
                "not an ISO 3166-1 alpha-2 country code, e.g. SY",
            );
        }
        Some(v)
    }

    /// An optional amount that fits a decimal(12,2), in cents.
    pub fn money(&mut self, field: &str, value: Option<crate::scalars::Decimal>) -> Option<i64> {
        let v = value?;
        let cents = v.to_cents();
        if cents.is_none() {
            self.fail(
                ErrorCode::Validation,
                field,
                "must have at most 10 digits before and 2 after the decimal point",
            );
        }
        cents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_user_email_is_refused_not_lowered() {
        let mut c = Checker::new(&["input"]);
        c.user_email("email", "Ana@Example.org");
        let errors = c.finish().err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].field,
            Some(vec!["input".to_owned(), "email".to_owned()])
        );
    }

    #[test]
    fn control_characters_are_refused_and_names_are_one_line() {
        let mut c = Checker::new(&["input"]);
        c.text("firstName", "Ana\nVisit https://evil.example", 1, 64);
        c.text("lastName", "Ana\u{1b}[31m", 1, 64);
        c.optional_text("position", Some("Lead\u{7f}"), 64);
        assert_eq!(
            c.optional_text("streetAddress", Some("1 Road\n\tSuite 2"), 512),
            Some("1 Road\n\tSuite 2".to_owned())
        );
        let fields: Vec<String> = c
            .finish()
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.field.and_then(|f| f.last().cloned()))
            .collect();
        assert_eq!(fields, ["firstName", "lastName", "position"]);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut c = Checker::new(&["input"]);
        assert_eq!(c.text("firstName", "  Ana ", 1, 64), "Ana");
        c.text("lastName", "   ", 1, 64);
        c.text("position", &"x".repeat(65), 1, 64);
        assert_eq!(c.errors.len(), 2);
    }
}
