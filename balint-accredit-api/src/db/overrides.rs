//! Recorded overrides of a person's requirements for a tier: recognition
//! of prior learning and committee discretion, as credits or waivers with
//! a reason. Append-only; evaluation applies those recorded by its date.

use balint_core::evaluate::{Override, OverrideEffect, OverrideKind};
use balint_core::ids::{PersonId, TierId};
use balint_core::ledger::Amount;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::requirement_overrides;
use crate::db::{audit, DbConnection};
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// One override as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub id: String,
    pub society_id: String,
    pub person_id: String,
    /// The tier whose requirement it applies to.
    pub tier: TierId,
    /// The override as evaluation takes it; `recorded_by` is the login
    /// that recorded it.
    pub recorded: Override,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requirement_overrides)]
struct Row {
    id: String,
    society_id: String,
    person_id: String,
    tier: String,
    requirement: String,
    kind: String,
    credit_thousandths: Option<i64>,
    reason: String,
    recorded_on: NaiveDate,
    recorded_at: NaiveDateTime,
    recorded_by: Option<String>,
}

fn kind_word(kind: OverrideKind) -> &'static str {
    match kind {
        OverrideKind::RecognitionOfPriorLearning => "recognition_of_prior_learning",
        OverrideKind::CommitteeDiscretion => "committee_discretion",
    }
}

impl Row {
    fn from_stored(o: &StoredOverride) -> Result<Self, ApiError> {
        let credit_thousandths = match o.recorded.effect {
            OverrideEffect::Credit(amount) => Some(
                i64::try_from(amount.thousandths())
                    .map_err(|_| ApiError::unprocessable("amount", "is too large"))?,
            ),
            OverrideEffect::Waive => None,
        };
        Ok(Self {
            id: o.id.clone(),
            society_id: o.society_id.clone(),
            person_id: o.person_id.clone(),
            tier: o.tier.as_str().to_owned(),
            requirement: o.recorded.requirement.as_str().to_owned(),
            kind: kind_word(o.recorded.kind).to_owned(),
            credit_thousandths,
            reason: o.recorded.reason.clone(),
            recorded_on: o.recorded.recorded_on,
            recorded_at: o.recorded_at,
            recorded_by: Some(o.recorded.recorded_by.as_str().to_owned()),
        })
    }

    fn into_stored(self) -> Result<StoredOverride, ApiError> {
        let corrupt = |what: &str| {
            ApiError::Internal(anyhow::anyhow!(
                "requirement override {} has an invalid {what}",
                self.id
            ))
        };
        let kind = match self.kind.as_str() {
            "recognition_of_prior_learning" => OverrideKind::RecognitionOfPriorLearning,
            "committee_discretion" => OverrideKind::CommitteeDiscretion,
            _ => return Err(corrupt("kind")),
        };
        let effect = match self.credit_thousandths {
            Some(n) => OverrideEffect::Credit(Amount::from_thousandths(
                u64::try_from(n).map_err(|_| corrupt("credit"))?,
            )),
            None => OverrideEffect::Waive,
        };
        // Recorded by a login that has since gone: still an override, by nobody known.
        let recorded_by: PersonId = self
            .recorded_by
            .as_deref()
            .unwrap_or("unknown")
            .parse()
            .map_err(|_| corrupt("recorder"))?;
        Ok(StoredOverride {
            tier: self.tier.parse().map_err(|_| corrupt("tier"))?,
            recorded: Override {
                requirement: self
                    .requirement
                    .parse()
                    .map_err(|_| corrupt("requirement"))?,
                kind,
                effect,
                reason: self.reason,
                recorded_by,
                recorded_on: self.recorded_on,
            },
            id: self.id,
            society_id: self.society_id,
            person_id: self.person_id,
            recorded_at: self.recorded_at,
        })
    }
}

/// Store an override with its audit entry. Call it inside [`crate::db::write`].
pub fn insert(conn: &mut DbConnection, stored: &StoredOverride) -> Result<(), ApiError> {
    let row = Row::from_stored(stored)?;
    diesel::insert_into(requirement_overrides::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        audit::Change {
            actor_user_id: row.recorded_by.as_deref(),
            society_id: Some(&stored.society_id),
            action: audit::Action::Create,
            entity: audit::Entity::RequirementOverride,
            entity_id: &stored.id,
            before: None,
            after: Some(json!({
                "person_id": stored.person_id,
                "tier": stored.tier,
                "requirement": stored.recorded.requirement,
                "kind": row.kind,
                "effect": stored.recorded.effect,
                "reason": stored.recorded.reason,
                "recorded_on": stored.recorded.recorded_on,
            })),
            at: stored.recorded_at,
        },
    )?;
    Ok(())
}

/// The overrides of `person_id`'s requirements for `tier`, oldest first,
/// as evaluation takes them.
pub fn for_tier(
    conn: &mut DbConnection,
    person_id: &str,
    tier: &TierId,
) -> Result<Vec<Override>, ApiError> {
    requirement_overrides::table
        .filter(requirement_overrides::person_id.eq(person_id))
        .filter(requirement_overrides::tier.eq(tier.as_str()))
        .order((
            requirement_overrides::recorded_at.asc(),
            requirement_overrides::id.asc(),
        ))
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| row.into_stored().map(|s| s.recorded))
        .collect()
}

/// A page of `person_id`'s overrides, oldest first.
pub fn list(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    page: PageRequest,
) -> Result<Page<StoredOverride>, ApiError> {
    let filtered = || {
        requirement_overrides::table
            .filter(requirement_overrides::society_id.eq(society_id.to_owned()))
            .filter(requirement_overrides::person_id.eq(person_id.to_owned()))
            .into_boxed()
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let items = filtered()
        .order((
            requirement_overrides::recorded_at.asc(),
            requirement_overrides::id.asc(),
        ))
        .limit(page.limit())
        .offset(page.offset())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(Row::into_stored)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, page, total))
}
