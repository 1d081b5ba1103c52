//! `cargo xtask dist`: the Debian packages a clinic installs, built into `<target>/dist/`.
//!
//! - `rapport`: the desktop app (`rapport-desktop`) and the `rapport` command line, with the
//!   desktop entry and icons; its libraries (WebKitGTK…) declared by `dpkg-shlibdeps`.
//! - `rapport-server`: head office, with a systemd unit that runs it as the unprivileged
//!   `rapport` user, its data in `/var/lib/rapport-server` (0700) and its configuration in
//!   `/etc/rapport/server.toml` (a conffile: an edited one survives upgrades).
//!
//! The packages are assembled here and built by `dpkg-deb`, the same way for both: the files
//! under `packaging/`, the release binaries (stripped), and maintainer scripts. (Tauri's bundler
//! would need tauri-cli, which rebuilds the app with its own flags and makes only the desktop
//! package.)

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{build_ui, cargo, ensure_packages, root, status, step, target_dir};

/// Debian packages that building the packages needs.
pub(crate) const DIST_PACKAGES: &[(&str, &str)] = &[
    ("dpkg-dev", "dpkg-shlibdeps, which finds the libraries the binaries need"),
    ("binutils", "strip, so the packages carry no debug information"),
];

/// The package version: the workspace's, unless `--version` gives another (the upgrade test
/// builds a second, higher one).
pub(crate) fn workspace_version() -> Result<String, String> {
    let manifest =
        std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| format!("reading Cargo.toml: {e}"))?;
    let package = manifest.split("[workspace.package]").nth(1).ok_or("Cargo.toml has no [workspace.package]")?;
    package
        .lines()
        .find_map(|l| l.trim().strip_prefix("version = \"").map(|v| v.trim_end_matches('"').to_owned()))
        .ok_or_else(|| "[workspace.package] has no version".to_owned())
}

/// The two packages built.
pub(crate) struct Built {
    pub(crate) desktop: PathBuf,
    pub(crate) server: PathBuf,
}

/// `cargo xtask dist [--version V]`.
pub(crate) fn dist(args: &[String]) -> Result<Built, String> {
    let version = match args {
        [] => workspace_version()?,
        [flag, v] if flag == "--version" => v.clone(),
        _ => return Err("usage: cargo xtask dist [--version VERSION]".into()),
    };
    build(&version)
}

pub(crate) fn build(version: &str) -> Result<Built, String> {
    ensure_packages(crate::BUILD_PACKAGES)?;
    ensure_packages(DIST_PACKAGES)?;
    build_ui()?;
    step("building the release binaries (rapport-desktop, rapport, rapport-server)");
    let mut release = cargo();
    release.args([
        "build",
        "--release",
        "--locked",
        "-p",
        "rapport-desktop",
        "-p",
        "rapport-cli",
        "-p",
        "rapport-server",
    ]);
    status(release, "cargo build --release")?;
    let out = target_dir().join("dist");
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let arch = output(Command::new("dpkg").arg("--print-architecture"))?;
    let release = target_dir().join("release");
    let packaging = root().join("packaging");

    let desktop = Package {
        name: "rapport",
        version,
        arch: &arch,
        section: "misc",
        description: "Rapport front desk for clinics\n Find a returning patient in a second, book, check in, and remember what to\n \
                      talk about. Offline first: an encrypted local copy syncs with head office.",
        // The window speaks Hindi too: a Devanagari font, whichever the machine prefers.
        depends: &["fonts-noto-core | fonts-lohit-deva"],
        binaries: &[
            (release.join("rapport-desktop"), "usr/bin/rapport-desktop"),
            (release.join("rapport"), "usr/bin/rapport"),
        ],
        files: &[
            (packaging.join("rapport.desktop"), "usr/share/applications/rapport.desktop", 0o644),
            (root().join("icons/32x32.png"), "usr/share/icons/hicolor/32x32/apps/rapport.png", 0o644),
            (root().join("icons/128x128.png"), "usr/share/icons/hicolor/128x128/apps/rapport.png", 0o644),
            (root().join("icons/icon.png"), "usr/share/icons/hicolor/256x256/apps/rapport.png", 0o644),
            (packaging.join("copyright"), "usr/share/doc/rapport/copyright", 0o644),
        ],
        conffiles: &[],
        scripts: &[],
    };
    let server = Package {
        name: "rapport-server",
        version,
        arch: &arch,
        section: "net",
        description: "Rapport head office: the sync server for every clinic\n Receives every clinic's data by periodic sync and reaches patients through\n \
                      SMS and email gateways. Runs as the rapport user under systemd.",
        depends: &["adduser"],
        binaries: &[(release.join("rapport-server"), "usr/bin/rapport-server")],
        files: &[
            (packaging.join("server/rapport-server.service"), "lib/systemd/system/rapport-server.service", 0o644),
            (packaging.join("server/server.toml"), "etc/rapport/server.toml", 0o640),
            (packaging.join("copyright"), "usr/share/doc/rapport-server/copyright", 0o644),
        ],
        conffiles: &["/etc/rapport/server.toml"],
        scripts: &[
            (packaging.join("server/postinst"), "postinst"),
            (packaging.join("server/prerm"), "prerm"),
            (packaging.join("server/postrm"), "postrm"),
        ],
    };
    let built = Built { desktop: desktop.build(&out)?, server: server.build(&out)? };
    step(&format!("packages: {} and {}", built.desktop.display(), built.server.display()));
    Ok(built)
}

