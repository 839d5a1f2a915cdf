//! A person's ledger: recording experience, reading it, and its
//! attestation by the attestor a record names (or the registrar).

mod attest;
mod bulk;
mod change;
mod record;

pub use attest::{
    attest, attest_many, waiting, AttestError, Attestation, Verdict, Waiting, MAX_BULK,
};
pub use bulk::{
    begin_bulk, person_for_operator, record_all, record_all_for_operator, BulkProgress, BulkUpload,
};
pub use change::{change, find, one, withdraw};
pub use record::{browse, portfolio, record, Recorded};

use balint_core::PersonId;
use serde_json::Value;

use crate::auth::Caller;
use crate::db::activities::StoredActivity;
use crate::db::{audit, people::Person, societies::Society};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// The society and the person of a ledger, once the caller is known to
/// act on it: the person themself, or the society's registrar.
/// Unauthenticated without a signed-in caller; not found for an unknown
/// society or person; forbidden to anyone else. The same as reading the
/// person's record ([`crate::actions::people::one`]).
pub async fn owner(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
) -> Result<(Society, Person), ApiError> {
    crate::actions::people::one(state, caller, slug, person_id).await
}

/// The record's problems, sorted by field, as one refusal.
pub fn refused(mut problems: Vec<FieldProblem>) -> ApiError {
    problems.sort_by(|a, b| a.field.cmp(&b.field));
    ApiError::Unprocessable {
        detail: "the record has invalid fields".to_owned(),
        errors: problems,
    }
}

/// The person's id as the ledger holds it.
pub fn person_id_of(person: &Person) -> Result<PersonId, ApiError> {
    PersonId::try_from(person.id.as_str())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("person id {}: {e}", person.id)))
}

/// The audit record of a change to `s`.
pub fn audit_change<'a>(
    actor: Option<&'a str>,
    s: &'a StoredActivity,
    id: &'a str,
    action: audit::Action,
    before: Option<Value>,
    after: Option<Value>,
) -> audit::Change<'a> {
    audit::Change {
        actor_user_id: actor,
        society_id: Some(&s.society_id),
        action,
        entity: audit::Entity::Activity,
        entity_id: id,
        before,
        after,
        at: s.updated_at,
    }
}
