//! The OS keyring path, for real: a Secret Service (gnome-keyring) in a private D-Bus session
//! holds the database key. Needs the Debian packages `dbus-daemon` and `gnome-keyring`, which
//! `cargo xtask test` installs.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `rapport args…` inside a fresh D-Bus session whose gnome-keyring keeps its keyrings
/// under `keyrings` (so two calls with the same folder share a keyring, like one user's logins).
fn in_keyring_session(keyrings: &Path, db: &Path, args: &str, env: &[(&str, &str)]) -> Output {
    for tool in ["dbus-run-session", "gnome-keyring-daemon", "dbus-send"] {
        let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().expect("sh");
        assert!(
            found.status.success(),
            "{tool} is missing: install dbus-daemon and gnome-keyring (cargo xtask test does)"
        );
    }
    // Start and unlock the keyring, then wait until it owns its bus name: a client that asks
    // earlier makes D-Bus start a second daemon, and the two can wait on each other for ever.
    let script = format!(
        "echo -n keyring-login | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
         i=0
         until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
               org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
           i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
         done
         exec {} --db '{}' {args}",
        env!("CARGO_BIN_EXE_rapport"),
        db.display()
    );
    // Output goes to files, not pipes: a daemon that outlives the session must not keep the
    // test waiting for a pipe to close. `timeout` turns a hang into a failure.
    let out_path = keyrings.join("stdout.txt");
    let err_path = keyrings.join("stderr.txt");
    let status = Command::new("timeout")
        .args(["--kill-after=5", "60", "dbus-run-session", "--", "sh", "-c", &script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", keyrings)
        .env("XDG_DATA_HOME", keyrings)
        .env("XDG_RUNTIME_DIR", keyrings)
        .env("RAPPORT_USER", "admin")
        .env("RAPPORT_PASSWORD", "admin-password-1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .status()
        .expect("run dbus-run-session");
    Output {
        status,
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read(&err_path).expect("stderr"),
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_key_lives_in_the_os_keyring_and_a_missing_entry_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keyrings = dir.path().join("home");
    std::fs::create_dir_all(&keyrings).expect("mkdir");
    let db = dir.path().join("clinic.db");

    let init = in_keyring_session(&keyrings, &db, "init --clinic 'Keyring Clinic' --admin admin", &[]);
    assert!(init.status.success(), "{}", text(&init));
    assert!(text(&init).contains("OS keyring"), "{}", text(&init));
    let key_file = std::fs::read_to_string(rapport_core::key_file_path(&db)).expect("key file");
    assert!(key_file.contains("\"protection\": \"keyring\""), "{key_file}");
    assert!(!key_file.contains("wrapped_key"), "no copy of the key beside the database");

    let add = in_keyring_session(&keyrings, &db, "patient add --given Keyring --family Canary", &[]);
    assert!(add.status.success(), "a later session finds the key: {}", text(&add));
    let found = in_keyring_session(&keyrings, &db, "patient search 'keyr can'", &[]);
    assert!(text(&found).contains("Keyring Canary"), "{}", text(&found));

    // Moving the key to a passphrase removes it from the keyring; moving it back restores it.
    let keyring_key_file = std::fs::read(rapport_core::key_file_path(&db)).expect("key file");
    let to_passphrase =
        in_keyring_session(&keyrings, &db, "key passphrase", &[("RAPPORT_NEW_PASSPHRASE", "moved passphrase")]);
    assert!(to_passphrase.status.success(), "{}", text(&to_passphrase));
    let key_file = std::fs::read_to_string(rapport_core::key_file_path(&db)).expect("key file");
    assert!(key_file.contains("\"protection\": \"passphrase\""), "{key_file}");
    let with_passphrase =
        in_keyring_session(&keyrings, &db, "patient search canary", &[("RAPPORT_PASSPHRASE", "moved passphrase")]);
    assert!(text(&with_passphrase).contains("Keyring Canary"), "{}", text(&with_passphrase));
    let passphrase_key_file = std::fs::read(rapport_core::key_file_path(&db)).expect("key file");
    std::fs::write(rapport_core::key_file_path(&db), &keyring_key_file).expect("old key file back");
    let stale = in_keyring_session(&keyrings, &db, "patient search canary", &[]);
    assert_eq!(stale.status.code(), Some(2), "the keyring copy is gone: {}", text(&stale));
    std::fs::write(rapport_core::key_file_path(&db), &passphrase_key_file).expect("restore key file");
    let back = in_keyring_session(&keyrings, &db, "key keyring", &[("RAPPORT_PASSPHRASE", "moved passphrase")]);
    assert!(back.status.success(), "{}", text(&back));
    let found = in_keyring_session(&keyrings, &db, "patient search canary", &[]);
    assert!(text(&found).contains("Keyring Canary"), "back in the keyring: {}", text(&found));

    // Another user's keyring (an empty one) has no entry for this database.
    let stranger = dir.path().join("stranger");
    std::fs::create_dir_all(&stranger).expect("mkdir");
    let missing = in_keyring_session(&stranger, &db, "patient search keyring", &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(text(&missing).contains("OS keyring has no key for this database"), "{}", text(&missing));

    // No keyring at all (no D-Bus session): a clear error, never a plaintext fallback.
    let no_bus = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db"])
        .arg(&db)
        .args(["patient", "search", "keyring"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAPPORT_USER", "admin")
        .env("RAPPORT_PASSWORD", "admin-password-1")
        .output()
        .expect("run");
    assert_eq!(no_bus.status.code(), Some(2), "{}", text(&no_bus));
    assert!(text(&no_bus).contains("no OS keyring is reachable"), "{}", text(&no_bus));

    // And a new database without keyring or passphrase is refused, not created in plaintext.
    let plain = dir.path().join("plain.db");
    let refused = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(&plain)
        .args(["init", "--clinic", "Nope", "--admin", "admin"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RAPPORT_PASSWORD", "admin-password-1")
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("RAPPORT_PASSPHRASE"), "the error says what to do: {}", text(&refused));
    assert!(!plain.exists(), "no database was written");
}
