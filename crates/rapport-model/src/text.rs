//! What text Rapport accepts, said once for typed input and for synced changes alike: no
//! control, escape or direction-override characters anywhere (an ESC sequence typed at one
//! clinic must not reach another clinic's terminal), a visible letter in every name, and a
//! length cap on every field.

/// The kind of text a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRule {
    /// A person's name: one line with at least one letter (or empty, where the field allows it).
    Name,
    /// One line of anything printable.
    Line,
    /// Printable text that may span lines (an address, a note).
    Lines,
    /// A login: lowercase letters, digits, `.`, `-`, `_`.
    Login,
}

/// Why a text was refused; the message names the field, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{0} is too long (at most {1} characters)")]
    TooLong(&'static str, usize),
    #[error("{0} holds control or direction characters")]
    Characters(&'static str),
    #[error("{0} needs a letter")]
    NoLetter(&'static str),
    #[error("{0} needs 3 to 15 digits")]
    NoDigits(&'static str),
}

/// Characters that reorder or hide text (bidi overrides and isolates, marks) or make it
/// invisible (zero-width), besides the control characters `char::is_control` knows.
pub fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Checks `value` for `field`; an empty string passes (whether a field may be empty is the
/// caller's rule).
pub fn check(field: &'static str, value: &str, rule: TextRule, max_chars: usize) -> Result<(), TextError> {
    if value.chars().count() > max_chars {
        return Err(TextError::TooLong(field, max_chars));
    }
    let line_breaks_allowed = rule == TextRule::Lines;
    if value.chars().any(|c| (c.is_control() && !(line_breaks_allowed && c == '\n')) || is_hidden_format(c)) {
        return Err(TextError::Characters(field));
    }
    match rule {
        TextRule::Name if !value.is_empty() && !value.chars().any(char::is_alphabetic) => {
            Err(TextError::NoLetter(field))
        }
        TextRule::Login
            if !value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c)) =>
        {
            Err(TextError::Characters(field))
        }
        _ => Ok(()),
    }
}

/// A phone number: at most this many characters as typed...
pub const MAX_PHONE_CHARS: usize = 32;
/// ...holding 3 to this many digits.
pub const MAX_PHONE_DIGITS: usize = 15;

/// Checks one phone number as typed.
pub fn check_phone(field: &'static str, value: &str) -> Result<(), TextError> {
    check(field, value, TextRule::Line, MAX_PHONE_CHARS)?;
    let digits = crate::phone::digits(value).len();
    if !(3..=MAX_PHONE_DIGITS).contains(&digits) {
        return Err(TextError::NoDigits(field));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_only_invisible_characters_is_no_name() {
        assert_eq!(
            check("given name", "\u{200B}\u{200B}", TextRule::Name, 200),
            Err(TextError::Characters("given name"))
        );
        assert_eq!(check("given name", "...", TextRule::Name, 200), Err(TextError::NoLetter("given name")));
        assert_eq!(check("given name", "Zoë", TextRule::Name, 200), Ok(()));
        assert_eq!(check("given name", "أحمد", TextRule::Name, 200), Ok(()));
    }

    #[test]
    fn escape_and_direction_overrides_never_reach_another_screen() {
        assert!(check("pointer", "\u{1b}[2J wiped", TextRule::Lines, 500).is_err());
        assert!(check("pointer", "abc\u{202E}fed", TextRule::Lines, 500).is_err());
        assert!(check("pointer", "two\nlines", TextRule::Lines, 500).is_ok());
        assert!(check("city", "two\nlines", TextRule::Line, 100).is_err());
    }

    #[test]
    fn a_phone_needs_digits_and_has_a_length() {
        assert!(check_phone("phone", "+91 98450 12345").is_ok());
        assert!(check_phone("phone", "call me").is_err());
        assert!(check_phone("phone", &"9".repeat(40)).is_err());
    }
}
