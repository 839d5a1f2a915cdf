//! Attestation: the named attestor (or the registrar) confirms or rejects
//! a record, once; attestors see what waits for them.

use std::collections::HashMap;

use serde_json::json;

use crate::actions::refusal::{failed_as, find_society, Access, Failure};
use crate::auth::{permissions, Caller};
use crate::db::activities::{Decision, Status, StoredActivity};
use crate::db::{self, audit};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 2000;

/// What the attestor decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The record is true: it counts.
    Confirm,
    /// The record is not right: it does not count.
    Reject,
}

/// A decision on a record, as the attestor gives it.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// Confirm or reject.
    pub verdict: Verdict,
    /// Up to 2000 characters; required when rejecting (the reason the
    /// trainee sees).
    pub comment: Option<String>,
}

/// Why an attestation is refused.
#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    /// Not signed in, no such society, or no role in it.
    #[error(transparent)]
    Access(#[from] Access),
    /// The society has no record `id` (or the caller may not see it).
    #[error("no record {0}")]
    NoSuchRecord(String),
    /// The caller's own record: nobody attests their own, whatever their
    /// role.
    #[error("you cannot attest your own record")]
    OwnRecord,
    /// Neither the attestor the record names nor the society's registrar.
    #[error("you are not the record's attestor, nor the society's registrar")]
    NotAttestor,
    /// The decision has problems (a rejection without a comment, a comment
    /// too long), every one named.
    #[error("the decision has problems")]
    Invalid(Vec<FieldProblem>),
    /// The record was decided (or withdrawn) already, also by a decision
    /// arriving at the same moment.
    #[error("the record has already been decided (or withdrawn)")]
    AlreadyDecided,
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] Failure),
}

failed_as!(AttestError);

/// Confirm or reject record `id` of society `slug`: the attestor it names,
/// or the registrar, never its owner. A record is decided once: a second
/// decision, also one arriving at the same moment, is refused as already
/// decided. Returns the society's slug and the record as decided; the
/// audit log keeps the decision.
///
/// Refused without a signed-in caller; for an unknown society or record,
/// or a caller with no role in the society (told alike); to the owner and
/// to anyone but the attestor and the registrar; for a rejection without
/// a comment or a comment too long.
pub async fn attest(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
    attestation: Attestation,
) -> Result<(String, StoredActivity), AttestError> {
    Access::signed_in(caller)?;
    let asking = caller.clone();
    let found = db::run_as(&state.pool, move |conn| {
        let society =
            find_society(conn, &slug)?.ok_or_else(|| Access::NoSuchSociety(slug.clone()))?;
        // Nobody outside the society learns whether the record exists.
        Access::in_society(&asking, &society.id)?;
        let record =
            db::activities::find(conn, &society.id, &id)?.ok_or(AttestError::NoSuchRecord(id))?;
        Ok::<_, AttestError>((society, record))
    })
    .await?;
    let (society, record) = found;
    let decision = judged(caller, &society.id, &record, attestation)?;
    let decided = db::run_as(&state.pool, move |conn| land(conn, &record, &decision)).await?;
    Ok((society.slug, decided))
}

/// The decision `attestation` on `record` by `caller`, once they may make
/// it and it has no problems.
fn judged(
    caller: &Caller,
    society_id: &str,
    record: &StoredActivity,
    attestation: Attestation,
) -> Result<Decision, AttestError> {
    let owner = record.activity.person.as_str();
    if permissions::person_in(caller, society_id) == Some(owner) {
        return Err(AttestError::OwnRecord);
    }
    let user = permissions::require_attestor_or_registrar(
        caller,
        society_id,
        owner,
        record.activity.attestor.as_ref().map(|a| a.as_str()),
    )
    .map_err(|_| AttestError::NotAttestor)?;
    let comment = attestation
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let mut problems = Vec::new();
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT)
    {
        problems.push(FieldProblem::new(
            "comment",
            "must be at most 2000 characters",
        ));
    }
    if attestation.verdict == Verdict::Reject && comment.is_none() {
        problems.push(FieldProblem::new(
            "comment",
            "is required when rejecting: say why, for the trainee",
        ));
    }
    if !problems.is_empty() {
        return Err(AttestError::Invalid(problems));
    }
    Ok(Decision {
        status: match attestation.verdict {
            Verdict::Confirm => Status::Confirmed,
            Verdict::Reject => Status::Rejected,
        },
        by_user_id: Some(user.user_id.clone()),
        by_person_id: permissions::person_in(caller, society_id).map(str::to_owned),
        at: db::now(),
        comment,
    })
}

