//! Certificates of attendance: a participant (or the registrar for them)
//! certifies their confirmed group attendance over a period, for a CPD
//! scheme or an employer, and anyone checks it by its verification code.
//!
//! What counts is the person's confirmed participation records dated in
//! the period. Sessions: a record kept in sessions, double sessions or
//! meetings counts its amount, any other record one session. Time: each
//! record's length (its amount in minutes, hours or double sessions, or
//! the duration recorded on a session); a record without a length adds a
//! session and no time. Both are split in person and online. The leaders
//! are the attestors who confirmed the records. When a CPD scheme is
//! chosen, balint-core judges the person's whole confirmed ledger in the
//! period against it ([`balint_core::cpd`]) and the certificate says
//! "meets" when it is met.
//!
//! A certificate keeps what it certified as it was on the day (a later
//! correction of the ledger does not change it), under a random code of
//! 96 bits that cannot be guessed.

use balint_core::cpd::{self, CpdAssessment};
use balint_core::ledger::{Activity, ActivityKind, Amount, Attestation, Delivery, Unit};
use chrono::NaiveDate;
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::json;

use crate::auth::{permissions, Caller};
use crate::db::{self, audit, certificates::Certificate};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// What to certify.
#[derive(Debug, Clone)]
pub struct IssueInput {
    /// The period's first day.
    pub from: NaiveDate,
    /// The period's last day.
    pub to: NaiveDate,
    /// A CPD scheme to judge the attendance against (a built-in scheme's
    /// id), if any.
    pub scheme: Option<String>,
}

/// A certificate just issued, with the scheme's assessment when one was
/// chosen (what counted, and what is missing when it is not met).
#[derive(Debug)]
pub struct Issued {
    pub certificate: Certificate,
    pub assessment: Option<CpdAssessment>,
}

/// Attendance as counted for a certificate.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Attendance {
    /// Sessions in person and online, in thousandths.
    pub sessions_in_person: u64,
    pub sessions_online: u64,
    /// Minutes in person and online, in thousandths.
    pub minutes_in_person: u64,
    pub minutes_online: u64,
}

/// How many sessions a participation record stands for.
pub fn sessions_of(a: &Activity) -> Amount {
    match a.unit {
        Unit::Sessions | Unit::DoubleSessions | Unit::Meetings => a.amount,
        _ => Amount::from_whole(1),
    }
}

/// The confirmed participation records of `ledger` dated from `from` to
/// `to`, counted; and the people who attested them.
pub fn count(ledger: &[Activity], from: NaiveDate, to: NaiveDate) -> (Attendance, Vec<String>) {
    let mut attendance = Attendance::default();
    let mut leaders = Vec::new();
    for a in ledger.iter().filter(|a| {
        a.kind == ActivityKind::Participation
            && a.date >= from
            && a.date <= to
            && a.attestation.is_confirmed()
    }) {
        let sessions = sessions_of(a).thousandths();
        let minutes = a.amount_in(Unit::Minutes).map_or(0, Amount::thousandths);
        match a.delivery {
            Delivery::InPerson => {
                attendance.sessions_in_person += sessions;
                attendance.minutes_in_person += minutes;
            }
            Delivery::Online => {
                attendance.sessions_online += sessions;
                attendance.minutes_online += minutes;
            }
        }
        let leader = match (&a.attestor, &a.attestation) {
            (Some(p), _) | (None, Attestation::Confirmed { by: p, .. }) => Some(p),
            _ => None,
        };
        if let Some(p) = leader {
            if !leaders.iter().any(|l: &String| l == p.as_str()) {
                leaders.push(p.as_str().to_owned());
            }
        }
    }
    (attendance, leaders)
}

/// A name with its title, as the certificate shows it.
fn titled(title: Option<&str>, name: &str) -> String {
    match title.map(str::trim) {
        Some(t) if !t.is_empty() => format!("{t} {name}"),
        _ => name.to_owned(),
    }
}

