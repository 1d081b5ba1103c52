//! The one way the commands write to standard output: a reader that goes away early (`| head`,
//! `grep -q`) ends the command quietly with success; any other failure to write is reported.
//! (The desk's `rapport` has the same rule in `rapport-cli/src/output.rs`; the two binaries
//! share no crate that may do I/O.)

use std::io::Write as _;

/// `println!` for command output, through [`line`].
macro_rules! say {
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
        std::process::exit(1);
    }
}
