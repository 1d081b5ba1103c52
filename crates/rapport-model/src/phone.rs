//! Phone numbers as a receptionist types them: any spacing, dashes, brackets, a `+` and country
//! code or a trunk `0`. Search works on digits only.

/// The digits of a phone number, formatting dropped: `"+91 (984) 501-2345"` → `"919845012345"`.
pub fn digits(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// The number as gateways dial it: digits only, with a leading `+` for an international number
/// (`+` or `00`): `"+91 98450 12345"` → `"+919845012345"`.
pub fn dialable(raw: &str) -> String {
    let all = digits(raw);
    match (raw.trim_start().starts_with('+'), all.strip_prefix("00")) {
        (true, _) => format!("+{all}"),
        (false, Some(rest)) => format!("+{rest}"),
        _ => all,
    }
}

/// The last ten digits: how a reply's sender is matched to the number a text went to, whatever
/// country code or trunk prefix either carries.
pub fn last_ten(raw: &str) -> String {
    let all = digits(raw);
    all[all.len().saturating_sub(10)..].to_owned()
}

/// The digit strings under which a stored number can be found: the whole number; without a
/// trunk `0`; for an international number (`+` or `00`), without each possible country code
/// (1 to 3 digits); and its last ten digits. So `98450…`, `098450…` and `+91 98450…` all find
/// the same patient, and so does `30 123…` for `+36 30 123 4567`.
pub fn search_forms(raw: &str) -> Vec<String> {
    let all = digits(raw);
    if all.len() < 3 {
        return Vec::new();
    }
    let trimmed = raw.trim_start();
    let mut forms = vec![all.clone(), all.trim_start_matches('0').to_owned()];
    let international = if trimmed.starts_with('+') { Some(all.as_str()) } else { all.strip_prefix("00") };
    if let Some(number) = international {
        for cc in 1..=3 {
            if number.len() > cc + 5 {
                forms.push(number[cc..].trim_start_matches('0').to_owned());
            }
        }
    }
    if all.len() > 10 {
        forms.push(last_ten(raw));
    }
    forms.retain(|f| f.len() >= 3);
    forms.sort();
    forms.dedup();
    forms
}

/// Does this query look like a phone number rather than a name (digits with phone punctuation
/// only, at least three digits)?
pub fn looks_like_phone(query: &str) -> bool {
    let q = query.trim();
    q.chars().filter(char::is_ascii_digit).count() >= 3 && q.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_is_dropped() {
        assert_eq!(digits("+91 (984) 501-2345"), "919845012345");
    }

    #[test]
    fn a_number_can_be_found_with_or_without_country_code_or_trunk_zero() {
        let forms = search_forms("+91 98450 12345");
        assert!(forms.contains(&"919845012345".to_owned()));
        assert!(forms.contains(&"9845012345".to_owned()));
        let local = search_forms("098450 12345");
        assert!(local.contains(&"9845012345".to_owned()));
        let hungarian = search_forms("+36 30 123 4567");
        assert!(hungarian.contains(&"301234567".to_owned()), "{hungarian:?}");
        let dialled = search_forms("0044 20 7946 0018");
        assert!(dialled.contains(&"2079460018".to_owned()), "{dialled:?}");
    }

    #[test]
    fn names_are_not_phone_numbers() {
        assert!(looks_like_phone("98450 12"));
        assert!(looks_like_phone("+44 (20) 7946"));
        assert!(!looks_like_phone("jo 12"));
        assert!(!looks_like_phone("12"));
    }
}
