//! Applications for a tier: the assessment made when the person applied,
//! frozen as it was, and the registrar's decision on it.

use std::fmt;
use std::str::FromStr;

use balint_core::register::Visibility;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::applications;
use crate::db::{audit, DbConnection};
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

macro_rules! stored_word {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The word stored and served.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok(Self::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of: {}",
                        [$($word),+].join(", ")
                    )),
                }
            }
        }
    };
}

stored_word! {
    /// Where an application stands.
    Status {
        /// Waiting for the registrar's decision.
        Pending => "pending",
        /// Granted: the tier is on the person's register entry.
        Granted => "granted",
        /// Declined.
        Declined => "declined",
    }
}

stored_word! {
    /// Why the application could be made.
    Basis {
        /// The frozen assessment says the person is eligible.
        Eligible => "eligible",
        /// Not eligible; the registrar recorded an override with a reason.
        Override => "override",
        /// An invitation-only tier, conferred by the registrar with a reason.
        Conferred => "conferred",
    }
}

/// The registrar's decision on an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Granted or declined.
    pub outcome: Status,
    pub effective: NaiveDate,
    pub reason: String,
    /// Whether the reason is shown on the public register (grants only).
    pub visibility: Visibility,
    pub decided_at: NaiveDateTime,
    /// The login that decided.
    pub decided_by: Option<String>,
    /// The registration number of the person's entry, on a grant.
    pub registration: Option<String>,
    /// The last day of the entry's cycle, where the tier has one.
    pub valid_until: Option<NaiveDate>,
}

/// One application as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub id: String,
    pub society_id: String,
    pub person_id: String,
    pub tier: String,
    pub basis: Basis,
    /// The registrar's reason for an override or a conferral.
    pub basis_reason: Option<String>,
    /// The applicant's note.
    pub note: Option<String>,
    /// The pathway version the assessment was made against.
    pub pathway_version_number: i32,
    /// Whether the frozen assessment found the person eligible.
    pub eligible: bool,
    /// balint-core's assessment as it was when the person applied.
    pub assessment: Value,
    pub status: Status,
    pub applied_at: NaiveDateTime,
    /// The login that applied (the person or the registrar).
    pub applied_by: Option<String>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = applications)]
struct Row {
    id: String,
    society_id: String,
    person_id: String,
    tier: String,
    basis: String,
    basis_reason: Option<String>,
    note: Option<String>,
    pathway_version_number: i32,
    eligible: bool,
    assessment: String,
    status: String,
    applied_at: NaiveDateTime,
    applied_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decided_by: Option<String>,
    effective: Option<NaiveDate>,
    decision_reason: Option<String>,
    decision_visibility: Option<String>,
    registration: Option<String>,
    valid_until: Option<NaiveDate>,
}

fn visibility_word(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Public => "public",
        Visibility::Confidential => "confidential",
    }
}

impl Row {
    fn from_application(a: &Application) -> Self {
        let decision = a.decision.as_ref();
        Self {
            id: a.id.clone(),
            society_id: a.society_id.clone(),
            person_id: a.person_id.clone(),
            tier: a.tier.clone(),
            basis: a.basis.as_str().to_owned(),
            basis_reason: a.basis_reason.clone(),
            note: a.note.clone(),
            pathway_version_number: a.pathway_version_number,
            eligible: a.eligible,
            assessment: a.assessment.to_string(),
            status: a.status.as_str().to_owned(),
            applied_at: a.applied_at,
            applied_by: a.applied_by.clone(),
            decided_at: decision.map(|d| d.decided_at),
            decided_by: decision.and_then(|d| d.decided_by.clone()),
            effective: decision.map(|d| d.effective),
            decision_reason: decision.map(|d| d.reason.clone()),
            decision_visibility: decision.map(|d| visibility_word(d.visibility).to_owned()),
            registration: decision.and_then(|d| d.registration.clone()),
            valid_until: decision.and_then(|d| d.valid_until),
        }
    }

    fn into_application(self) -> Result<Application, ApiError> {
        let corrupt = |what: &str, e: &dyn fmt::Display| {
            ApiError::Internal(anyhow::anyhow!(
                "application {} has an invalid {what}: {e}",
                self.id
            ))
        };
        let status: Status = self.status.parse().map_err(|e| corrupt("status", &e))?;
        let basis: Basis = self.basis.parse().map_err(|e| corrupt("basis", &e))?;
        let assessment: Value =
            serde_json::from_str(&self.assessment).map_err(|e| corrupt("assessment", &e))?;
        let decision = match (
            status,
            self.decided_at,
            self.effective,
            self.decision_reason.clone(),
        ) {
            (Status::Pending, ..) => None,
            (outcome, Some(decided_at), Some(effective), Some(reason)) => Some(Decision {
                outcome,
                effective,
                reason,
                visibility: match self.decision_visibility.as_deref() {
                    Some("confidential") => Visibility::Confidential,
                    _ => Visibility::Public,
                },
                decided_at,
                decided_by: self.decided_by.clone(),
                registration: self.registration.clone(),
                valid_until: self.valid_until,
            }),
            _ => return Err(corrupt("decision", &"decided without its date or reason")),
        };
        Ok(Application {
            id: self.id,
            society_id: self.society_id,
            person_id: self.person_id,
            tier: self.tier,
            basis,
            basis_reason: self.basis_reason,
            note: self.note,
            pathway_version_number: self.pathway_version_number,
            eligible: self.eligible,
            assessment,
            status,
            applied_at: self.applied_at,
            applied_by: self.applied_by,
            decision,
        })
    }
}