struct Package<'a> {
    name: &'a str,
    version: &'a str,
    arch: &'a str,
    section: &'a str,
    /// The first line is the synopsis; the rest, indented by one space, the long description.
    description: &'a str,
    /// Beside what `dpkg-shlibdeps` finds for the binaries.
    depends: &'a [&'a str],
    /// Built binaries and where they go (stripped, 0755).
    binaries: &'a [(PathBuf, &'a str)],
    /// Files, where they go and their mode.
    files: &'a [(PathBuf, &'a str, u32)],
    conffiles: &'a [&'a str],
    /// Maintainer scripts (0755).
    scripts: &'a [(PathBuf, &'a str)],
}

impl Package<'_> {
    fn build(&self, out: &Path) -> Result<PathBuf, String> {
        step(&format!("assembling the {} package {}", self.name, self.version));
        let tree = target_dir().join("dist-tree").join(self.name);
        let _ = std::fs::remove_dir_all(&tree);
        let control_dir = tree.join("DEBIAN");
        mkdir(&control_dir)?;
        for (from, to) in self.binaries {
            let dest = place(&tree, to)?;
            let mut strip = Command::new("strip");
            strip.args(["--strip-debug", "-o"]).arg(&dest).arg(from);
            status(strip, &format!("strip {}", from.display()))?;
            chmod(&dest, 0o755)?;
        }
        for (from, to, mode) in self.files {
            let dest = place(&tree, to)?;
            std::fs::copy(from, &dest).map_err(|e| format!("copying {}: {e}", from.display()))?;
            chmod(&dest, *mode)?;
        }
        for (from, name) in self.scripts {
            let dest = control_dir.join(name);
            std::fs::copy(from, &dest).map_err(|e| format!("copying {}: {e}", from.display()))?;
            chmod(&dest, 0o755)?;
        }
        if !self.conffiles.is_empty() {
            write(&control_dir.join("conffiles"), &format!("{}\n", self.conffiles.join("\n")))?;
        }
        let mut depends = self.shared_libraries()?;
        depends.extend(self.depends.iter().map(|d| (*d).to_owned()));
        let size_kib = du_kib(&tree)?;
        let control = format!(
            "Package: {}\nVersion: {}\nArchitecture: {}\nMaintainer: Rapport <rapport@localhost>\nSection: {}\n\
             Priority: optional\nInstalled-Size: {size_kib}\nDepends: {}\nHomepage: https://rapport.invalid\nDescription: {}\n",
            self.name,
            self.version,
            self.arch,
            self.section,
            depends.join(", "),
            self.description,
        );
        write(&control_dir.join("control"), &control)?;
        let deb = out.join(format!("{}_{}_{}.deb", self.name, self.version, self.arch));
        let mut pack = Command::new("dpkg-deb");
        pack.args(["--root-owner-group", "-Zxz", "--build"]).arg(&tree).arg(&deb);
        pack.stdout(std::process::Stdio::null());
        status(pack, &format!("dpkg-deb --build {}", self.name))?;
        Ok(deb)
    }

    /// The Debian packages of the shared libraries the binaries link, with minimum versions.
    fn shared_libraries(&self) -> Result<Vec<String>, String> {
        // dpkg-shlibdeps reads a source package's control file from the folder it runs in.
        let work = target_dir().join("dist-tree").join(format!("{}-shlibs", self.name));
        mkdir(&work.join("debian"))?;
        write(&work.join("debian/control"), &format!("Source: {0}\n\nPackage: {0}\nArchitecture: any\n", self.name))?;
        let mut shlibs = Command::new("dpkg-shlibdeps");
        shlibs.current_dir(&work).arg("-O");
        for (binary, _) in self.binaries {
            shlibs.arg(format!("-e{}", binary.display()));
        }
        let line = output(&mut shlibs)?;
        let depends = line.trim().strip_prefix("shlibs:Depends=").unwrap_or_default();
        Ok(depends.split(", ").filter(|d| !d.is_empty()).map(str::to_owned).collect())
    }
}

fn place(tree: &Path, to: &str) -> Result<PathBuf, String> {
    let dest = tree.join(to);
    if let Some(parent) = dest.parent() {
        mkdir(parent)?;
    }
    Ok(dest)
}

fn mkdir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn chmod(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

fn du_kib(tree: &Path) -> Result<String, String> {
    let line = output(Command::new("du").args(["-sk", "--exclude=DEBIAN"]).arg(tree))?;
    Ok(line.split_whitespace().next().unwrap_or("0").to_owned())
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
