//! Users' emails in the one form idm stores and compares (contract 1.1 §9.9 and §9.14): ASCII
//! letters lower case (no other character is folded), and an internationalised domain in
//! IDNA `xn--` form. Input, tokens and the old portal's rows all go through here, so two
//! spellings of one address always meet.

/// Why an address has no stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailProblem {
    /// `A`–`Z` in input, which is refused rather than lowered (contract §5).
    UpperCase,
    /// Not one well-formed address.
    Malformed,
    /// The domain is not a valid IDNA2008 name as written (it would need UTS-46 mapping:
    /// KELVIN SIGN, full-width or upper-case non-ASCII letters, …).
    Domain,
}

impl EmailProblem {
    /// The message shown with a VALIDATION error.
    pub fn message(self) -> &'static str {
        match self {
            EmailProblem::UpperCase => "email must be lower-case",
            EmailProblem::Malformed => "not a valid email address",
            EmailProblem::Domain => {
                "the domain is not a valid internationalised domain name as written"
            }
        }
    }
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_email(value: &str) -> bool {
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// The stored form of an email typed by a user or an import: it must already be lower case
/// in ASCII; a Unicode domain is encoded to `xn--` form.
pub fn stored(input: &str) -> Result<String, EmailProblem> {
    if input.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(EmailProblem::UpperCase);
    }
    let (local, domain) = input.split_once('@').ok_or(EmailProblem::Malformed)?;
    let encoded = format!("{local}@{}", encode_domain(domain)?);
    if !is_email(&encoded) {
        return Err(EmailProblem::Malformed);
    }
    Ok(encoded)
}

/// The stored form of a token's email claim: ASCII letters lowered (as identity providers
/// send them in any case), then as [`stored`]. `None` when no user can have it.
pub fn from_claim(claim: &str) -> Option<String> {
    stored(&claim.to_ascii_lowercase()).ok()
}

/// A domain as stored: ASCII domains as they are (checked by [`is_email`]); a domain with
/// `xn--` labels must decode cleanly; a Unicode domain must be a fixed point of UTS-46
/// mapping (strict IDNA2008: nothing is mapped for the writer) and is encoded.
fn encode_domain(domain: &str) -> Result<String, EmailProblem> {
    if domain.is_ascii() {
        if domain.split('.').any(|label| label.starts_with("xn--")) {
            let (_, decoded) = idna::domain_to_unicode(domain);
            decoded.map_err(|_| EmailProblem::Domain)?;
        }
        return Ok(domain.to_owned());
    }
    let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| EmailProblem::Domain)?;
    let (unicode, decoded) = idna::domain_to_unicode(&ascii);
    if decoded.is_err() || unicode != domain {
        return Err(EmailProblem::Domain);
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("a.b@example.org"));
        assert!(!is_email("a b@example.org"));
        assert!(!is_email("ab@example"));
        assert!(!is_email("@example.org"));
        assert!(!is_email("a@b@example.org"));
    }

    #[test]
    fn ascii_addresses_are_kept_as_typed() {
        assert_eq!(stored("ana@example.org").as_deref(), Ok("ana@example.org"));
        assert_eq!(stored("Ana@example.org"), Err(EmailProblem::UpperCase));
        assert_eq!(stored("ana@example"), Err(EmailProblem::Malformed));
        assert_eq!(stored("ana.example.org"), Err(EmailProblem::Malformed));
    }

    #[test]
    fn unicode_domains_are_stored_in_xn_form_and_meet_their_encoded_spelling() {
        let encoded = stored("ana@bücher.example").unwrap();
        assert_eq!(encoded, "ana@xn--bcher-kva.example");
        assert_eq!(stored(&encoded).as_deref(), Ok(encoded.as_str()));
        assert_eq!(
            from_claim("ANA@bücher.example").as_deref(),
            Some(encoded.as_str())
        );
        assert_eq!(
            from_claim("ana@XN--BCHER-KVA.example").as_deref(),
            Some(encoded.as_str())
        );
    }

    #[test]
    fn a_domain_valid_only_after_mapping_is_refused() {
        // U+212A KELVIN SIGN maps to "k"; full-width letters map to ASCII; "Ü" maps to "ü".
        for domain in ["\u{212A}elvin.example", "ｅxample.org", "bÜcher.example"] {
            let address = format!("ana@{domain}");
            assert_eq!(stored(&address), Err(EmailProblem::Domain), "{domain}");
            assert_eq!(from_claim(&address), None, "{domain}");
        }
        assert_eq!(stored("ana@xn--zz-.example"), Err(EmailProblem::Domain));
    }

    #[test]
    fn only_ascii_letters_are_folded_in_the_local_part() {
        assert_eq!(
            from_claim("JOSÉ@example.org").as_deref(),
            Some("josÉ@example.org")
        );
    }
}