/// `decision` landed on `record` in its own transaction, with its audit
/// record.
fn land(
    conn: &mut db::DbConnection,
    record: &StoredActivity,
    decision: &Decision,
) -> Result<StoredActivity, AttestError> {
    db::write_as(conn, |conn| {
        let id = record.activity.id.to_string();
        // The decision lands only on a pending record: of many at once,
        // exactly one changes the row.
        if !db::activities::decide(conn, &id, decision)? {
            return Err(AttestError::AlreadyDecided);
        }
        let decided = db::activities::find(conn, &record.society_id, &id)?
            .ok_or_else(|| AttestError::NoSuchRecord(id.clone()))?;
        audit::record(
            conn,
            audit::Change {
                actor_user_id: decision.by_user_id.as_deref(),
                society_id: Some(&record.society_id),
                action: audit::Action::Update,
                entity: audit::Entity::Activity,
                entity_id: &id,
                before: Some(json!({ "status": record.status.as_str() })),
                after: Some(json!({
                    "status": decision.status.as_str(),
                    "decided_by_person": decision.by_person_id,
                    "comment": decision.comment,
                })),
                at: decision.at,
            },
        )?;
        Ok(decided)
    })
}

/// Most decisions one bulk attestation takes.
pub const MAX_BULK: usize = 1000;

/// How many decisions of a bulk attestation one transaction commits: few
/// enough that SQLite's write lock is not held long, many enough that a
/// commit's wait for the disk is shared.
pub const COMMIT_EVERY: usize = 100;

/// Decide many records of society `slug` at once, each as [`attest`]
/// decides one, in a savepoint of its own (committed a hundred at a
/// time): one refused (already decided, not the caller's to decide, a
/// rejection without a comment) does not stop or undo the others. Returns
/// the society's slug and, in the order given, each record as decided or
/// why it was not.
///
/// Refused as a whole only without a signed-in caller, for an unknown
/// society or a caller with no role in it, or for more than [`MAX_BULK`]
/// decisions.
pub async fn attest_many(
    state: &AppState,
    caller: &Caller,
    slug: String,
    decisions: Vec<(String, Attestation)>,
) -> Result<(String, Vec<Result<StoredActivity, AttestError>>), AttestError> {
    Access::signed_in(caller)?;
    let asking = caller.clone();
    let count = decisions.len();
    db::run_as(&state.pool, move |conn| {
        let society =
            find_society(conn, &slug)?.ok_or_else(|| Access::NoSuchSociety(slug.clone()))?;
        Access::in_society(&asking, &society.id)?;
        if count > MAX_BULK {
            return Err(AttestError::Invalid(vec![FieldProblem::new(
                "decisions",
                format!("at most {MAX_BULK} at once ({count} given): send them in parts"),
            )]));
        }
        let mut results = Vec::with_capacity(count);
        let mut decisions = decisions.into_iter().peekable();
        while decisions.peek().is_some() {
            // Each decision lands in a savepoint of its own (`land` nests
            // in this transaction): one refused is undone alone. A commit
            // per batch, not per decision (on PostgreSQL each commit waits
            // for the disk).
            let batch: Vec<_> = decisions.by_ref().take(COMMIT_EVERY).collect();
            let landed = db::write_as(conn, |conn| {
                Ok::<_, AttestError>(
                    batch
                        .into_iter()
                        .map(|(id, attestation)| {
                            let record = db::activities::find(conn, &society.id, &id)?
                                .ok_or_else(|| AttestError::NoSuchRecord(id.clone()))?;
                            let decision = judged(&asking, &society.id, &record, attestation)?;
                            land(conn, &record, &decision)
                        })
                        .collect::<Vec<_>>(),
                )
            })?;
            results.extend(landed);
        }
        Ok((society.slug, results))
    })
    .await
}

/// The records that name the caller as their attestor, with the slug of
/// each one's society.
#[derive(Debug)]
pub struct Waiting {
    /// The page, oldest recorded first.
    pub page: Page<StoredActivity>,
    /// Each society's slug, by its id.
    pub slugs: HashMap<String, String>,
}

impl Waiting {
    /// The slug of the society `record` belongs to.
    pub fn slug_of(&self, record: &StoredActivity) -> &str {
        self.slugs
            .get(&record.society_id)
            .map_or("", String::as_str)
    }
}

/// The records that name the caller as their attestor, in every society
/// where their login is a person, oldest recorded first; only those with
/// `status` (all when `None`). `query` is the page and status as the
/// adapter read them; a query it could not read is refused once the
/// caller is known to be signed in.
pub async fn waiting(
    state: &AppState,
    caller: &Caller,
    query: Result<(PageRequest, Option<Status>), ApiError>,
) -> Result<Waiting, ApiError> {
    let user = permissions::require_user(caller)?;
    let (page, status) = query?;
    let slugs: HashMap<String, String> = user
        .roles
        .iter()
        .map(|r| (r.society_id.clone(), r.society_slug.clone()))
        .collect();
    let persons: Vec<String> = user
        .roles
        .iter()
        .filter_map(|r| r.person_id.clone())
        .collect();
    let page = db::run(&state.pool, move |conn| {
        db::activities::naming_attestor(conn, &persons, status, page)
    })
    .await?;
    Ok(Waiting { page, slugs })
}
