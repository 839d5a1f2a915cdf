//! The outbox's worker, run by `serve` beside the HTTP server: every
//! `OUTBOX_POLL_MS` it fans the events waiting out into deliveries and
//! e-mail (`crate::mail`), sends the deliveries and the messages due, and
//! once an hour records the renewal reminders due today. Several servers on one database share the work: an event is
//! fanned out once (its rows locked, `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the write lock on SQLite), and a delivery is sent by the
//! server that leased it (`db::webhooks::claim_due`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::task::JoinSet;

use crate::config::{MailSettings, WebhookSettings};
use crate::db::mail::{self as stored_mail, MailAttempt, MailState, Message};
use crate::db::outbox;
use crate::db::webhooks::{self, Attempt, DeliveryState, Leased, Outcome};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::mail::{self, send::Mailer};
use crate::webhooks::address::{self, PublicOnly};
use crate::webhooks::sign;

/// Events fanned out per transaction.
const FAN_OUT_BATCH: i64 = 200;
/// Deliveries leased at a time, and sent at once.
const DELIVERY_BATCH: i64 = 16;
/// The most of an answer's body kept in the log.
const KEEP_BYTES: usize = 1024;
/// How often the renewal reminders are looked for.
const REMINDERS_EVERY: Duration = Duration::from_secs(3600);

/// The worker's state: its HTTP client, its mail server, and settings.
#[derive(Debug, Clone)]
pub struct Worker {
    pool: DbPool,
    settings: WebhookSettings,
    client: reqwest::Client,
    /// What messages are made with.
    context: mail::Context,
    /// None: no mail server set, the messages wait.
    mailer: Option<Mailer>,
    mail_lease: chrono::Duration,
}

