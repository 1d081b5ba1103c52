//! Every input `cargo xtask soak` ever found a fault with (`tests/fuzz-regressions/<target>/`)
//! goes through its decoder again and must be handled, and each decoder takes a short,
//! repeatable run of generated inputs, so the fuzz targets themselves keep working.

use std::time::Duration;

use rapport_tests::fuzz;

#[test]
fn saved_findings_stay_fixed_and_every_decoder_takes_generated_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut targets = fuzz::targets(dir.path());
    assert!(targets.len() >= 10, "every decoder has a target");
    let mut still_failing = Vec::new();
    for target in &mut targets {
        if let Ok(saved) = std::fs::read_dir(fuzz::regressions(target.name)) {
            for file in saved {
                let path = file.expect("entry").path();
                let input = std::fs::read(&path).expect("read");
                if let Err(what) = target.check(&input) {
                    still_failing.push(format!("{}: {} {what}", target.name, path.display()));
                }
            }
        }
        let run = fuzz::run_for(target, Duration::ZERO, 24, Some(20261204));
        assert!(run.inputs >= 24, "{} ran {} inputs", target.name, run.inputs);
        if let Some(f) = run.findings.first() {
            panic!("{}: {} (input {:?})", f.target, f.what, String::from_utf8_lossy(&f.input));
        }
    }
    assert!(still_failing.is_empty(), "saved findings that still fail:\n{}", still_failing.join("\n"));
}
