//! How long what is not a record is kept: logins that were never used,
//! sessions that ended (expired or signed out), what the society told
//! (events of the outbox once told, webhook deliveries and e-mail messages
//! once finished, with their tries) and the login throttle's counters.
//!
//! A society's registrar sets its own periods for its logins
//! ([`settings`], [`change_settings`]); the operator's job
//! (`balint-accredit retention`, [`apply_for_operator`]) applies them, and
//! the server's defaults ([`Policy`]) wherever a society set none. A login
//! with roles in several societies is kept as long as the longest of their
//! periods: nothing goes that one of them still keeps. Throttle counters
//! are a server's, not a society's (an address belongs to no society), and
//! a sign-in already forgets them an hour after their last attempt; the
//! job only removes those left when nobody signed in since.
//!
//! Deleting sessions, counters and what was told is housekeeping of no
//! record of the society: it writes no audit entry. An event still being
//! delivered is kept, and so is a renewal reminder until its cycle ends
//! (it is what keeps the reminder from being told twice). Removing a login that was never
//! used is recorded in the audit log of each society it had a role in
//! (its role and person, not its email address). Safe to run at any time
//! and twice.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use crate::actions::Operator;
use crate::auth::Caller;
use crate::db::{self, audit, retention as stored, sessions, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// The most days any period may be: ten years.
pub const MAX_DAYS: u32 = 3650;

/// The server's defaults, in days (the job's flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days a session is kept after it expired or was ended.
    pub sessions_days: u32,
    /// Days a login throttle counter is kept after its last attempt.
    pub throttle_days: u32,
    /// Days a login that never signed in is kept after it was made; `None`
    /// keeps it until a society's setting says otherwise.
    pub unused_logins_days: Option<u32>,
    /// Days what was told is kept after it was told (an event after its
    /// fan-out, a delivery after it finished); `None` keeps it until a
    /// society's setting says otherwise.
    pub notifications_days: Option<u32>,
}

/// The periods a registrar sets, in days; `None` leaves the server's
/// default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Periods {
    /// Days a login of the society that never signed in is kept after it
    /// was made.
    pub unused_logins_days: Option<u32>,
    /// Days a session of one of its logins is kept after it ended.
    pub sessions_days: Option<u32>,
    /// Days an event of the society's outbox, and a webhook delivery of it,
    /// are kept after they were told.
    pub notifications_days: Option<u32>,
}

/// A society's own periods, in days; `None` leaves the server's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SocietyRetention {
    /// Days a login of the society that never signed in is kept after it
    /// was made.
    pub unused_logins_days: Option<u32>,
    /// Days a session of one of its logins is kept after it ended.
    pub sessions_days: Option<u32>,
    /// Days what the society told is kept after it was told.
    pub notifications_days: Option<u32>,
    /// When the registrar last set them (none if never).
    pub updated_at: Option<NaiveDateTime>,
}

/// What one run deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retained {
    pub sessions_deleted: usize,
    pub throttle_counters_deleted: usize,
    /// Logins that never signed in, removed.
    pub unused_logins_removed: usize,
    /// Logins that never signed in and were due to go, kept because a
    /// record names them (e.g. as the one who made it).
    pub unused_logins_kept: usize,
    /// Webhook deliveries finished, with their tries.
    pub deliveries_deleted: usize,
    /// Events of the outbox told.
    pub events_deleted: usize,
    /// E-mail messages sent (or given up), with their tries.
    pub mails_deleted: usize,
    /// Watchlists whose address was never confirmed within
    /// [`UNCONFIRMED_WATCHLIST_DAYS`], with their addresses.
    pub unconfirmed_watchlists_deleted: usize,
}

/// Days a watchlist whose address was never confirmed is kept (its
/// confirmation link works until then).
pub const UNCONFIRMED_WATCHLIST_DAYS: i64 = 7;

impl Policy {
    /// The moments before which sessions, and throttle counters, go.
    pub fn cutoffs(&self, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        (
            now - Duration::days(i64::from(self.sessions_days)),
            now - Duration::days(i64::from(self.throttle_days)),
        )
    }
}

fn days(value: Option<i32>) -> Option<u32> {
    value.and_then(|d| u32::try_from(d).ok())
}

