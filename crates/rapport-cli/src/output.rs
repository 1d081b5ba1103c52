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
