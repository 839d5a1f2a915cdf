//! A message's words, in the society's name: its subject, a plain text
//! part and an HTML part saying the same, each ending with the society's
//! contact details and the link that stops this kind of message.

use maud::{html, Markup};
use serde::{Deserialize, Serialize};

/// The society a message speaks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Society {
    pub name: String,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
}

impl Society {
    /// Its contact details, those it gave, in order.
    fn contact(&self) -> Vec<&str> {
        [&self.contact_email, &self.phone, &self.website]
            .into_iter()
            .filter_map(|c| c.as_deref().filter(|c| !c.trim().is_empty()))
            .collect()
    }
}

/// One person's records in an attestor's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLine {
    /// Their id.
    pub person: String,
    /// Their name.
    pub name: String,
    /// How many of their records wait.
    pub records: u64,
}

/// What a message tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Records waiting for the recipient's attestation, by person.
    Digest(Vec<DigestLine>),
    /// The recipient's accreditation ends soon.
    Renewal {
        registration: String,
        valid_until: String,
        days: i64,
    },
    /// The recipient's application was decided.
    Decision {
        /// `granted` or `declined`.
        outcome: String,
        tier: String,
        registration: Option<String>,
    },
    /// The link that confirms an address watches entries of the register.
    WatchConfirmation {
        /// The numbers it is to watch.
        registrations: Vec<String>,
        confirm_url: String,
    },
    /// A watched entry changed status: only what the public register
    /// shows of it.
    WatchAlert(WatchAlert),
}

/// What a watch alert tells: the public register's own answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchAlert {
    /// e.g. `BSANZ-0042`.
    pub registration: String,
    /// The name as published.
    pub name: String,
    /// The new status, e.g. `suspended`.
    pub status: String,
    /// The day it took effect.
    pub effective: String,
    /// The public reason, where the register shows one.
    pub reason: Option<String>,
    /// The public entry's page.
    pub entry_url: String,
    /// The watchlist's manage link.
    #[serde(skip)]
    pub manage_url: String,
}

/// A message's subject and its two parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The subject and the paragraphs of `words`; a paragraph's link (if any)
/// is shown after it.
fn paragraphs(words: &Words, base_url: &str) -> (String, Vec<(String, Option<String>)>) {
    match words {
        Words::Digest(lines) => {
            let total: u64 = lines.iter().map(|l| l.records).sum();
            let mut paragraphs = vec![(
                format!(
                    "{} wait for your attestation:",
                    plural(total, "record", "records")
                ),
                None,
            )];
            for line in lines {
                paragraphs.push((
                    format!(
                        "- {}: {}",
                        line.name,
                        plural(line.records, "record", "records")
                    ),
                    None,
                ));
            }
            paragraphs.push((
                "Please confirm or decline them:".to_owned(),
                Some(format!("{base_url}/attestations")),
            ));
            (
                format!(
                    "{} waiting for your attestation",
                    plural(total, "record", "records")
                ),
                paragraphs,
            )
        }
        Words::Renewal {
            registration,
            valid_until,
            days,
        } => (
            format!("Your accreditation {registration} is due for renewal"),
            vec![
                (
                    format!(
                        "Your accreditation {registration} ends on {valid_until}, in {days} days or fewer."
                    ),
                    None,
                ),
                (
                    "Please renew it before then so that it does not lapse.".to_owned(),
                    None,
                ),
            ],
        ),
        Words::Decision {
            outcome,
            tier,
            registration,
        } => {
            let mut paragraphs = vec![(
                format!("Your application for {tier} was {outcome}."),
                None,
            )];
            if let Some(registration) = registration {
                paragraphs.push((
                    format!("You are on the register as {registration}."),
                    None,
                ));
            }
            (format!("Your application was {outcome}"), paragraphs)
        }
        Words::WatchConfirmation {
            registrations,
            confirm_url,
        } => (
            "Please confirm you want to watch entries of the register".to_owned(),
            vec![
                (
                    format!(
                        "Someone, we hope you, asked to be told by e-mail when {} of the register changes status: {}.",
                        if registrations.len() == 1 { "this entry" } else { "these entries" },
                        registrations.join(", ")
                    ),
                    None,
                ),
                (
                    "Nothing more is sent to this address unless you confirm:".to_owned(),
                    Some(confirm_url.clone()),
                ),
                (
                    "If it was not you, ignore this message.".to_owned(),
                    None,
                ),
            ],
        ),
        Words::WatchAlert(alert) => {
            let mut paragraphs = vec![(
                format!(
                    "The register entry {} ({}) is now {}, from {}.",
                    alert.registration, alert.name, alert.status, alert.effective
                ),
                None,
            )];
            if let Some(reason) = &alert.reason {
                paragraphs.push((format!("Reason: {reason}"), None));
            }
            paragraphs.push((
                "The entry on the public register:".to_owned(),
                Some(alert.entry_url.clone()),
            ));
            paragraphs.push((
                "To see, add or remove the entries you watch, or stop watching:".to_owned(),
                Some(alert.manage_url.clone()),
            ));
            (
                format!(
                    "{} ({}) is now {}",
                    alert.registration, alert.name, alert.status
                ),
                paragraphs,
            )
        }
    }
}

