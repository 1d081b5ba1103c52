//! Phone numbers as a receptionist types them: any spacing, dashes, brackets, a `+` and country
//! code or a trunk `0`. Search works on digits only.

/// The digits of a phone number, formatting dropped: `"+91 (984) 501-2345"` → `"919845012345"`.
pub fn digits(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// The digit strings under which a stored number can be found: the whole number, without a
/// trunk `0`, and its last ten digits (the national number in most numbering plans), so that
/// `98450…`, `098450…` and `+91 98450…` all find the same patient.
pub fn search_forms(raw: &str) -> Vec<String> {
    let all = digits(raw);
    let mut forms = Vec::with_capacity(3);
    if all.len() < 3 {
        return forms;
    }
    let without_trunk = all.trim_start_matches('0').to_owned();
    forms.push(all.clone());
    if without_trunk != all && without_trunk.len() >= 3 {
        forms.push(without_trunk);
    }
    if all.len() > 10 {
        forms.push(all[all.len() - 10..].to_owned());
    }
    forms.dedup();
    forms
}

/// Does this query look like a phone number rather than a name (digits with phone punctuation
/// only, at least three digits)?
pub fn looks_like_phone(query: &str) -> bool {
    let q = query.trim();
    q.chars().filter(char::is_ascii_digit).count() >= 3
        && q.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
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
    }

    #[test]
    fn names_are_not_phone_numbers() {
        assert!(looks_like_phone("98450 12"));
        assert!(looks_like_phone("+44 (20) 7946"));
        assert!(!looks_like_phone("jo 12"));
        assert!(!looks_like_phone("12"));
    }
}