impl Worker {
    /// A worker on `pool` with `settings`, writing e-mail as `mail` says
    /// with links to `base_url` (the service's public address).
    pub fn new(
        pool: DbPool,
        settings: WebhookSettings,
        mail: &MailSettings,
        base_url: &str,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout())
            .connect_timeout(settings.timeout())
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PublicOnly {
                allow_private: settings.webhook_allow_private,
            }))
            .user_agent(concat!("balint-accredit/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let context = mail::Context {
            base_url: base_url.trim_end_matches('/').to_owned(),
            digest: mail.digest(),
        };
        let mailer = Mailer::new(mail, context.clone())?;
        let mail_lease =
            chrono::Duration::from_std(mail.timeout() * 2).unwrap_or(chrono::Duration::minutes(1));
        Ok(Self {
            pool,
            settings,
            client,
            context,
            mailer,
            mail_lease,
        })
    }

    /// Run until the process ends; a failure is logged and the next round
    /// tried at its time.
    pub fn spawn(self) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(self.settings.poll());
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut reminded: Option<Instant> = None;
            loop {
                tick.tick().await;
                if reminded.is_none_or(|at| at.elapsed() >= REMINDERS_EVERY) {
                    match self.remind().await {
                        Ok(n) => {
                            reminded = Some(Instant::now());
                            if n > 0 {
                                tracing::info!(recorded = n, "renewal reminders recorded");
                            }
                        }
                        Err(e) => tracing::warn!(error = ?e, "renewal reminders failed"),
                    }
                }
                if let Err(e) = self.round().await {
                    tracing::warn!(error = ?e, "outbox worker round failed");
                }
            }
        });
    }

    /// The renewal reminders due today.
    async fn remind(&self) -> Result<usize, ApiError> {
        let today = db::now().date();
        db::run(&self.pool, move |conn| {
            db::write(conn, |conn| outbox::remind_renewals(conn, today))
        })
        .await
    }

    /// One round: fan out what waits, send what is due, until neither is
    /// left.
    pub async fn round(&self) -> Result<(), ApiError> {
        while self.fan_out().await? > 0 {}
        while self.deliver().await? > 0 {}
        if let Some(mailer) = &self.mailer {
            while self.send_mail(mailer).await? > 0 {}
        }
        Ok(())
    }

    /// Fan out up to a batch of waiting events; how many.
    async fn fan_out(&self) -> Result<usize, ApiError> {
        let context = self.context.clone();
        db::run(&self.pool, move |conn| {
            if !outbox::any_waiting(conn)? {
                return Ok(0);
            }
            db::write(conn, |conn| {
                let now = db::now();
                let events = outbox::claim_waiting(conn, FAN_OUT_BATCH)?;
                webhooks::fan_out(conn, &events, now)?;
                mail::fan_out(conn, &events, now, &context)?;
                crate::watch::fan_out(conn, &events, now, &context)?;
                let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
                outbox::mark_fanned_out(conn, &ids, now)?;
                Ok(events.len())
            })
        })
        .await
    }

    /// Lease and send up to a batch of due deliveries, at once; how many.
    async fn deliver(&self) -> Result<usize, ApiError> {
        let lease = chrono::Duration::from_std(self.settings.lease())
            .unwrap_or(chrono::Duration::seconds(60));
        let leased = db::run(&self.pool, move |conn| {
            let now = db::now();
            if !webhooks::any_due(conn, now)? {
                return Ok(Vec::new());
            }
            db::write(conn, |conn| {
                webhooks::claim_due(conn, now, now + lease, DELIVERY_BATCH)
            })
        })
        .await?;
        let count = leased.len();
        let mut sending = JoinSet::new();
        for leased in leased {
            let worker = self.clone();
            sending.spawn(async move {
                let outcome = worker.send(&leased).await;
                worker.finish(leased, outcome).await
            });
        }
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = ?e, "storing a delivery's answer failed"),
                Err(e) => tracing::warn!(error = %e, "a delivery's task failed"),
            }
        }
        Ok(count)
    }

    /// Lease and send up to a batch of due messages, at once; how many.
    async fn send_mail(&self, mailer: &Mailer) -> Result<usize, ApiError> {
        let lease = self.mail_lease;
        let leased = db::run(&self.pool, move |conn| {
            let now = db::now();
            if !stored_mail::any_due(conn, now)? {
                return Ok(Vec::new());
            }
            db::write(conn, |conn| {
                stored_mail::claim_due(conn, now, now + lease, DELIVERY_BATCH)
            })
        })
        .await?;
        let count = leased.len();
        let mut sending = JoinSet::new();
        for message in leased {
            let (worker, mailer) = (self.clone(), mailer.clone());
            sending.spawn(async move {
                let tried_at = db::now();
                let answer = mailer.send(&message).await;
                worker.finish_mail(message, tried_at, answer).await
            });
        }
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = ?e, "storing a message's try failed"),
                Err(e) => tracing::warn!(error = %e, "a message's task failed"),
            }
        }
        Ok(count)
    }

    /// Store a message's try: sent; dead when refused for good or its
    /// tries used up; else tried again after the schedule's next wait.
    async fn finish_mail(
        &self,
        message: Message,
        tried_at: NaiveDateTime,
        answer: Result<String, mail::send::NotSent>,
    ) -> Result<(), ApiError> {
        let tries = u32::try_from(message.attempts).unwrap_or(0) + 1;
        let (sent, result, state, next) = match answer {
            Ok(said) => (true, said, MailState::Sent, tried_at),
            Err(not_sent) => {
                let wait = (!not_sent.permanent)
                    .then(|| retry_after(&self.settings, tries))
                    .flatten();
                match wait {
                    Some(wait) => (false, not_sent.why, MailState::Pending, tried_at + wait),
                    None => (false, not_sent.why, MailState::Dead, tried_at),
                }
            }
        };
        let attempt = MailAttempt {
            message_id: message.id.clone(),
            attempt: 0,
            tried_at,
            sent,
            result,
        };
        db::run(&self.pool, move |conn| {
            db::write(conn, |conn| {
                stored_mail::finish_try(conn, &message, &attempt, state, next)
            })
        })
        .await
    }

    /// Store a try's outcome.
    async fn finish(&self, leased: Leased, outcome: Outcome) -> Result<(), ApiError> {
        db::run(&self.pool, move |conn| {
            db::write(conn, |conn| webhooks::finish_try(conn, &leased, &outcome))
        })
        .await
    }

    /// Send `leased` once, signed, within the timeout, and judge the
    /// answer.
    async fn send(&self, leased: &Leased) -> Outcome {
        let started = Instant::now();
        let tried_at = db::now();
        let answer = self.post(leased).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status, response) = match answer {
            Ok((status, body)) => (Some(status), body),
            Err(why) => (None, why),
        };
        let tries = leased.delivery.attempts + 1;
        let attempt = Attempt {
            delivery_id: leased.delivery.id.clone(),
            attempt: 0,
            tried_at,
            status: status.map(i32::from),
            response,
            duration_ms,
        };
        judge(&self.settings, attempt, tries, tried_at)
    }

    /// The POST itself: the endpoint's status and the start of its body,
    /// or why there was no answer.
    async fn post(&self, leased: &Leased) -> Result<(u16, String), String> {
        let url = address::check_url(&leased.endpoint.url, self.settings.webhook_allow_private)
            .map_err(|e| format!("the endpoint's URL {e}"))?;
        let body = leased
            .delivery
            .body
            .clone()
            .unwrap_or_else(|| leased.event.body());
        let timestamp = chrono::Utc::now().timestamp();
        // During a rotation's grace both secrets sign, space-separated, as
        // the specification allows: a receiver holding either verifies.
        let signature = leased
            .endpoint
            .secrets_at(db::now())
            .into_iter()
            .map(|secret| sign::signature(secret, &leased.delivery.id, timestamp, &body))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| "the endpoint's secret is not one this server made".to_owned())?
            .join(" ");
        let answer = async {
            let mut response = self
                .client
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", &leased.delivery.id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send()
                .await
                .map_err(|e| words(&e))?;
            let status = response.status().as_u16();
            let mut kept = Vec::new();
            while kept.len() < KEEP_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
            kept.truncate(KEEP_BYTES);
            Ok((status, String::from_utf8_lossy(&kept).into_owned()))
        };
        // The client's own timeout covers the body too; this one is the
        // guarantee.
        match tokio::time::timeout(self.settings.timeout(), answer).await {
            Ok(answer) => answer,
            Err(_) => Err(format!(
                "no answer within {} s",
                self.settings.timeout().as_secs()
            )),
        }
    }
}

