//! The login throttle: how failed logins slow further attempts down.
//!
//! Two counters are kept, one per account (the email asked for, whether or
//! not it has a login, so the answer does not tell) and one per client
//! address. Each attempt is counted *before* its password is checked, in
//! one transaction with the check of the counters, so attempts sent at the
//! same moment each see the others. The first failures are free; beyond
//! them every further attempt, right or wrong, must come a back-off after
//! the last counted attempt (1 s, doubling with each further failure, at
//! most 5 minutes by default); an attempt before that is refused with 429
//! and `Retry-After`, and is not counted. A right password after the
//! back-off logs in and clears the account's count (and takes its own
//! attempt back from the address's count), so someone guessing at an
//! account can slow its owner down but never lock them out for longer
//! than one back-off. A counter nobody touched for an hour is forgotten.
//!
//! The decisions here are pure, over a [`Counter`] and a time; the
//! database keeps the counters (`db::login_throttle`).

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::header::HeaderMap;
use chrono::NaiveDateTime;

/// How long a counter is kept after its last counted attempt.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// The numbers of the throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures for one account before the back-off starts.
    pub account_free: u32,
    /// Failures from one client address (any accounts) before the back-off
    /// starts.
    pub address_free: u32,
    /// The back-off after the last free failure; it doubles with each
    /// further one.
    pub first_delay: Duration,
    /// The longest back-off.
    pub max_delay: Duration,
}

/// One counter as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Attempts counted since the last success (or since it was forgotten).
    pub failures: u32,
    /// When the last of them was counted.
    pub last_attempt_at: NaiveDateTime,
}

impl Policy {
    /// The wait after `failures` counted failures when `free` are free:
    /// none below `free`, then the first delay, doubling, capped.
    pub fn delay(&self, failures: u32, free: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(free)?;
        let factor = 2u32.checked_pow(beyond).unwrap_or(u32::MAX);
        Some(
            self.first_delay
                .checked_mul(factor)
                .unwrap_or(self.max_delay)
                .min(self.max_delay),
        )
    }

    /// Judge an attempt at `now` against `counter` (none: never counted)
    /// with `free` free failures: the counter with this attempt counted,
    /// or how long to wait before the next attempt is taken.
    pub fn judge(
        &self,
        counter: Option<Counter>,
        free: u32,
        now: NaiveDateTime,
    ) -> Result<Counter, Duration> {
        let failures = match counter {
            Some(c) if !forgotten(c, now) => {
                if let Some(delay) = self.delay(c.failures, free) {
                    let due = chrono::Duration::from_std(delay)
                        .ok()
                        .and_then(|d| c.last_attempt_at.checked_add_signed(d));
                    match due {
                        Some(due) if now < due => {
                            return Err((due - now).to_std().unwrap_or(delay));
                        }
                        Some(_) => {}
                        // Beyond the calendar: wait the whole back-off.
                        None => return Err(delay),
                    }
                }
                c.failures
            }
            _ => 0,
        };
        Ok(Counter {
            failures: failures.saturating_add(1),
            last_attempt_at: now,
        })
    }
}

/// Whether `counter` was last touched so long ago that it no longer counts.
pub fn forgotten(counter: Counter, now: NaiveDateTime) -> bool {
    (now - counter.last_attempt_at)
        .to_std()
        .is_ok_and(|idle| idle >= FORGET_AFTER)
}

/// A wait as `Retry-After` says it: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// The time the throttle goes by: the system's, or in tests one that moves
/// only when told ([`LoginClock::stopped_at`]), so back-offs can be
/// tested without waiting for them.
#[derive(Debug, Clone, Default)]
pub struct LoginClock(Option<Arc<Mutex<NaiveDateTime>>>);

impl LoginClock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock stopped at `at`, moved on by [`Self::advance`] only.
    pub fn stopped_at(at: NaiveDateTime) -> Self {
        Self(Some(Arc::new(Mutex::new(at))))
    }

    /// Move a stopped clock on by `by` (the system clock is not moved).
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.0 {
            let mut at = at.lock().unwrap_or_else(PoisonError::into_inner);
            *at += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::zero());
        }
    }

    /// The time now.
    pub fn now(&self) -> NaiveDateTime {
        match &self.0 {
            Some(at) => *at.lock().unwrap_or_else(PoisonError::into_inner),
            None => crate::db::now(),
        }
    }
}

