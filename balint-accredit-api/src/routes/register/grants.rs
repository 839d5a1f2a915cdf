//! Grants recorded directly by the registrar.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::register::Visibility;
use serde::Deserialize;
use utoipa::ToSchema;

use super::entries::{registrar_view, RegistrarEntryView};
use crate::actions::register::grant::{self as action, GrantInput};
use crate::auth::Caller;
use crate::day::Day;
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::routes::applications::ReasonInput;
use crate::state::AppState;

/// A grant recorded directly by the registrar: a tier conferred by
/// invitation (e.g. BSANZ Leader Trainee), or a decision the society made
/// outside this service. The tier must be in the pathway version that
/// applies to the person, and its prerequisite tiers held on `effective`
/// (unless `override_prerequisites` says why not); where the tier has a
/// renewal cycle, the entry runs to the end of the first cycle from
/// `effective`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The person, in this society's records.
    pub person_id: String,
    /// The tier granted, e.g. `accredited-leader`.
    pub tier: String,
    /// The day the grant takes effect (YYYY-MM-DD, 1900-01-01 to 2199-12-31).
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why, e.g. the council decision.
    pub reason: String,
    /// `public` or `confidential`: whether the reason is shown on the
    /// public register. Default `public`, or `confidential` for a grant
    /// by override, whose reason says why the prerequisites were not held.
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
    /// Grant although the tier's prerequisites are not held on
    /// `effective`, with the reason (e.g. the council's decision on a
    /// leader accredited abroad); up to 2000 characters. Written into the
    /// grant's reason in the entry's history, and kept with the unmet
    /// prerequisites in the audit log (entity `prerequisite_override`).
    /// Refused (422) when the prerequisites are held.
    pub override_prerequisites: Option<ReasonInput>,
}

/// Record a grant (registrar): puts the person on the register with the
/// society's next registration number, or adds the tier to their entry.
///
/// The tier's prerequisites must be held on `effective`, as an
/// application's assessment requires them: each prerequisite tier held on
/// the person's register entry that day (a tier reached on entering the
/// pathway is held from their `entered_pathway_on`), for at least its
/// `min_months` where the pathway sets them. Not held: 422 listing every
/// unmet prerequisite (`prerequisites.{tier}`, with the months it must be
/// held), and nothing changes, unless the registrar gives
/// `override_prerequisites` with a reason, which is written into the
/// grant's reason and kept in the audit log. A grant the entry's state
/// refuses is answered (409) before its prerequisites are checked. An
/// import of an existing register (`.../register/import`) replays the
/// society's history as given, without this check.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = GrantRequest,
    responses(
        (status = 201, description = "The person was put on the register", body = RegistrarEntryView),
        (status = 200, description = "The person's entry was updated", body = RegistrarEntryView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The entry's state refuses the grant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The tier's prerequisites are not held on `effective` (every one listed), an override that is not needed, or invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn grant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<GrantRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = GrantInput {
        person_id: body.person_id,
        tier: body.tier,
        effective: body.effective.date(),
        reason: body.reason,
        visibility: body.visibility,
        override_prerequisites: body.override_prerequisites.map(|o| o.reason),
    };
    let granted = action::grant(&state, &caller, path.into_inner(), input).await?;
    let view = registrar_view(&granted.entry);
    if granted.created {
        let location = format!(
            "/api/v1/societies/{}/register/{}",
            granted.society_slug, view.registration
        );
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .json(view))
    } else {
        Ok(HttpResponse::Ok().json(view))
    }
}