fn audit_values(a: &Application) -> Value {
    json!({
        "person_id": a.person_id,
        "tier": a.tier,
        "basis": a.basis.as_str(),
        "basis_reason": a.basis_reason,
        "eligible": a.eligible,
        "pathway_version_number": a.pathway_version_number,
        "status": a.status.as_str(),
    })
}

/// Whether `person_id` has an application for `tier` waiting for a decision.
pub fn has_pending(conn: &mut DbConnection, person_id: &str, tier: &str) -> Result<bool, ApiError> {
    let count = applications::table
        .filter(applications::person_id.eq(person_id))
        .filter(applications::tier.eq(tier))
        .filter(applications::status.eq(Status::Pending.as_str()))
        .count()
        .get_result::<i64>(conn)?;
    Ok(count > 0)
}

fn already_pending(a: &Application) -> ApiError {
    ApiError::Conflict(format!(
        "person {} already has a pending application for tier {}",
        a.person_id, a.tier
    ))
}

/// Store a new application with its audit entry. Call it inside
/// [`crate::db::write`]. 409 when the person already has a pending
/// application for the tier, also one made at the same moment (the
/// database allows one pending application per person and tier).
pub fn insert(conn: &mut DbConnection, application: &Application) -> Result<(), ApiError> {
    if has_pending(conn, &application.person_id, &application.tier)? {
        return Err(already_pending(application));
    }
    diesel::insert_into(applications::table)
        .values(Row::from_application(application))
        .execute(conn)
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => already_pending(application),
            other => other,
        })?;
    audit::record(
        conn,
        audit::Change {
            actor_user_id: application.applied_by.as_deref(),
            society_id: Some(&application.society_id),
            action: audit::Action::Create,
            entity: audit::Entity::Application,
            entity_id: &application.id,
            before: None,
            after: Some(audit_values(application)),
            at: application.applied_at,
        },
    )?;
    Ok(())
}

/// Application `id` of `society_id`, if it exists.
pub fn find(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<Option<Application>, ApiError> {
    applications::table
        .filter(applications::society_id.eq(society_id))
        .filter(applications::id.eq(id))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(Row::into_application)
        .transpose()
}

fn page_of(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: Option<&str>,
    status: Option<Status>,
    page: PageRequest,
) -> Result<Page<Application>, ApiError> {
    let filtered = || {
        let mut query = applications::table
            .filter(applications::society_id.eq(society_id.to_owned()))
            .into_boxed();
        if let Some(person_id) = person_id {
            query = query.filter(applications::person_id.eq(person_id.to_owned()));
        }
        if let Some(status) = status {
            query = query.filter(applications::status.eq(status.as_str()));
        }
        query
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let items = filtered()
        .order((applications::applied_at.asc(), applications::id.asc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(Row::into_application)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, page, total))
}

/// A page of `society_id`'s applications (with `status`, if given),
/// oldest first.
pub fn list_for_society(
    conn: &mut DbConnection,
    society_id: &str,
    status: Option<Status>,
    page: PageRequest,
) -> Result<Page<Application>, ApiError> {
    page_of(conn, society_id, None, status, page)
}

/// A page of `person_id`'s applications (with `status`, if given), oldest
/// first.
pub fn list_for_person(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    status: Option<Status>,
    page: PageRequest,
) -> Result<Page<Application>, ApiError> {
    page_of(conn, society_id, Some(person_id), status, page)
}

/// What a grant put on the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub registration: String,
    pub valid_until: Option<NaiveDate>,
}

/// Record `decision` on `application`, then run `register` (the grant on
/// the register, for a grant) and keep what it returns with the decision.
/// Call it inside [`crate::db::write`], so a refused grant leaves the
/// application pending. An application is decided once: 409 when it was
/// decided already, also by a decision arriving at the same moment (only
/// one update finds it pending, and it holds the row until it commits).
pub fn decide(
    conn: &mut DbConnection,
    application: &Application,
    mut decision: Decision,
    register: impl FnOnce(&mut DbConnection) -> Result<Option<Registered>, ApiError>,
) -> Result<Decision, ApiError> {
    let claimed = diesel::update(
        applications::table
            .filter(applications::id.eq(&application.id))
            .filter(applications::status.eq(Status::Pending.as_str())),
    )
    .set((
        applications::status.eq(decision.outcome.as_str()),
        applications::decided_at.eq(decision.decided_at),
        applications::decided_by.eq(&decision.decided_by),
        applications::effective.eq(decision.effective),
        applications::decision_reason.eq(&decision.reason),
        applications::decision_visibility.eq(visibility_word(decision.visibility)),
    ))
    .execute(conn)?;
    if claimed != 1 {
        return Err(ApiError::Conflict(format!(
            "application {} has been decided already",
            application.id
        )));
    }
    if let Some(registered) = register(conn)? {
        diesel::update(applications::table.filter(applications::id.eq(&application.id)))
            .set((
                applications::registration.eq(&registered.registration),
                applications::valid_until.eq(registered.valid_until),
            ))
            .execute(conn)?;
        decision.registration = Some(registered.registration);
        decision.valid_until = registered.valid_until;
    }
    audit::record(
        conn,
        audit::Change {
            actor_user_id: decision.decided_by.as_deref(),
            society_id: Some(&application.society_id),
            action: audit::Action::Update,
            entity: audit::Entity::Application,
            entity_id: &application.id,
            before: Some(json!({ "status": application.status.as_str() })),
            after: Some(json!({
                "status": decision.outcome.as_str(),
                "effective": decision.effective,
                "reason": decision.reason,
                "registration": decision.registration,
                "valid_until": decision.valid_until,
            })),
            at: decision.decided_at,
        },
    )?;
    Ok(decision)
}
