//! `cargo deny check` against an offline snapshot of the RustSec advisory database.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, status, step, tool, tools_dir};

/// cargo-deny, pinned.
const CARGO_DENY_VERSION: &str = "0.20.2";

/// The folder name cargo-deny derives from the advisory database's default URL
/// (`https://github.com/rustsec/advisory-db`): it looks for the git repository there.
const DB_DIR: &str = "advisory-db-3157b0e258782691";

/// Advisories, bans, licenses and sources of the workspace and of ui/ (its own lockfile).
pub(crate) fn check() -> Result<(), String> {
    ensure_cargo_deny()?;
    // cargo-deny reads every crate's manifest; `--offline` below also stops it downloading them.
    let mut fetch = cargo();
    fetch.args(["fetch", "--locked"]);
    status(fetch, "cargo fetch")?;
    let mut fetch_ui = cargo();
    fetch_ui.current_dir(root().join("ui")).args(["fetch", "--locked"]);
    status(fetch_ui, "cargo fetch in ui/")?;
    let (dbs, checks): (PathBuf, &[&str]) = match snapshot() {
        Some(snapshot) => (advisory_repository(&snapshot)?, &[]),
        None => {
            step(
                "NO OFFLINE ADVISORY SNAPSHOT FOUND (set RAPPORT_ADVISORY_DB to a copy of the RustSec \
                 advisory-db tree): checking bans, licenses and sources only",
            );
            (tools_dir().join("advisory-dbs"), &["bans", "licenses", "sources"])
        }
    };
    let config = root().join("deny.toml");
    for (dir, what, allow) in
        [(root(), "the workspace", None), (root().join("ui"), "ui/", Some("advisory-not-detected"))]
    {
        step(&format!("checking {what}'s dependencies (cargo deny: advisories, bans, licenses, sources)"));
        let mut deny = Command::new(tool("cargo-deny"));
        deny.current_dir(&dir)
            .env("RAPPORT_ADVISORY_DBS", &dbs)
            .args(["--offline", "--locked", "--config"])
            .arg(&config)
            .args(["check", "--hide-inclusion-graph"])
            .args(allow.iter().flat_map(|code| ["--allow", code]))
            .args(checks);
        status(deny, &format!("cargo deny check on {what} (see deny.toml)"))?;
    }
    Ok(())
}

fn ensure_cargo_deny() -> Result<(), String> {
    let deny = tool("cargo-deny");
    if crate::tool_version_is(&deny, CARGO_DENY_VERSION) {
        step(&format!("cargo-deny {CARGO_DENY_VERSION} present"));
        return Ok(());
    }
    step(&format!("installing cargo-deny {CARGO_DENY_VERSION} into {} (about 4 minutes)", tools_dir().display()));
    let mut install = cargo();
    install.args(["install", "cargo-deny", "--locked", "--version", CARGO_DENY_VERSION, "--root"]).arg(tools_dir());
    status(install, "cargo install cargo-deny")
}

/// The advisory database's plain tree: `$RAPPORT_ADVISORY_DB`, or `shared/advisory-db` beside
/// the checkout or one of its parents (where the project's machines keep it).
fn snapshot() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RAPPORT_ADVISORY_DB") {
        return Some(PathBuf::from(dir));
    }
    root().ancestors().map(|dir| dir.join("shared").join("advisory-db")).find(|dir| dir.join("crates").is_dir())
}

/// cargo-deny wants a git repository: one is made from the snapshot (offline), and made again
/// when the snapshot changes. Returns the folder to give as `db-path`.
fn advisory_repository(snapshot: &Path) -> Result<PathBuf, String> {
    let dbs = tools_dir().join("advisory-dbs");
    let repo = dbs.join(DB_DIR);
    let stamp = |dir: &Path| std::fs::read_to_string(dir.join("SNAPSHOT")).unwrap_or_default();
    let wanted = format!("{}\n{}", snapshot.display(), stamp(snapshot));
    let made_from = repo.join(".git").join("rapport-snapshot");
    if std::fs::read_to_string(&made_from).is_ok_and(|s| s == wanted) {
        step(&format!("advisory database from {} present", snapshot.display()));
        return Ok(dbs);
    }
    step(&format!("making a git repository of the advisory snapshot {} for cargo-deny", snapshot.display()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&dbs).map_err(|e| format!("creating {}: {e}", dbs.display()))?;
    let mut copy = Command::new("cp");
    copy.arg("-r").arg(snapshot).arg(&repo);
    status(copy, "copying the advisory snapshot")?;
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.current_dir(&repo)
            .args(["-c", "user.name=xtask", "-c", "user.email=xtask@localhost", "-c", "commit.gpgsign=false"])
            .args(args);
        status(cmd, &format!("git {}", args.first().copied().unwrap_or_default()))
    };
    git(&["init", "--quiet", "--initial-branch=main"])?;
    git(&["add", "--all"])?;
    git(&["commit", "--quiet", "--message", "RustSec advisory database (offline snapshot)"])?;
    std::fs::write(&made_from, wanted).map_err(|e| format!("writing {}: {e}", made_from.display()))?;
    Ok(dbs)
}
