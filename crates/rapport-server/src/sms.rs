//! SMS gateways head office sends through.
//!
//! [`Kannel`] speaks Kannel's HTTP `sendsms` interface: each message carries a delivery-report
//! URL naming the message (and the gateway's shared secret), and Kannel's `get-url` brings the
//! patients' replies (`/v1/sms/kannel/inbound`, see `http.rs`). [`Twilio`] speaks the
//! Twilio-style form API: a `Messages.json` POST per message with a status-callback URL, and
//! callbacks signed with the account's token (`X-Twilio-Signature`). Callbacks that do not
//! prove they come from the gateway are refused and change nothing.

use base64::Engine;
use hmac::Mac;
use reqwest::Url;

use crate::office::{Attempt, Claimed, Delivery};
use crate::send::Carrier;

/// Something that takes a text for a phone number, and calls back with delivery reports and
/// the patients' replies. Each gateway vouches for callbacks on its own routes only.
pub trait SmsGateway: Carrier {
    /// Is `given` the secret Kannel's callbacks must carry?
    fn kannel_secret_is(&self, _given: &str) -> bool {
        false
    }

    /// Is `signature` the gateway's signature of a Twilio-style callback to `path_and_query`
    /// (under the public URL) with this form?
    fn twilio_signature_is(&self, _path_and_query: &str, _form: &[(String, String)], _signature: &str) -> bool {
        false
    }
}

/// The gateway `--sms-gateway` names: `kannel://…` or `twilio://…`.
pub fn gateway_from_spec(spec: &str, public_url: Option<&str>) -> Result<std::sync::Arc<dyn SmsGateway>, String> {
    match spec.split_once("://").map(|(scheme, _)| scheme) {
        Some("kannel") => Ok(std::sync::Arc::new(Kannel::from_spec(spec, public_url)?)),
        Some("twilio") => Ok(std::sync::Arc::new(Twilio::from_spec(spec, public_url)?)),
        _ => Err("--sms-gateway: kannel://USER:PASS@HOST:PORT?from=SENDER&secret=SECRET or twilio://SID:TOKEN@HOST:PORT?from=SENDER".to_owned()),
    }
}

fn http_client() -> Result<reqwest::blocking::Client, String> {
    // Head office's one TLS provider (ring); whoever builds a gateway first installs it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(crate::send::CARRIER_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))
}

/// A parameter of a gateway URL, percent-escapes read; a `+` stays a plus (a sender number,
/// `from=+15005550006`, is written as it is).
fn param(url: &Url, name: &str) -> Option<String> {
    url.query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

/// A request that got no answer: never reached the gateway (worth another try), or went and
/// the answer was lost (the gateway may have the message: not sent again blindly).
fn not_answered(e: &reqwest::Error) -> Attempt {
    if e.is_connect() || e.is_builder() {
        Attempt::Retry("the gateway could not be reached".to_owned())
    } else {
        Attempt::Unknown("the gateway did not answer: it may have the message".to_owned())
    }
}

/// Compares in full whatever the first difference, so the time taken tells nothing.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
            return Err(bad("not a kannel:// gateway"));
        }
        let host = url.host_str().ok_or_else(|| bad("no host"))?;
        let port = url.port().ok_or_else(|| bad("no port"))?;
        let query = |name: &str| param(&url, name);
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
            client: http_client()?,
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
            Err(e) => not_answered(&e),
        }
    }
}

impl SmsGateway for Kannel {
    fn kannel_secret_is(&self, given: &str) -> bool {
        same_bytes(self.secret.as_bytes(), given.as_bytes())
    }
}

/// A Twilio-style form API: `twilio://SID:TOKEN@HOST:PORT?from=SENDER`, over HTTPS (plain HTTP
/// only to a gateway on this machine, as the tests' stand-in is).
#[derive(Clone)]
pub struct Twilio {
    messages: Url,
    sid: String,
    token: String,
    from: String,
    /// Head office's public URL, where status callbacks and replies arrive.
    public: Option<String>,
    client: reqwest::blocking::Client,
}