/// A new verification code: 12 random bytes as six groups of four
/// upper-case hexadecimal digits, e.g. `3F9A-0C12-...`.
fn new_code() -> String {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let hex = hex::encode_upper(bytes);
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as someone typed it, in the stored form: upper case, the
/// groups joined by `-` whatever separated them; `None` when it cannot be
/// a code at all.
pub fn normalise_code(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if digits.len() != 24 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(
        digits
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-"),
    )
}

/// Issue a certificate of attendance to person `person_id` of society
/// `slug` over `input`'s period: the person themself or the society's
/// registrar. Unprocessable when the period ends before it begins, the
/// scheme is not known, or there is no confirmed attendance in it.
pub async fn issue(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    input: IssueInput,
) -> Result<Issued, ApiError> {
    let user = permissions::require_user(caller)?;
    let actor = user.user_id.clone();
    let society = crate::actions::society(state, slug).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    let mut problems = Vec::new();
    if input.to < input.from {
        problems.push(FieldProblem::new(
            "to",
            "must not be before the period's first day (from)",
        ));
    }
    let scheme = match input.scheme.as_deref() {
        None => None,
        Some(id) => match cpd::presets::get(id) {
            Some(preset) => Some(
                preset
                    .try_scheme()
                    .map_err(|e| ApiError::Internal(anyhow::anyhow!("CPD scheme {id}: {e}")))?,
            ),
            None => {
                let known: Vec<&str> = cpd::presets::all().iter().map(|p| p.id).collect();
                problems.push(FieldProblem::new(
                    "scheme",
                    format!("no CPD scheme {id} (schemes: {})", known.join(", ")),
                ));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: "the certificate's request has problems".to_owned(),
            errors: problems,
        });
    }
    let now = db::now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let person = db::people::find(conn, &society.id, &person_id)?
                .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
            let ledger = db::activities::ledger(conn, &person.id)?;
            let (attendance, leader_ids) = count(&ledger, input.from, input.to);
            if attendance.sessions_in_person + attendance.sessions_online == 0 {
                return Err(ApiError::unprocessable(
                    "from",
                    "there is no confirmed group attendance in this period to certify",
                ));
            }
            let mut leaders: Vec<String> = db::people::named(conn, &society.id, &leader_ids)?
                .iter()
                .map(|p| titled(p.title.as_deref(), &p.name()))
                .collect();
            leaders.sort();
            let assessment = scheme
                .as_ref()
                .map(|s| s.evaluate(&ledger, input.from, input.to));
            let wide = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            let certificate = Certificate {
                id: uuid::Uuid::new_v4().to_string(),
                code: new_code(),
                society_id: society.id.clone(),
                person_id: person.id.clone(),
                person_name: titled(person.title.as_deref(), &person.name()),
                society_name: society.name.clone(),
                period_from: input.from,
                period_to: input.to,
                sessions_in_person: wide(attendance.sessions_in_person),
                sessions_online: wide(attendance.sessions_online),
                minutes_in_person: wide(attendance.minutes_in_person),
                minutes_online: wide(attendance.minutes_online),
                leaders: serde_json::to_string(&leaders)
                    .map_err(|e| ApiError::Internal(anyhow::anyhow!("leaders: {e}")))?,
                scheme_id: scheme.as_ref().map(|s| s.id().as_str().to_owned()),
                scheme_title: scheme.as_ref().map(|s| s.title().to_owned()),
                scheme_met: assessment.as_ref().map(|a| a.met),
                issued_by_user_id: Some(actor.clone()),
                issued_at: now,
            };
            db::certificates::insert(conn, &certificate)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Create,
                    entity: audit::Entity::AttendanceCertificate,
                    entity_id: &certificate.id,
                    before: None,
                    after: Some(json!({
                        "person": certificate.person_id,
                        "from": certificate.period_from,
                        "to": certificate.period_to,
                        "sessions_in_person": certificate.sessions_in_person,
                        "sessions_online": certificate.sessions_online,
                        "scheme": certificate.scheme_id,
                        "scheme_met": certificate.scheme_met,
                    })),
                    at: now,
                },
            )?;
            Ok(Issued {
                certificate,
                assessment,
            })
        })
    })
    .await
}

/// The certificates issued to person `person_id` of society `slug`, newest
/// first: the person themself or the society's registrar.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
) -> Result<Vec<Certificate>, ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    db::run(&state.pool, move |conn| {
        db::people::find(conn, &society.id, &person_id)?
            .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
        db::certificates::for_person(conn, &society.id, &person_id)
    })
    .await
}

/// The assessment against its CPD scheme of the period of `certificate`,
/// one of person `person_id`'s, as their ledger stands now (the person
/// themself or the registrar): what the page shows after issuing it.
/// `None` when no scheme was chosen, or the certificate is not theirs.
pub async fn assessment(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    code: String,
) -> Result<Option<(Certificate, Option<CpdAssessment>)>, ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    let Some(code) = normalise_code(&code) else {
        return Ok(None);
    };
    db::run(&state.pool, move |conn| {
        let Some(certificate) = db::certificates::by_code(conn, &code)? else {
            return Ok(None);
        };
        if certificate.person_id != person_id || certificate.society_id != society.id {
            return Ok(None);
        }
        let scheme = certificate
            .scheme_id
            .as_deref()
            .and_then(cpd::presets::get)
            .and_then(|p| p.try_scheme().ok());
        let assessment = match scheme {
            Some(scheme) => {
                let ledger = db::activities::ledger(conn, &person_id)?;
                Some(scheme.evaluate(&ledger, certificate.period_from, certificate.period_to))
            }
            None => None,
        };
        Ok(Some((certificate, assessment)))
    })
    .await
}

/// The certificate with verification code `code` (anyone: the code is
/// what the holder shows). A code that is not one, or that no certificate
/// has, is not found alike.
pub async fn verify(state: &AppState, code: String) -> Result<Certificate, ApiError> {
    let not_found = || ApiError::NotFound("a certificate with this code".to_owned());
    let code = normalise_code(&code).ok_or_else(not_found)?;
    db::run(&state.pool, move |conn| {
        db::certificates::by_code(conn, &code)
    })
    .await?
    .ok_or_else(not_found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_read_back_however_typed() {
        let a = new_code();
        assert_eq!(a.len(), 29);
        assert_ne!(a, new_code());
        assert_eq!(normalise_code(&a.to_lowercase()), Some(a.clone()));
        assert_eq!(normalise_code(&a.replace('-', " ")), Some(a.clone()));
        assert_eq!(normalise_code(&a[1..]), None);
        assert_eq!(normalise_code(&a.replace(&a[0..1], "G")), None);
    }
}
