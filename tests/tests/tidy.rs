//! Tidy checks: the architecture invariants that a reading of the source tree can check.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target" && n != "dist") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The desk's SQL lives in rapport-store (head office's in rapport-server, on its own
/// storage): the core, the CLI, the desktop shell, the model and the UI hold none (their tests
/// may tamper with a database on purpose).
#[test]
fn no_sql_outside_the_stores() {
    let sql = ["SELECT ", "INSERT INTO", "DELETE FROM", "CREATE TABLE", "PRAGMA ", "UPDATE patient", "UPDATE staff"];
    let mut files = Vec::new();
    for dir in
        ["crates/rapport-core/src", "crates/rapport-cli/src", "crates/rapport-model/src", "src-tauri/src", "ui/src"]
    {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 20, "the walk found the sources ({} files)", files.len());
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            if line.contains('"') && sql.iter().any(|s| line.contains(s)) {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(root()).unwrap_or(&file).display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(found.is_empty(), "SQL outside rapport-store:\n{}", found.join("\n"));
}

/// Head office is built without the desk's store: no SQLCipher, OpenSSL or OS keyring in it.
#[test]
fn head_office_builds_without_the_desks_store() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args(["tree", "--locked", "--offline", "-p", "rapport-server", "-e", "normal,build", "--prefix", "none"])
        .args(["--format", "{p} {f}"])
        .output()
        .expect("cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("rusqlite"), "the tree lists head office's dependencies:\n{tree}");
    for crate_name in ["rapport-store ", "keyring ", "openssl-sys ", "openssl-src "] {
        assert!(!tree.lines().any(|l| l.starts_with(crate_name)), "head office depends on {crate_name}");
    }
    let sqlite = tree.lines().find(|l| l.starts_with("libsqlite3-sys ")).expect("libsqlite3-sys");
    assert!(!sqlite.contains("sqlcipher"), "head office's SQLite is SQLCipher: {sqlite}");
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `"…"` string in `text`.
fn quoted(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The identifier that follows each `marker` in `text`.
fn after(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .map(|(i, _)| text[i + marker.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The desktop's command list is written in five places that must agree: the permissions
/// `build.rs` generates, the capability that grants them, the handler list, the handlers and
/// the UI's calls. A command missing from one is refused at run time (or never called).
#[test]
fn the_desktop_commands_agree_everywhere() {
    let build = read("src-tauri/build.rs");
    let list = &build[build.find("const COMMANDS").expect("COMMANDS")..];
    let generated = sorted(quoted(&list[..list.find("];").expect("end of COMMANDS")]));
    assert!(generated.len() > 20, "read build.rs's COMMANDS: {generated:?}");

    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/default.json")).expect("capability JSON");
    let granted = sorted(
        capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .map(|p| {
                let p = p.as_str().expect("a permission name");
                p.strip_prefix("allow-")
                    .unwrap_or_else(|| panic!("only allow-<command> is granted: {p}"))
                    .replace('-', "_")
            })
            .collect(),
    );
    assert_eq!(granted, generated, "capabilities/default.json grants exactly build.rs's commands");

    let main = read("src-tauri/src/main.rs");
    let handlers = &main[main.find("generate_handler![").expect("generate_handler")..];
    let registered = sorted(after(&handlers[..handlers.find("])").expect("end of handlers")], "commands::"));
    assert_eq!(registered, generated, "main.rs registers exactly build.rs's commands");

    let defined = sorted(after(&read("src-tauri/src/commands.rs"), "#[tauri::command]\npub async fn "));
    assert_eq!(defined, generated, "commands.rs defines exactly build.rs's commands");

    let api = read("ui/src/api.rs");
    let mut called = after(&api, "call(\"");
    called.extend(after(&api, "call0(\""));
    assert_eq!(sorted(called), generated, "ui/src/api.rs calls exactly build.rs's commands");
}