fn from_stored(row: stored::Settings) -> SocietyRetention {
    SocietyRetention {
        unused_logins_days: days(row.unused_logins_days),
        sessions_days: days(row.sessions_days),
        notifications_days: days(row.notifications_days),
        updated_at: Some(row.updated_at),
    }
}

/// Society `slug`'s retention periods (its registrar).
pub async fn settings(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<(db::societies::Society, SocietyRetention), ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    let id = society.id.clone();
    let found = db::run(&state.pool, move |conn| Ok(stored::find(conn, &id)?)).await?;
    Ok((society, found.map(from_stored).unwrap_or_default()))
}

/// What is wrong with these periods, each named: a period, when given,
/// is from 1 to [`MAX_DAYS`] days.
pub fn problems(periods: Periods) -> Vec<FieldProblem> {
    [
        ("unused_logins_days", periods.unused_logins_days),
        ("sessions_days", periods.sessions_days),
        ("notifications_days", periods.notifications_days),
    ]
    .into_iter()
    .filter(|(_, value)| value.is_some_and(|d| d == 0 || d > MAX_DAYS))
    .map(|(field, _)| {
        FieldProblem::new(
            field,
            format!(
                "must be a number of days from 1 to {MAX_DAYS}, or empty for the server's default"
            ),
        )
    })
    .collect()
}

/// Set society `slug`'s retention periods (its registrar): each, when
/// given, from 1 to [`MAX_DAYS`] days; every problem is refused at once
/// and nothing changes. Audited with the periods before and after.
pub async fn change_settings(
    state: &AppState,
    caller: &Caller,
    slug: String,
    periods: Periods,
) -> Result<(db::societies::Society, SocietyRetention), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let problems = problems(periods);
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: "the retention periods have problems".to_owned(),
            errors: problems,
        });
    }
    let now = db::now();
    let society_id = society.id.clone();
    let stored_days = |days: Option<u32>| days.and_then(|d| i32::try_from(d).ok());
    let row = stored::Settings {
        society_id: society.id.clone(),
        unused_logins_days: stored_days(periods.unused_logins_days),
        sessions_days: stored_days(periods.sessions_days),
        notifications_days: stored_days(periods.notifications_days),
        updated_at: now,
    };
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let before = stored::find(conn, &society_id)?;
            stored::save(conn, &row)?;
            let periods = |r: Option<&stored::Settings>| {
                json!({ "retention": {
                    "unused_logins_days": r.and_then(|r| r.unused_logins_days),
                    "sessions_days": r.and_then(|r| r.sessions_days),
                    "notifications_days": r.and_then(|r| r.notifications_days),
                }})
            };
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society_id),
                    action: audit::Action::Update,
                    entity: audit::Entity::Society,
                    entity_id: &society_id,
                    before: Some(periods(before.as_ref())),
                    after: Some(periods(Some(&row))),
                    at: now,
                },
            )?;
            Ok(row)
        })
    })
    .await?;
    Ok((society, from_stored(saved)))
}

/// Why a login that was never used was not removed.
enum Removal {
    /// A record names it (a foreign key): it stays.
    Referenced,
    Failed(ApiError),
}

impl From<ApiError> for Removal {
    fn from(e: ApiError) -> Self {
        Self::Failed(e)
    }
}

impl From<diesel::result::Error> for Removal {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Self::Referenced,
            other => Self::Failed(other.into()),
        }
    }
}

/// How long each login is kept, by the longest of its societies' periods.
struct Weighed<'a> {
    login: &'a stored::Login,
    sessions_days: u32,
    /// Days after which it goes if it never signed in; `None`: it stays.
    unused_days: Option<u32>,
}

