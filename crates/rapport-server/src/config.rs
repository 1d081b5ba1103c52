//! Head office's configuration file: one TOML file (`/etc/rapport/server.toml` in the package)
//! with the listen address, TLS files, storage and gateways. Command-line flags override it.
//! [`Config::problems`] says in words what is wrong with it (`rapport-server check-config`), and
//! `serve` refuses to start while anything is.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the package installs the configuration; read when no `--config` or `--data` is given.
pub const DEFAULT_PATH: &str = "/etc/rapport/server.toml";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The address to listen on, e.g. `0.0.0.0:8443`.
    pub listen: Option<SocketAddr>,
    /// Where patients and gateways reach head office from outside (confirm links, callbacks).
    pub public_url: Option<String>,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub sms: SmsConfig,
    #[serde(default)]
    pub mail: MailConfig,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Head office's data directory (the SQLite database lives here).
    pub data: Option<PathBuf>,
    /// Keep the data in PostgreSQL instead: `postgres://user@host/db`.
    pub postgres: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    pub key: Option<PathBuf>,
    /// Plain HTTP instead (tests and trusted networks only).
    #[serde(default)]
    pub insecure_http: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `kannel://USER:PASS@HOST:PORT?from=SENDER&secret=SECRET` or `twilio://SID:TOKEN@HOST:PORT?from=SENDER`.
    pub gateway: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://[USER:PASS@]HOST:PORT` (add `?tls=required` for STARTTLS).
    pub smtp: Option<String>,
    /// The address the clinics' email comes from.
    pub from: Option<String>,
}

impl Config {
    /// Reads and parses the file; the message names the file, and for a mistake in it the line
    /// and the key (TOML's own report).
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{} is not a valid configuration: {e}", path.display()))
    }

    /// Everything that would stop head office serving, in words (empty when it can serve).
    /// Secrets in the gateways' addresses are never repeated.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.listen.is_none() {
            problems.push("listen is not set: the address to serve on, e.g. listen = \"0.0.0.0:8443\"".into());
        }
        match (&self.storage.data, &self.storage.postgres) {
            (_, Some(url)) => {
                if let Err(e) = url.parse::<postgres::Config>() {
                    problems.push(format!("storage.postgres is not a PostgreSQL connection string: {e}"));
                }
            }
            (Some(data), None) => problems.extend(data_dir_problem(data)),
            (None, None) => problems.push(
                "storage.data is not set: the folder head office keeps its data in, e.g. data = \"/var/lib/rapport-server\""
                    .into(),
            ),
        }
        problems.extend(self.tls_problems());
        let public_url = self.public_url.as_deref();
        if let Some(url) = public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            problems.push("public_url must start with https:// (or http://)".into());
        }
        if let Some(spec) = &self.sms.gateway {
            if public_url.is_none() {
                problems.push(
                    "sms.gateway needs public_url: the gateway calls back there with replies and delivery reports"
                        .into(),
                );
            } else if let Err(e) = crate::sms::gateway_from_spec(spec, public_url) {
                problems.push(format!("sms.gateway: {}", e.trim_start_matches("--sms-gateway: ")));
            }
        }
        match (&self.mail.smtp, &self.mail.from) {
            (Some(url), Some(from)) => {
                if let Err(e) = crate::mail::Smtp::new(url, from) {
                    problems.push(format!("mail: {e}"));
                }
            }
            (Some(_), None) => {
                problems.push("mail.smtp is set but mail.from is not: the address email comes from".into())
            }
            (None, Some(_)) => {
                problems.push("mail.from is set but mail.smtp is not: the mail server to send through".into())
            }
            (None, None) => {}
        }
        problems
    }

    fn tls_problems(&self) -> Vec<String> {
        let tls = &self.tls;
        match (&tls.cert, &tls.key, tls.insecure_http) {
            (None, None, true) => Vec::new(),
            (Some(_), _, true) | (_, Some(_), true) => {
                vec!["tls.insecure_http is set beside a certificate: choose one".into()]
            }
            (None, None, false) => vec![
                "tls.cert and tls.key are not set: head office serves HTTPS only (tls.insecure_http = true for tests)"
                    .into(),
            ],
            (Some(_), None, false) => vec!["tls.key is not set: the certificate's private key (PEM)".into()],
            (None, Some(_), false) => vec!["tls.cert is not set: the certificate chain (PEM)".into()],
            (Some(cert), Some(key), false) => check_certificate(cert, key).err().into_iter().collect(),
        }
    }
}

/// The data directory must be a directory, or one that can be made (opening it makes it 0700,
/// whatever mode it had).
fn data_dir_problem(data: &Path) -> Option<String> {
    match std::fs::metadata(data) {
        Ok(meta) if !meta.is_dir() => Some(format!("storage.data {} is not a directory", data.display())),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = data.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            (!parent.is_dir())
                .then(|| format!("storage.data {} cannot be made: {} does not exist", data.display(), parent.display()))
        }
        Err(e) => Some(format!("storage.data {}: {e}", data.display())),
    }
}

/// The certificate chain and key read, parse, and belong together.
fn check_certificate(cert: &Path, key: &Path) -> Result<(), String> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|all| all.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("tls.cert {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("tls.cert {} holds no certificate", cert.display()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("tls.key {}: {e}", key.display()))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, private)
        .map_err(|e| format!("tls.cert and tls.key do not go together: {e}"))?;
    Ok(())
}
