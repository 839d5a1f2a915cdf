//! Applying for a tier from the progress page: the API's application, for
//! the person themself (or the registrar on their behalf, eligible only:
//! an override is the registrar's own page).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::actions::applications::{self, ApplicationRequest};
use crate::app::AppState;
use crate::edge::Form;
use crate::web::{encode, finish, see_other, Viewer};

/// The Apply button's form.
#[derive(Debug, Default, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    note: String,
}

/// `POST /societies/{society}/people/{person}/applications`: apply for
/// the tier, then back to its progress page, which shows the application
/// pending. Not eligible (the ledger changed since the page was drawn), a
/// tier held or applied for already: the error page says why.
pub async fn apply(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ApplyForm>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
        let applied = applications::apply(
            &state,
            &viewer.caller,
            slug.clone(),
            person_id.clone(),
            ApplicationRequest {
                tier: form.tier.clone(),
                note,
                ..ApplicationRequest::default()
            },
        )
        .await?;
        Ok(see_other(&format!(
            "/societies/{slug}/people/{person_id}/progress?tier={}&applied={}",
            encode(&applied.named.application.tier),
            encode(&applied.named.application.id),
        )))
    }
    .await;
    finish(&req, &viewer, result)
}