/// Why a request had no answer, in words with its causes.
fn words(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The wait before the next try after the `tries`-th failed (the
/// schedule of `WEBHOOK_RETRY_SECS`, for deliveries and e-mail alike);
/// none once the schedule is used up.
pub fn retry_after(settings: &WebhookSettings, tries: u32) -> Option<chrono::Duration> {
    let waits = &settings.webhook_retry_secs.0;
    usize::try_from(tries)
        .ok()
        .and_then(|t| waits.get(t.saturating_sub(1)))
        .map(|wait| chrono::Duration::from_std(*wait).unwrap_or(chrono::Duration::days(1)))
}

/// Where a delivery stands after its `tries`-th try of this round
/// answered as `attempt` says: delivered on 2xx; dead, and its endpoint
/// disabled, on 410 Gone; else tried again after the schedule's next wait,
/// or dead once the schedule is used up.
pub fn judge(
    settings: &WebhookSettings,
    attempt: Attempt,
    tries: u32,
    now: NaiveDateTime,
) -> Outcome {
    let (state, disable_endpoint, next) = match attempt.status {
        Some(200..=299) => (DeliveryState::Delivered, None, now),
        Some(410) => (
            DeliveryState::Dead,
            Some("the endpoint answered 410 Gone".to_owned()),
            now,
        ),
        _ => match retry_after(settings, tries) {
            Some(wait) => (DeliveryState::Pending, None, now + wait),
            None => (DeliveryState::Dead, None, now),
        },
    };
    Outcome {
        attempt,
        state,
        next_attempt_at: next,
        disable_endpoint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(status: Option<i32>) -> Attempt {
        Attempt {
            delivery_id: "msg_1".to_owned(),
            attempt: 0,
            tried_at: NaiveDateTime::default(),
            status,
            response: String::new(),
            duration_ms: 1,
        }
    }

    #[test]
    fn the_back_off_grows_over_about_a_day_then_the_delivery_is_dead() {
        let settings = WebhookSettings::default();
        let now = NaiveDateTime::default();
        let mut waited = chrono::Duration::zero();
        let mut tries = 0;
        loop {
            tries += 1;
            let outcome = judge(&settings, attempt(Some(500)), tries, now);
            if outcome.state == DeliveryState::Dead {
                break;
            }
            assert_eq!(outcome.state, DeliveryState::Pending);
            waited += outcome.next_attempt_at - now;
        }
        assert_eq!(tries, 8, "the first try and seven more");
        assert!(waited > chrono::Duration::hours(20) && waited < chrono::Duration::hours(30));
    }

    #[test]
    fn gone_is_dead_and_disables_and_2xx_is_delivered() {
        let settings = WebhookSettings::default();
        let now = NaiveDateTime::default();
        let gone = judge(&settings, attempt(Some(410)), 1, now);
        assert_eq!(gone.state, DeliveryState::Dead);
        assert!(gone.disable_endpoint.is_some());
        let ok = judge(&settings, attempt(Some(204)), 3, now);
        assert_eq!(ok.state, DeliveryState::Delivered);
        assert!(ok.disable_endpoint.is_none());
        let no_answer = judge(&settings, attempt(None), 1, now);
        assert_eq!(no_answer.state, DeliveryState::Pending);
        assert_eq!(
            no_answer.next_attempt_at - now,
            chrono::Duration::seconds(5)
        );
    }
}
