//! SMS gateways head office sends through.
//!
//! [`Kannel`] speaks Kannel's HTTP `sendsms` interface: each message carries a delivery-report
//! URL naming the message (and the gateway's shared secret), and Kannel's `get-url` brings the
//! patients' replies (`/v1/sms/kannel/inbound`, see `http.rs`). Callbacks without the secret are
//! refused and change nothing.

use std::time::Duration;

use reqwest::Url;

use crate::office::{Attempt, Claimed};
use crate::send::Carrier;

/// Something that takes a text for a phone number, and calls back with delivery reports and
/// the patients' replies.
pub trait SmsGateway: Carrier {
    /// Is `given` the secret the gateway's callbacks must carry?
    fn callback_secret_is(&self, given: &str) -> bool;
}

/// Kannel's `sendsms` interface: `kannel://USER:PASS@HOST:PORT?from=SENDER&secret=SECRET`.
#[derive(Clone)]
pub struct Kannel {
    sendsms: Url,
    user: String,
    password: String,
    from: String,
    secret: String,
    /// Where Kannel reports deliveries: `<public-url>/v1/sms/kannel/dlr`.
    dlr_base: Option<String>,
    client: reqwest::blocking::Client,
}

impl Kannel {
    /// Reads `--sms-gateway` (the `secret` parameter is what Kannel's callbacks must carry).
    pub fn from_spec(spec: &str, public_url: Option<&str>) -> Result<Self, String> {
        let bad = |why: &str| format!("--sms-gateway: {why} (kannel://USER:PASS@HOST:PORT?from=SENDER&secret=SECRET)");
        let url = Url::parse(spec).map_err(|_| bad("not a URL"))?;
        if url.scheme() != "kannel" {
            return Err(bad("only kannel:// gateways are known to this build"));
        }
        let host = url.host_str().ok_or_else(|| bad("no host"))?;
        let port = url.port().ok_or_else(|| bad("no port"))?;
        let query = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        // The secret travels inside URLs Kannel fills in (`%p` and the like must not appear).
        let url_safe = |s: &String| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let secret = query("secret")
            .filter(|s| s.len() >= 16 && url_safe(s))
            .ok_or_else(|| bad("a secret of 16 or more letters, digits, - or _"))?;
        let sendsms = Url::parse(&format!("http://{host}:{port}/cgi-bin/sendsms")).map_err(|_| bad("bad host"))?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        Ok(Self {
            sendsms,
            user: decode(url.username()),
            password: decode(url.password().unwrap_or_default()),
            from: query("from").unwrap_or_else(|| "Rapport".to_owned()),
            secret,
            dlr_base: public_url.map(|u| format!("{}/v1/sms/kannel/dlr", u.trim_end_matches('/'))),
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| format!("cannot make an HTTP client: {e}"))?,
        })
    }
}

impl std::fmt::Debug for Kannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password and the callback secret never reach a log.
        f.debug_struct("Kannel")
            .field("sendsms", &self.sendsms.as_str())
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Carrier for Kannel {
    fn carry(&self, m: &Claimed) -> Attempt {
        let mut url = self.sendsms.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("username", &self.user)
                .append_pair("password", &self.password)
                .append_pair("from", &self.from)
                .append_pair("to", &m.recipient)
                .append_pair("text", &m.body)
                .append_pair("charset", "UTF-8")
                .append_pair("coding", if rapport_model::outreach::sms_segments(&m.body).unicode { "2" } else { "0" });
            if let Some(base) = &self.dlr_base {
                // Kannel fills in %d (the report's type); the rest names the message.
                let dlr = format!("{base}?id={}&secret={}&status=%d", m.id, self.secret);
                q.append_pair("dlr-mask", "31").append_pair("dlr-url", &dlr);
            }
            if let Some(dlt) = &m.dlt_template_id {
                q.append_pair("meta-data", &format!("?smpp?template_id={dlt}"));
            }
        }
        match self.client.get(url).send() {
            // "0: Accepted for delivery", or "3: Queued for later delivery" while no operator
            // is connected: Kannel has it either way.
            Ok(r) if r.status().is_success() => Attempt::Accepted(None),
            Ok(r) if r.status().is_server_error() => Attempt::Retry(format!("the gateway answered {}", r.status())),
            Ok(r) => Attempt::Refused(format!("the gateway refused the message ({})", r.status())),
            Err(e) if e.is_timeout() => Attempt::Retry("the gateway did not answer in time".to_owned()),
            Err(_) => Attempt::Retry("the gateway could not be reached".to_owned()),
        }
    }
}

impl SmsGateway for Kannel {
    fn callback_secret_is(&self, given: &str) -> bool {
        // Compared in full whatever the first difference, so the time taken tells nothing.
        let (a, b) = (self.secret.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gateway_needs_a_long_url_safe_secret() {
        let spec = |secret: &str| format!("kannel://rapport:p%40ss@127.0.0.1:13013?from=LOTUS&secret={secret}");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let k = Kannel::from_spec(&spec("abcdefghij-0123_456"), Some("https://ho.example/")).expect("a good spec");
        assert_eq!(k.password, "p@ss", "percent-escapes in the password are read");
        assert_eq!(k.dlr_base.as_deref(), Some("https://ho.example/v1/sms/kannel/dlr"));
        assert!(k.callback_secret_is("abcdefghij-0123_456") && !k.callback_secret_is("abcdefghij-0123_45"));
        assert!(Kannel::from_spec(&spec("short"), None).is_err());
        assert!(Kannel::from_spec(&spec("abcdefghij%25p0123456"), None).is_err(), "a %p Kannel would fill in");
        assert!(Kannel::from_spec("twilio://sid:token@127.0.0.1:1?from=X&secret=abcdefghij0123456", None).is_err());
        assert!(!format!("{k:?}").contains("p@ss") && !format!("{k:?}").contains("abcdefghij"), "{k:?}");
    }
}
