//! Applications for a tier, and the registrar's decision on them.
//!
//! Applying evaluates the person's ledger with the same code as progress,
//! as of today, and freezes the assessment into the application: later
//! records, attestations or pathway versions do not rewrite it. A person
//! who is not eligible is refused with every shortfall, unless the
//! registrar records an override with a reason; an invitation-only tier is
//! never applied for, only conferred by the registrar with a reason. A
//! grant puts the tier on the person's register entry (a new entry gets the
//! society's next registration number) in the same transaction.

mod apply;
mod decide;
mod list;

use std::collections::HashMap;

use balint_core::evaluate::{Assessment, PrerequisiteResult};

use crate::db::applications::Application;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, FieldProblem};

pub use apply::{apply, ApplicationRequest, Applied, ApplyError};
pub use decide::{decide, DecideError, DecisionRequest, Outcome};
pub use list::{for_person, for_society, one, Listed, Shown};

/// Longest note or reason accepted, in characters.
pub const MAX_TEXT: usize = 2000;

/// An application with the name of the person it is for.
#[derive(Debug)]
pub struct Named {
    /// The application.
    pub application: Application,
    /// The person's name.
    pub person_name: String,
}

impl Named {
    /// The tier's name as the frozen assessment gives it (its id where an
    /// older assessment has none).
    pub fn tier_name(&self) -> &str {
        self.application.assessment["tier_name"]
            .as_str()
            .unwrap_or(&self.application.tier)
    }
}

/// The names of the people of `applications`, by id.
fn names(
    conn: &mut DbConnection,
    society_id: &str,
    applications: &[Application],
) -> Result<HashMap<String, String>, ApiError> {
    let mut names = HashMap::new();
    for application in applications {
        if names.contains_key(&application.person_id) {
            continue;
        }
        let person =
            db::people::find(conn, society_id, &application.person_id)?.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!(
                    "the person of application {} is missing",
                    application.id
                ))
            })?;
        names.insert(application.person_id.clone(), person.name());
    }
    Ok(names)
}

/// A reason that must be given: trimmed, not empty, not too long.
/// `text` trimmed, or a problem at `field` when it is empty or longer than
/// 2000 characters.
pub fn reason_text(field: &str, text: &str, problems: &mut Vec<FieldProblem>) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        problems.push(FieldProblem::new(field, "is required"));
        None
    } else if text.chars().count() > MAX_TEXT {
        problems.push(FieldProblem::new(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
        None
    } else {
        Some(text.to_owned())
    }
}

/// Every shortfall of `assessment`, one problem each: an unmet prerequisite
/// at `prerequisites.{tier}`, each shortfall of an unmet mandatory
/// requirement (or of its unmet part) at `requirements.{id}` with its title
/// and what is missing. Renewals refused list theirs the same way.
pub fn shortfalls(assessment: &Assessment<'_>) -> Vec<FieldProblem> {
    let mut errors = prerequisite_shortfalls(&assessment.prerequisites);
    for shortfall in Assessment::shortfalls(&assessment.mandatory) {
        errors.push(FieldProblem::new(
            format!("requirements.{}", shortfall.requirement.id),
            format!("{}: {}", shortfall.requirement.title, shortfall.words),
        ));
    }
    errors
}

/// Every unmet prerequisite of `prerequisites`, one problem each at
/// `prerequisites.{tier}`, naming the tier and the months it must be held.
/// Direct grants on the register refuse theirs the same way.
pub fn prerequisite_shortfalls(prerequisites: &[PrerequisiteResult]) -> Vec<FieldProblem> {
    prerequisites
        .iter()
        .filter(|p| !p.met)
        .map(|p| {
            // The tier by its name (its id where an older assessment has none).
            let name = if p.tier_name.is_empty() {
                p.tier.to_string()
            } else {
                p.tier_name.clone()
            };
            let message = match (p.held_since, p.min_months) {
                (None, None) => format!("{name} must be held first"),
                (None, Some(months)) => {
                    format!("{name} must be held first, for at least {months} months")
                }
                (Some(since), Some(months)) => {
                    format!("{name} must be held for at least {months} months (held since {since})")
                }
                (Some(since), None) => {
                    format!("{name} must be held first (held only from {since})")
                }
            };
            FieldProblem::new(format!("prerequisites.{}", p.tier), message)
        })
        .collect()
}
