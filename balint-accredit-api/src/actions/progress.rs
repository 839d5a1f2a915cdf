//! A person's progress towards a tier, as balint-core evaluates their
//! ledger against the pathway version that applies to them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use balint_core::evaluate::{Assessment, Candidate, HeldTier, Inputs};
use balint_core::ledger::Activity;
use balint_core::register::{Register, RegisterEntry};
use balint_core::{PersonId, TierId};
use chrono::NaiveDate;

use crate::auth::{permissions, Caller};
use crate::db::{self, people::Person, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// The ledgers a server read for evaluation, each kept with the version of
/// the ledger it was read at (see [`db::activities::ledger_version`]): a
/// ledger is read again only when a write to it, by anyone, moved its
/// version, so a person's progress reads one row, not their records, while
/// their ledger stays as it is. Up to [`Ledgers::KEPT`] records in all are
/// kept (then emptied and read again as asked for).
#[derive(Debug, Default)]
pub struct Ledgers {
    held: Mutex<LedgersHeld>,
}

#[derive(Debug, Default)]
struct LedgersHeld {
    by_person: HashMap<String, (i64, Arc<Vec<Activity>>)>,
    records: usize,
}

impl Ledgers {
    /// How many records in all the ledgers kept may hold.
    pub const KEPT: usize = 500_000;

    /// `person_id`'s ledger as [`db::activities::ledger`] reads it: from
    /// memory when its version has not moved since it was read.
    pub fn ledger(
        &self,
        conn: &mut DbConnection,
        person_id: &str,
    ) -> Result<Arc<Vec<Activity>>, ApiError> {
        // The version before the records: a write landing in between
        // leaves the copy newer than its version (read again next time),
        // never older.
        let version = db::activities::ledger_version(conn, person_id)?;
        let known = {
            let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            held.by_person
                .get(person_id)
                .filter(|(at, _)| *at == version)
                .map(|(_, ledger)| Arc::clone(ledger))
        };
        if let Some(ledger) = known {
            return Ok(ledger);
        }
        let ledger = Arc::new(db::activities::ledger(conn, person_id)?);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.records + ledger.len() > Self::KEPT {
            held.by_person.clear();
            held.records = 0;
        }
        if let Some((_, old)) = held
            .by_person
            .insert(person_id.to_owned(), (version, Arc::clone(&ledger)))
        {
            held.records -= old.len();
        }
        held.records += ledger.len();
        Ok(ledger)
    }
}

/// A person's progress towards a tier, as of a day.
#[derive(Debug)]
pub struct Progress {
    /// The person's society.
    pub society: Society,
    /// The number of the society's pathway version evaluated against: the
    /// one in force when the person entered the pathway.
    pub pathway_version_number: i32,
    /// balint-core's assessment, with its full explanation.
    pub assessment: Assessment<'static>,
}

/// The progress of person `person_id` of society `slug` towards `tier` as
/// of `as_of`: the person themself, or the society's registrar.
///
/// Unauthenticated without a signed-in caller; not found for an unknown
/// society or person; forbidden to anyone else; a conflict when the
/// society has no pathway yet; unprocessable for a tier the pathway does
/// not have.
pub async fn progress(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    tier: TierId,
    as_of: NaiveDate,
) -> Result<Progress, ApiError> {
    permissions::require_user(caller)?;
    let society = db::run(&state.pool, move |conn| db::societies::by_slug(conn, &slug)).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    let society_id = society.id.clone();
    let ledgers = Arc::clone(&state.ledgers);
    let (number, assessment, _) = db::run(&state.pool, move |conn| {
        assess_with_ledger(conn, Some(&ledgers), &society_id, &person_id, &tier, as_of)
    })
    .await?;
    Ok(Progress {
        society,
        pathway_version_number: number,
        assessment,
    })
}

/// Everything evaluation needs, read in a few queries, and the assessment.
pub fn assess(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    tier: &TierId,
    as_of: NaiveDate,
) -> Result<(i32, Assessment<'static>), ApiError> {
    assess_with_ledger(conn, None, society_id, person_id, tier, as_of)
        .map(|(number, assessment, _)| (number, assessment))
}

/// As [`assess`], with the ledger evaluated (as
/// [`db::activities::ledger`] reads it), for a page that shows its records;
/// the ledger from `ledgers` when given (see [`Ledgers`]).
pub fn assess_with_ledger(
    conn: &mut DbConnection,
    ledgers: Option<&Ledgers>,
    society_id: &str,
    person_id: &str,
    tier: &TierId,
    as_of: NaiveDate,
) -> Result<(i32, Assessment<'static>, Arc<Vec<Activity>>), ApiError> {
    let person = db::people::find(conn, society_id, person_id)?
        .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
    let entered = person.entered_pathway_on.unwrap_or(as_of);
    let version = db::pathways::applicable(conn, society_id, entered)?
        .ok_or_else(|| ApiError::Conflict("the society has no pathway yet".to_owned()))?;
    let pathway = &version.pathway;
    if pathway.tier(tier).is_none() {
        let known: Vec<&str> = pathway.tiers().iter().map(|t| t.id.as_str()).collect();
        return Err(ApiError::Unprocessable {
            detail: "the request has invalid fields".to_owned(),
            errors: vec![FieldProblem::new(
                "tier",
                format!(
                    "the pathway has no tier {tier} (tiers: {})",
                    known.join(", ")
                ),
            )],
        });
    }
    let Evidence {
        ledger,
        register,
        candidate,
    } = evidence_with(conn, ledgers, society_id, &person, as_of)?;
    let overrides = db::overrides::for_tier(conn, person_id, tier)?;
    let assessment = Inputs::new(pathway, &candidate, &ledger, as_of)
        .with_register(&register)
        .with_overrides(&overrides)
        .evaluate(tier)
        .map_err(|e| ApiError::unprocessable("tier", e.to_string()))?
        // Returned with the ledger it borrows its record ids from.
        .into_owned();
    Ok((version.summary.number, assessment, ledger))
}

/// What evaluating a person reads besides the pathway: their ledger, the
/// register entries of the people it names, and the person as a candidate.
#[derive(Debug)]
pub struct Evidence {
    /// The person's records, as [`db::activities::ledger`] reads them.
    pub ledger: Arc<Vec<Activity>>,
    /// The register entries of the person and of everyone named as
    /// co-leader or supervisor, for conditions on the tier they held on
    /// each session's date.
    pub register: Register,
    /// The person with their backgrounds, entry date and the tiers they
    /// hold on `as_of`.
    pub candidate: Candidate,
}

/// Read the [`Evidence`] for evaluating `person` as of `as_of`, in a few
/// queries.
pub fn evidence(
    conn: &mut DbConnection,
    society_id: &str,
    person: &Person,
    as_of: NaiveDate,
) -> Result<Evidence, ApiError> {
    evidence_with(conn, None, society_id, person, as_of)
}

/// As [`evidence`], the ledger from `ledgers` when given.
pub fn evidence_with(
    conn: &mut DbConnection,
    ledgers: Option<&Ledgers>,
    society_id: &str,
    person: &Person,
    as_of: NaiveDate,
) -> Result<Evidence, ApiError> {
    let person_id = person.id.as_str();
    let ledger = match ledgers {
        Some(ledgers) => ledgers.ledger(conn, person_id)?,
        None => Arc::new(db::activities::ledger(conn, person_id)?),
    };
    let me = PersonId::try_from(person_id)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("person id {person_id}: {e}")))?;
    // Only the people the evaluation asks about: the person and everyone
    // named as co-leader or supervisor.
    let mut named: Vec<PersonId> = ledger
        .iter()
        .flat_map(|a| [&a.co_leader, &a.supervisor])
        .flatten()
        .cloned()
        .collect();
    named.push(me.clone());
    named.sort();
    named.dedup();
    let register = db::register::load_for_people(conn, society_id, &named)?;
    let candidate = candidate(person, me.clone(), register.entry_for(&me), as_of);
    Ok(Evidence {
        ledger,
        register,
        candidate,
    })
}

/// `person` as a candidate on `as_of`: their backgrounds, the day they
/// entered the pathway, and the tiers their register `entry` (if any)
/// holds that day, each since the day it was first granted.
pub fn candidate(
    person: &Person,
    id: PersonId,
    entry: Option<&RegisterEntry>,
    as_of: NaiveDate,
) -> Candidate {
    let tiers_held = entry
        .map(|entry| {
            entry
                .tiers_held_on(as_of)
                .into_iter()
                .map(|t| HeldTier {
                    tier: t.tier,
                    since: t.reached,
                })
                .collect()
        })
        .unwrap_or_default();
    Candidate {
        person: id,
        backgrounds: person.backgrounds.clone(),
        entered_pathway: person.entered_pathway_on,
        tiers_held,
    }
}