fn weigh<'a>(
    login: &'a stored::Login,
    policy: Policy,
    societies: &HashMap<String, SocietyRetention>,
) -> Weighed<'a> {
    let own = |society: &str| societies.get(society).copied().unwrap_or_default();
    let sessions_days = login
        .roles
        .iter()
        .map(|(society, ..)| own(society).sessions_days.unwrap_or(policy.sessions_days))
        .max()
        .unwrap_or(policy.sessions_days);
    let unused_days = if login.is_platform_admin || login.last_signed_in_at.is_some() {
        None
    } else if login.roles.is_empty() {
        policy.unused_logins_days
    } else {
        // Every society must let it go; the longest period decides.
        login
            .roles
            .iter()
            .map(|(society, ..)| {
                own(society)
                    .unused_logins_days
                    .or(policy.unused_logins_days)
            })
            .collect::<Option<Vec<u32>>>()
            .and_then(|all| all.into_iter().max())
    };
    Weighed {
        login,
        sessions_days,
        unused_days,
    }
}

/// Apply the societies' periods, and `policy` wherever a society set none,
/// as of `now`, as the operator, on the command's connection.
pub fn apply_for_operator(
    _operator: Operator,
    conn: &mut DbConnection,
    policy: Policy,
    now: NaiveDateTime,
) -> Result<Retained, ApiError> {
    let societies: HashMap<String, SocietyRetention> = stored::all(conn)?
        .into_iter()
        .map(|row| (row.society_id.clone(), from_stored(row)))
        .collect();
    let logins = stored::logins(conn)?;
    let weighed: Vec<Weighed<'_>> = logins
        .iter()
        .map(|login| weigh(login, policy, &societies))
        .collect();
    let mut done = Retained::default();

    // Logins never used, past their period: each in a transaction of its
    // own, so one a record names is kept and the others still go.
    for w in &weighed {
        let Some(days) = w.unused_days else { continue };
        if w.login.created_at >= now - Duration::days(i64::from(days)) {
            continue;
        }
        let login = w.login;
        let removed = db::write_as(conn, |conn| {
            stored::remove_login(conn, &login.user_id).map_err(Removal::from)?;
            for (society, role, person) in &login.roles {
                audit::record(
                    conn,
                    audit::Change {
                        actor_user_id: None,
                        society_id: Some(society),
                        action: audit::Action::Delete,
                        entity: audit::Entity::User,
                        entity_id: &login.user_id,
                        before: Some(json!({
                            "role": role, "person_id": person,
                            "created_at": login.created_at,
                            "removed": format!("never signed in within {days} days"),
                        })),
                        after: None,
                        at: now,
                    },
                )
                .map_err(Removal::from)?;
            }
            Ok(())
        });
        match removed {
            Ok(()) => done.unused_logins_removed += 1,
            Err(Removal::Referenced) => done.unused_logins_kept += 1,
            Err(Removal::Failed(e)) => return Err(e),
        }
    }

    // Sessions, by period.
    let mut by_days: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for w in &weighed {
        by_days
            .entry(w.sessions_days)
            .or_default()
            .push(&w.login.user_id);
    }
    for (days, users) in by_days {
        let cutoff = now - Duration::days(i64::from(days));
        done.sessions_deleted += db::write(conn, |conn| {
            Ok(stored::delete_sessions_ended_before(conn, &users, cutoff)?)
        })?;
    }
    // What each society told, by its period: one transaction each.
    let today = now.date();
    for society in stored::society_ids(conn)? {
        let Some(days) = societies
            .get(&society)
            .and_then(|own| own.notifications_days)
            .or(policy.notifications_days)
        else {
            continue;
        };
        let before = now - Duration::days(i64::from(days));
        let (forgotten, mails) = db::write(conn, |conn| {
            let mails = db::mail::forget_finished(conn, &society, before)?;
            Ok((
                db::outbox::forget_told(conn, &society, before, today)?,
                mails,
            ))
        })?;
        done.deliveries_deleted += forgotten.deliveries;
        done.events_deleted += forgotten.events;
        done.mails_deleted += mails;
    }

    // Addresses that never confirmed they want to watch: not kept.
    done.unconfirmed_watchlists_deleted = db::write(conn, |conn| {
        db::watchlists::forget_unconfirmed(conn, now - Duration::days(UNCONFIRMED_WATCHLIST_DAYS))
    })?;

    // Outside a transaction: it skips counters a sign-in holds.
    let (_, throttle_before) = policy.cutoffs(now);
    done.throttle_counters_deleted = sessions::forget_counters_before(conn, throttle_before)?;
    Ok(done)
}
