//! `fuzz [--minutes N] [TARGET...]`: feeds every decoder that takes outside input generated
//! inputs for N minutes in all (10 by default, shared evenly), saves each finding under
//! `tests/fuzz-regressions/<target>/` (CI replays them) and exits 1 if there was one.
//! `cargo xtask soak` runs it; the targets are in `rapport_tests::fuzz`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use rapport_tests::fuzz;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut minutes = 10.0_f64;
    let mut only = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--minutes" => match args.next().and_then(|m| m.parse().ok()) {
                Some(m) => minutes = m,
                None => {
                    eprintln!("usage: fuzz [--minutes N] [TARGET...]");
                    return ExitCode::from(2);
                }
            },
            name => only.push(name.to_owned()),
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut targets = fuzz::targets(dir.path());
    targets.retain(|t| only.is_empty() || only.iter().any(|o| o == t.name));
    if targets.is_empty() {
        eprintln!("no such target");
        return ExitCode::from(2);
    }
    fuzz::watchdog();
    let each = Duration::from_secs_f64(minutes * 60.0 / targets.len() as f64);
    let (mut inputs, mut findings) = (0, 0);
    for target in &mut targets {
        let run = fuzz::run_for(target, each, 256, None);
        println!("{:<16} {:>9} inputs  {} finding(s)", target.name, run.inputs, run.findings.len());
        inputs += run.inputs;
        for finding in &run.findings {
            findings += 1;
            match fuzz::save(finding) {
                Ok(path) => println!("  FINDING: {} (saved as {})", finding.what, path.display()),
                Err(e) => println!("  FINDING: {} (could not save it: {e})", finding.what),
            }
        }
    }
    println!("{inputs} inputs in {minutes} minute(s), {findings} finding(s)");
    if findings == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