impl Twilio {
    pub fn from_spec(spec: &str, public_url: Option<&str>) -> Result<Self, String> {
        let bad = |why: &str| format!("--sms-gateway: {why} (twilio://SID:TOKEN@HOST:PORT?from=SENDER)");
        let url = Url::parse(spec).map_err(|_| bad("not a URL"))?;
        if url.scheme() != "twilio" {
            return Err(bad("not a twilio:// gateway"));
        }
        let host = url.host_str().ok_or_else(|| bad("no host"))?;
        let port = url.port().ok_or_else(|| bad("no port"))?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let sid = decode(url.username());
        let token = decode(url.password().unwrap_or_default());
        if sid.is_empty() || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad("the account SID is letters and digits"));
        }
        if token.len() < 16 {
            return Err(bad("the auth token (16 or more characters) signs the callbacks"));
        }
        let from = param(&url, "from");
        // The token goes in every request: plain HTTP only to a gateway on this machine.
        let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
        let scheme = if loopback && port != 443 { "http" } else { "https" };
        let messages = Url::parse(&format!("{scheme}://{host}:{port}/2010-04-01/Accounts/{sid}/Messages.json"))
            .map_err(|_| bad("bad host"))?;
        Ok(Self {
            messages,
            sid,
            token,
            from: from.ok_or_else(|| bad("no from= sender"))?,
            public: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            client: http_client()?,
        })
    }

    fn mac(&self) -> hmac::Hmac<sha1::Sha1> {
        // HMAC takes a key of any length.
        hmac::Hmac::<sha1::Sha1>::new_from_slice(self.token.as_bytes()).expect("any key length")
    }
}

/// What a Twilio-style gateway signs: the URL it called, then each form field's name and value,
/// sorted by name.
fn signed_text(url: &str, form: &[(String, String)]) -> String {
    let mut fields: Vec<&(String, String)> = form.iter().collect();
    fields.sort();
    let mut text = url.to_owned();
    for (k, v) in fields {
        text.push_str(k);
        text.push_str(v);
    }
    text
}

/// The `X-Twilio-Signature` of a callback: base64(HMAC-SHA1(token, URL + sorted fields)).
pub fn twilio_signature(token: &str, url: &str, form: &[(String, String)]) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(signed_text(url, form).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl std::fmt::Debug for Twilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The auth token never reaches a log.
        f.debug_struct("Twilio")
            .field("messages", &self.messages.as_str())
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Carrier for Twilio {
    fn carry(&self, m: &Claimed) -> Attempt {
        let mut form = vec![("To", m.recipient.clone()), ("From", self.from.clone()), ("Body", m.body.clone())];
        if let Some(public) = &self.public {
            form.push(("StatusCallback", format!("{public}/v1/sms/twilio/status?id={}", m.id)));
        }
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let sent = self
            .client
            .post(self.messages.clone())
            .basic_auth(&self.sid, Some(&self.token))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send();
        let r = match sent {
            Ok(r) => r,
            Err(e) => return not_answered(&e),
        };
        let status = r.status();
        let answer: serde_json::Value = r.json().unwrap_or_default();
        let code = answer.get("code").and_then(serde_json::Value::as_i64);
        match status.as_u16() {
            200..=299 => Attempt::Accepted(answer.get("sid").and_then(serde_json::Value::as_str).map(str::to_owned)),
            401 | 403 | 404 => {
                Attempt::Retry("the gateway refused head office's account (check the SID and token)".to_owned())
            }
            429 | 500..=599 => Attempt::Retry(format!("the gateway answered {status}")),
            // 21610: the number replied STOP to the gateway itself.
            _ if code == Some(21610) => Attempt::Refused("the number has opted out at the gateway".to_owned()),
            _ => Attempt::Refused(format!("the gateway refused the message (code {})", code.unwrap_or(0))),
        }
    }
}

impl SmsGateway for Twilio {
    fn twilio_signature_is(&self, path_and_query: &str, form: &[(String, String)], signature: &str) -> bool {
        let (Some(public), Ok(given)) = (&self.public, base64::engine::general_purpose::STANDARD.decode(signature))
        else {
            return false;
        };
        // Such gateways sign the URL with the port or without it (their own validators try
        // both): the public URL as given, and with its port dropped or the default one added.
        let url = format!("{public}{path_and_query}");
        let mut urls = vec![url.clone()];
        if let Ok(mut parsed) = Url::parse(&url) {
            if parsed.port().is_some() {
                if parsed.set_port(None).is_ok() {
                    urls.push(parsed.to_string());
                }
            } else if let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) {
                // (`Url` leaves a default port out when it writes a URL, so it is put in by hand.)
                let rest = &url[url.find(host).map_or(0, |i| i + host.len())..];
                urls.push(format!("{}://{host}:{port}{rest}", parsed.scheme()));
            }
        }
        urls.iter().any(|u| {
            let mut mac = self.mac();
            mac.update(signed_text(u, form).as_bytes());
            mac.verify_slice(&given).is_ok()
        })
    }
}