/// The message `words` make for `recipient_name`, from `society`, with
/// the link `unsubscribe_url`.
pub fn compose(
    society: &Society,
    recipient_name: &str,
    words: &Words,
    base_url: &str,
    unsubscribe_url: &str,
) -> Composed {
    let (subject, paragraphs) = paragraphs(words, base_url);
    let subject = format!("{}: {subject}", society.name);
    let contact = society.contact();
    let mut text = format!("Dear {recipient_name},\n\n");
    for (paragraph, link) in &paragraphs {
        text.push_str(paragraph);
        text.push('\n');
        if let Some(link) = link {
            text.push_str(link);
            text.push('\n');
        }
    }
    text.push_str(&format!("\n{}\n", society.name));
    if !contact.is_empty() {
        text.push_str(&format!("Contact: {}\n", contact.join(" | ")));
    }
    text.push_str(&format!(
        "\nTo stop receiving these messages: {unsubscribe_url}\n"
    ));
    let markup: Markup = html! {
        (maud::DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { (subject) } }
            body {
                p { "Dear " (recipient_name) "," }
                @for (paragraph, link) in &paragraphs {
                    p {
                        (paragraph)
                        @if let Some(link) = link { " " a href=(link) { (link) } }
                    }
                }
                p { strong { (society.name) } }
                @if !contact.is_empty() { p { "Contact: " (contact.join(" | ")) } }
                p { small { a href=(unsubscribe_url) { "Stop receiving these messages" } } }
            }
        }
    };
    Composed {
        subject,
        text,
        html: markup.into_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_counts_its_records_and_both_parts_say_it_in_the_societys_name() {
        let society = Society {
            name: "BSANZ".to_owned(),
            contact_email: Some("office@bsanz.example".to_owned()),
            ..Society::default()
        };
        let lines = vec![
            DigestLine {
                person: "p1".to_owned(),
                name: "Fay Fox".to_owned(),
                records: 2,
            },
            DigestLine {
                person: "p2".to_owned(),
                name: "Gil <Grey>".to_owned(),
                records: 1,
            },
        ];
        let composed = compose(
            &society,
            "Ann Carter",
            &Words::Digest(lines),
            "https://r.example",
            "https://r.example/mail/unsubscribe/t",
        );
        assert_eq!(
            composed.subject,
            "BSANZ: 3 records waiting for your attestation"
        );
        assert!(composed.text.contains("- Fay Fox: 2 records\n"));
        assert!(composed.text.contains("Contact: office@bsanz.example\n"));
        assert!(composed.text.contains("https://r.example/attestations\n"));
        assert!(composed.html.contains("Gil &lt;Grey&gt;: 1 record"));
        assert!(composed
            .html
            .contains("href=\"https://r.example/mail/unsubscribe/t\""));
    }

    #[test]
    fn a_watch_alert_gives_the_public_reason_only_when_there_is_one_and_the_links() {
        let alert = WatchAlert {
            registration: "BSANZ-0042".to_owned(),
            name: "Ann Carter".to_owned(),
            status: "suspended".to_owned(),
            effective: "2026-03-01".to_owned(),
            reason: Some("Supervision requirements not met".to_owned()),
            entry_url: "https://r.example/societies/bsanz/register/BSANZ-0042".to_owned(),
            manage_url: "https://r.example/watch/m".to_owned(),
        };
        let society = Society {
            name: "BSANZ".to_owned(),
            ..Society::default()
        };
        let told = compose(
            &society,
            "hr@employer.example",
            &Words::WatchAlert(alert.clone()),
            "https://r.example",
            "https://r.example/mail/unsubscribe/t",
        );
        assert_eq!(
            told.subject,
            "BSANZ: BSANZ-0042 (Ann Carter) is now suspended"
        );
        assert!(told
            .text
            .contains("Reason: Supervision requirements not met\n"));
        assert!(told.text.contains("https://r.example/watch/m\n"));
        assert!(told
            .text
            .contains("https://r.example/societies/bsanz/register/BSANZ-0042\n"));
        let without = compose(
            &society,
            "hr@employer.example",
            &Words::WatchAlert(WatchAlert {
                reason: None,
                ..alert
            }),
            "https://r.example",
            "https://r.example/mail/unsubscribe/t",
        );
        assert!(!without.text.contains("Reason"), "{}", without.text);
        assert!(!without.html.contains("Reason"), "{}", without.html);
    }
}
