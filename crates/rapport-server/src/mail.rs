//! Email through an SMTP server (lettre, rustls): `--smtp smtp://[USER:PASS@]HOST:PORT[?tls=required]`
//! and `--mail-from ADDR`.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{Message, SmtpTransport, Transport};

use crate::office::{Attempt, Claimed};
use crate::send::Carrier;

/// A mail server and the address the clinic's mail comes from.
pub struct Smtp {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold the server's password: only the sender is shown.
        f.debug_struct("Smtp").field("from", &self.from.email.to_string()).finish_non_exhaustive()
    }
}

impl Smtp {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = SmtpTransport::from_url(url)
            .map_err(|_| "--smtp: expected smtp://[USER:PASS@]HOST:PORT (add ?tls=required for STARTTLS)".to_owned())?
            .timeout(Some(crate::send::CARRIER_TIMEOUT))
            .build();
        let from = from.parse::<Mailbox>().map_err(|_| "--mail-from: not an email address".to_owned())?;
        Ok(Self { transport, from })
    }
}

impl Carrier for Smtp {
    fn carry(&self, m: &Claimed) -> Attempt {
        let Ok(to) = m.recipient.parse::<Mailbox>() else {
            return Attempt::Refused("the patient's email address is not one a mail server takes".to_owned());
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.as_deref().unwrap_or("A message from your clinic"))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone());
        let Ok(message) = message else { return Attempt::Refused("the message could not be written".to_owned()) };
        match self.transport.send(&message) {
            Ok(response) => Attempt::Accepted(response.message().next().map(|l| l.chars().take(120).collect())),
            Err(e) if e.is_permanent() => Attempt::Refused("the mail server refused the message".to_owned()),
            Err(e) if e.is_timeout() => {
                Attempt::Unknown("the mail server did not answer: it may have the message".to_owned())
            }
            Err(_) => Attempt::Retry("the mail server could not take the message now".to_owned()),
        }
    }
}