/// What a Twilio-style status callback's `MessageStatus` says.
pub fn twilio_delivery(status: &str) -> Delivery {
    match status {
        "delivered" | "read" => Delivery::Delivered,
        "undelivered" | "failed" | "canceled" => Delivery::Undeliverable,
        "sent" => Delivery::Accepted,
        _ => Delivery::Pending,
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
        assert!(k.kannel_secret_is("abcdefghij-0123_456") && !k.kannel_secret_is("abcdefghij-0123_45"));
        assert!(!k.twilio_signature_is("/v1/sms/twilio/inbound", &[], ""), "Kannel vouches for its own routes only");
        assert!(Kannel::from_spec(&spec("short"), None).is_err());
        assert!(Kannel::from_spec(&spec("abcdefghij%25p0123456"), None).is_err(), "a %p Kannel would fill in");
        assert!(Kannel::from_spec("twilio://sid:token@127.0.0.1:1?from=X&secret=abcdefghij0123456", None).is_err());
        assert!(!format!("{k:?}").contains("p@ss") && !format!("{k:?}").contains("abcdefghij"), "{k:?}");
    }

    #[test]
    fn a_twilio_style_callback_is_taken_only_with_the_accounts_signature() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let spec = "twilio://AC123:0123456789abcdef0123@127.0.0.1:8099?from=+15005550006";
        let t = Twilio::from_spec(spec, Some("https://ho.example/")).expect("a good spec");
        assert_eq!(t.messages.as_str(), "http://127.0.0.1:8099/2010-04-01/Accounts/AC123/Messages.json");
        assert_eq!(t.from, "+15005550006");
        // Twilio's documented example: these fields to this URL under token 12345 sign as below.
        let form: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(twilio_signature("12345", url, &form), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        let path = "/v1/sms/twilio/status?id=m1";
        let good = twilio_signature("0123456789abcdef0123", &format!("https://ho.example{path}"), &form);
        assert!(t.twilio_signature_is(path, &form, &good));
        let with_port = twilio_signature("0123456789abcdef0123", &format!("https://ho.example:443{path}"), &form);
        assert!(t.twilio_signature_is(path, &form, &with_port), "signed with the default port written out");
        assert!(!t.twilio_signature_is("/v1/sms/twilio/status?id=m2", &form, &good), "another message's");
        let mut changed = form.clone();
        changed[2].1 = "9999".into();
        assert!(!t.twilio_signature_is(path, &changed, &good), "a field changed");
        assert!(!t.twilio_signature_is(path, &form, "not base64!"));
        assert!(!t.kannel_secret_is("0123456789abcdef0123"), "Twilio vouches for its own routes only");
        assert!(Twilio::from_spec("twilio://AC1:short@127.0.0.1:1?from=X", None).is_err());
        assert!(!format!("{t:?}").contains("0123456789abcdef"), "{t:?}");
    }
}
