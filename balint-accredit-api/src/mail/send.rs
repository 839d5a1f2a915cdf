//! Sending a stored message through the mail server of `SMTP_URL`
//! (`lettre`, TLS by rustls): multipart/alternative (plain text and
//! HTML), from `SMTP_FROM`, replying to the society's contact address,
//! with `List-Unsubscribe` (and its one-click `List-Unsubscribe-Post`,
//! RFC 8058). Connecting and the whole conversation are bounded by
//! `SMTP_TIMEOUT_SECS`, so a mail server gone silent never holds the
//! worker.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::MailSettings;
use crate::db::mail::Message;

/// What a try came to, when the server did not take the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSent {
    /// Whether trying again cannot help (the server refused it for good,
    /// or the address is not one).
    pub permanent: bool,
    /// Why, in words.
    pub why: String,
}

impl NotSent {
    fn permanent(why: impl Into<String>) -> Self {
        Self {
            permanent: true,
            why: why.into(),
        }
    }
}

/// The mail server, the sender, and the links' base.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: std::time::Duration,
    context: super::Context,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the server's credentials.
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer of `settings`; none when no `SMTP_URL` is set. Refuses
    /// a URL it cannot use, and `SMTP_URL` without `SMTP_FROM`.
    pub fn new(settings: &MailSettings, context: super::Context) -> anyhow::Result<Option<Self>> {
        let Some(url) = settings
            .smtp_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let from = settings
            .smtp_from
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .ok_or_else(|| anyhow::anyhow!("SMTP_URL is set but SMTP_FROM, the sender, is not"))?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("SMTP_FROM {from:?} is not an address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // The error may quote the URL, and with it the password.
            .map_err(|_| {
                anyhow::anyhow!(
                    "SMTP_URL is not smtp://HOST[:PORT][?tls=required|opportunistic] or smtps://HOST[:PORT]"
                )
            })?
            .timeout(Some(settings.timeout()))
            .build();
        Ok(Some(Self {
            transport,
            from,
            timeout: settings.timeout(),
            context,
        }))
    }

    /// Send `message` once, within the timeout: the server's answer, or
    /// why it did not take it.
    pub async fn send(&self, message: &Message) -> Result<String, NotSent> {
        let to: Mailbox = message.recipient.parse().map_err(|e| {
            NotSent::permanent(format!("{:?} is not an address: {e}", message.recipient))
        })?;
        let unsubscribe = self.context.unsubscribe_url(&message.unsubscribe_token);
        let header = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .raw_header(header("List-Unsubscribe", format!("<{unsubscribe}>")))
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .raw_header(header("Auto-Submitted", "auto-generated".to_owned()))
            .raw_header(header("X-Balint-Kind", message.kind.clone()));
        if let Some(reply_to) = message.reply_to.as_deref().and_then(|r| r.parse().ok()) {
            builder = builder.reply_to(reply_to);
        }
        let email = builder
            .multipart(MultiPart::alternative_plain_html(
                message.body_text.clone(),
                message.body_html.clone(),
            ))
            .map_err(|e| NotSent::permanent(format!("the message could not be made: {e}")))?;
        match tokio::time::timeout(self.timeout, self.transport.send(email)).await {
            Ok(Ok(response)) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Ok(Err(e)) => Err(NotSent {
                permanent: e.is_permanent(),
                why: words(&e),
            }),
            Err(_) => Err(NotSent {
                permanent: false,
                why: format!("no answer within {} s", self.timeout.as_secs()),
            }),
        }
    }
}

/// An SMTP error in words, with its causes.
fn words(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
