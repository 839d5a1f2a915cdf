//! Renewals for the next cycle, with how each was assessed.

use actix_web::web;
use balint_core::evaluate::Assessment;
use balint_core::register::Visibility;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entries::{registrar_view, RegistrarEntryView};
use crate::actions::register::renew::{self as action, Basis, RenewalInput};
use crate::auth::Caller;
use crate::day::Day;
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::routes::applications::ReasonInput;
use crate::state::AppState;

/// A renewal for the next cycle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalRequest {
    /// The day the renewal is recorded as taking effect. The renewal
    /// requirements are assessed as of this day: records dated after it
    /// do not count. YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why, e.g. the renewal requirements met.
    pub reason: String,
    /// `public` or `confidential`: whether the reason is shown on the
    /// public register (the renewal itself always is). Default `public`,
    /// or `confidential` for a renewal by override, whose reason says why
    /// the requirements were not met.
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
    /// Registrar: renew although the renewal requirements are not met,
    /// with the reason (e.g. the committee's discretion after a year of
    /// illness); up to 2000 characters. Written into the renewal's reason
    /// in the entry's history, and kept with the assessment in the audit
    /// log. Refused (422) when the requirements are met.
    #[serde(rename = "override")]
    pub overriding: Option<ReasonInput>,
}

/// What allowed a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalBasis {
    /// The renewal requirements were met over the cycle.
    Met,
    /// They were not met; the registrar renewed by override, with a reason.
    Override,
    /// The tier's renewal rule sets no requirements.
    NoRequirements,
}

/// How a renewal was assessed. The same record is kept in the audit log
/// (entity `renewal`, the entry's id).
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalAssessment {
    pub basis: RenewalBasis,
    /// The registrar's reason, on a renewal by override.
    pub override_reason: Option<String>,
    /// The tier whose renewal rule applied: the highest tier of the entry
    /// that the pathway renews.
    pub tier: String,
    /// The number of the society's pathway version the rule was taken
    /// from: the one that applies to the person.
    pub pathway_version_number: i32,
    /// The first day of the cycle whose records were assessed.
    pub cycle_first_day: NaiveDate,
    /// Its last day.
    pub cycle_last_day: NaiveDate,
    /// balint-core's assessment of the renewal requirements over the
    /// cycle, as of `effective` (null when the rule sets none): per
    /// requirement, what is required and achieved, the records that
    /// counted, those that did not and why (e.g. outside the cycle), the
    /// pending records that would count once attested, and what is missing.
    #[schema(value_type = Option<Object>)]
    pub assessment: Option<Assessment<'static>>,
}

/// An entry after its renewal, with how the renewal was assessed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalView {
    #[serde(flatten)]
    pub entry: RegistrarEntryView,
    pub renewal: RenewalAssessment,
}

impl From<Basis> for RenewalBasis {
    fn from(basis: Basis) -> Self {
        match basis {
            Basis::Met => Self::Met,
            Basis::Override => Self::Override,
            Basis::NoRequirements => Self::NoRequirements,
        }
    }
}

impl From<action::Assessed> for RenewalAssessment {
    fn from(assessed: action::Assessed) -> Self {
        Self {
            basis: RenewalBasis::from(assessed.basis),
            override_reason: assessed.override_reason,
            tier: assessed.tier.as_str().to_owned(),
            pathway_version_number: assessed.pathway_version_number,
            cycle_first_day: assessed.cycle_first_day,
            cycle_last_day: assessed.cycle_last_day,
            assessment: assessed.assessment,
        }
    }
}

/// Renew an entry for the next cycle (registrar), under the renewal rule
/// of its highest tier that the pathway version applying to the person
/// renews. An entry renewed on time runs on without a gap (the new cycle
/// starts the day after the current one ends); a lapsed entry renewed late
/// starts a new cycle on `effective`.
///
/// The renewal requirements are assessed over the person's ledger as of
/// `effective`, counting only attested records dated within the cycle
/// being renewed: for an entry renewed on time, its current cycle (the
/// cycle-length period ending on `valid_until`); for a lapsed entry (or
/// one without a cycle), the cycle-length period ending on `effective`,
/// the last cycle's worth of practice before it returns. Pending records
/// and records before the cycle do not count. Recorded requirement
/// overrides (recognition of prior learning) are for a tier's
/// requirements and do not apply to renewals; the registrar's `override`
/// here is the renewal's discretion. Not met: 422 listing every shortfall
/// (`requirements.{id}`, as applications are refused), and nothing
/// changes, unless the registrar gives `override` with a reason. A rule
/// with no requirements renews without an assessment. The answer carries
/// the assessment, which is also kept in the audit log.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/{registration}/renewals", tag = "register",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    request_body = RenewalRequest,
    responses(
        (status = 200, description = "The entry after the renewal, with the renewal's assessment", body = RenewalView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar (who alone renews and overrides)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The entry's status refuses a renewal", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The renewal requirements are not met (every shortfall listed), an override that is not needed, invalid fields, or the tier has no renewal cycle", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn renew(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<RenewalRequest>,
) -> Result<web::Json<RenewalView>, ApiError> {
    let (slug, registration) = path.into_inner();
    let body = body.into_inner();
    let input = RenewalInput {
        effective: body.effective.date(),
        reason: body.reason,
        visibility: body.visibility,
        overriding: body.overriding.map(|o| o.reason),
    };
    let renewed = action::renew(&state, &caller, slug, registration, input).await?;
    Ok(web::Json(RenewalView {
        entry: registrar_view(&renewed.entry),
        renewal: RenewalAssessment::from(renewed.renewal),
    }))
}