/// The client's address: the peer's, unless the peer is one of the
/// `trusted` reverse proxies; then the nearest address in
/// `X-Forwarded-For` (read from the right, as each proxy appends the
/// address it was called from) that is not itself a trusted proxy. With
/// no trusted proxies the header is never read, so a client cannot choose
/// its own address.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.into_iter().rev() {
        // An unreadable hop was not written by a proxy we trust: stop at
        // the last address known good.
        let Ok(hop) = hop.parse::<IpAddr>() else {
            break;
        };
        nearest = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    Some(nearest)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn policy() -> Policy {
        Policy {
            account_free: 5,
            address_free: 20,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
        }
    }

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn the_first_failures_are_free_then_the_back_off_doubles_up_to_its_cap() {
        let p = policy();
        assert_eq!(p.delay(0, 5), None);
        assert_eq!(p.delay(4, 5), None);
        let delays: Vec<u64> = (5..16).map(|n| p.delay(n, 5).unwrap().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(p.delay(u32::MAX, 5), Some(Duration::from_secs(300)));
    }

    #[test]
    fn an_attempt_within_the_back_off_waits_and_is_not_counted() {
        let p = policy();
        let mut counter = None;
        for n in 1..=5 {
            let next = p.judge(counter, 5, at(0)).unwrap();
            assert_eq!(next.failures, n);
            counter = Some(next);
        }
        // The sixth at the same moment waits a second; half a second on,
        // half a second more.
        assert_eq!(p.judge(counter, 5, at(0)), Err(Duration::from_secs(1)));
        let half = at(0) + chrono::Duration::milliseconds(500);
        assert_eq!(p.judge(counter, 5, half), Err(Duration::from_millis(500)));
        // After it, it is taken, and the next one waits two seconds.
        let sixth = p.judge(counter, 5, at(1)).unwrap();
        assert_eq!(
            sixth,
            Counter {
                failures: 6,
                last_attempt_at: at(1)
            }
        );
        assert_eq!(p.judge(Some(sixth), 5, at(2)), Err(Duration::from_secs(1)));
        assert!(p.judge(Some(sixth), 5, at(3)).is_ok());
    }

    #[test]
    fn a_counter_left_alone_for_an_hour_is_forgotten() {
        let p = policy();
        let counter = Counter {
            failures: 30,
            last_attempt_at: at(0),
        };
        // Within the hour the failures still count (the back-off is over).
        assert_eq!(p.judge(Some(counter), 5, at(3599)).unwrap().failures, 31);
        let fresh = p.judge(Some(counter), 5, at(3600)).unwrap();
        assert_eq!(fresh.failures, 1);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn a_stopped_clock_moves_only_when_told() {
        let clock = LoginClock::stopped_at(at(0));
        assert_eq!(clock.now(), at(0));
        clock.clone().advance(Duration::from_secs(2));
        assert_eq!(clock.now(), at(2));
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn forwarded_addresses_are_read_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("10.0.0.1");
        let headers = forwarded(&["203.0.113.9, 198.51.100.7"]);
        // No trusted proxy: the header is ignored.
        assert_eq!(client_address(Some(proxy), &headers, &[]), Some(proxy));
        // From a trusted proxy: the nearest address it was given.
        assert_eq!(
            client_address(Some(proxy), &headers, &[proxy]),
            Some(ip("198.51.100.7"))
        );
        // Through two trusted proxies, whatever the client wrote before.
        let inner = ip("10.0.0.2");
        let headers = forwarded(&["6.6.6.6", "198.51.100.7, 10.0.0.2"]);
        assert_eq!(
            client_address(Some(proxy), &headers, &[proxy, inner]),
            Some(ip("198.51.100.7"))
        );
        // A caller that is not a trusted proxy cannot choose its address.
        let stranger = ip("192.0.2.1");
        assert_eq!(
            client_address(Some(stranger), &headers, &[proxy]),
            Some(stranger)
        );
        // An unreadable hop ends the walk at the last good address.
        let headers = forwarded(&["198.51.100.7, nonsense"]);
        assert_eq!(client_address(Some(proxy), &headers, &[proxy]), Some(proxy));
    }
}
