//! The one way commands write to standard output. A reader that goes away early (`rapport …
//! --json | grep -q X`, `| head`) ends the command quietly with success, as ripgrep does: what
//! it asked for is done. Any other failure to write is reported on standard error.

use std::io::Write as _;

use chrono::{Local, Utc};
use serde::Serialize;

use crate::context::Failure;

/// `println!` for command output, through [`line`].
macro_rules! say {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes one line to standard output; a closed pipe ends the process with success.
pub(crate) fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(3);
    }
}

/// A command's `--json` answer.
pub(crate) fn json<T: Serialize>(v: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Failure { code: 3, message: e.to_string() })?;
    say!("{text}");
    Ok(())
}

/// An instant as the desk's local time, to the minute.
pub(crate) fn local(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A value as one CSV field: quoted when it holds a comma, a quote or a line break (quotes
/// doubled), and a leading `=`, `+`, `-` or `@` made plain text, so a spreadsheet never runs it
/// as a formula.
pub(crate) fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

#[cfg(test)]
mod csv_tests {
    use super::csv_field;

    #[test]
    fn a_csv_field_is_quoted_when_it_must_be_and_never_a_formula() {
        assert_eq!(csv_field("Dr Rao"), "Dr Rao");
        assert_eq!(csv_field("Rao, Asha"), "\"Rao, Asha\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
