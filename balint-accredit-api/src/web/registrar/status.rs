//! The status change form on a register entry's page, and what it posts to.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::register::{RegistrarAction, Visibility};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::register::status::{self as status_change, StatusInput};
use crate::actions::today;
use crate::app::AppState;
use crate::day::Day;
use crate::edge::Form;
use crate::error::{ApiError, FieldProblem};
use crate::web::layout::{self, csrf_field, day_words, FormErrors};
use crate::web::public::{entry_page, EntryExtras};
use crate::web::{encode, finish, ok, see_other, Viewer};

/// The registrar's status change form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    reason: String,
    /// Present (checked) when the reason is to be public.
    public: Option<String>,
    /// Present once the registrar confirmed a change that cannot be
    /// undone (revoke, mark deceased).
    confirmed: Option<String>,
}

const ACTIONS: [(&str, &str); 6] = [
    ("suspend", "Suspend"),
    ("reinstate", "Reinstate (end a suspension)"),
    ("revoke", "Revoke"),
    ("retire", "Retire"),
    ("lapse", "Mark lapsed"),
    ("mark_deceased", "Mark deceased"),
];

const LABELS: [(&str, &str); 4] = [
    ("action", "Change"),
    ("effective", "Effective date"),
    ("reason", "Reason"),
    ("public", "Show the reason publicly"),
];

/// The form on a register entry's page.
pub fn status_form(
    viewer: &Viewer,
    slug: &str,
    registration: &str,
    form: &StatusForm,
    errors: &FormErrors,
) -> Markup {
    let csrf = viewer.csrf().unwrap_or_default();
    let effective = if form.effective.is_empty() {
        today().to_string()
    } else {
        form.effective.clone()
    };
    html! {
        h2 id="change-status" { "Change the status" }
        form class="stacked" method="post" action={ "/societies/" (slug) "/register/" (encode(registration)) "/status" } {
            (csrf_field(&csrf))
            (errors.summary())
            div class="field" {
                label for="action" { "Change" }
                (errors.next_to("action"))
                select id="action" name="action" aria-describedby=[errors.described_by("action")] aria-invalid=[errors.invalid("action")] {
                    @for (value, label) in ACTIONS {
                        option value=(value) selected[form.action == value] { (label) }
                    }
                }
            }
            div class="field" {
                label for="effective" { "Effective date" }
                (errors.next_to("effective"))
                input type="date" id="effective" name="effective" value=(effective) required
                    aria-describedby=[errors.described_by("effective")] aria-invalid=[errors.invalid("effective")];
            }
            div class="field" {
                label for="reason" { "Reason" span class="hint" { "Required. Kept confidential unless you tick the box below." } }
                (errors.next_to("reason"))
                textarea id="reason" name="reason" required
                    aria-describedby=[errors.described_by("reason")] aria-invalid=[errors.invalid("reason")] { (form.reason) }
            }
            div class="field checkbox" {
                input type="checkbox" id="public" name="public" value="yes" checked[form.public.is_some()];
                label for="public" { "Show the reason publicly" }
            }
            button type="submit" { "Change status" }
        }
    }
}

/// `POST /societies/{society}/register/{registration}/status`: the API's
/// status change, from the form; problems are shown on the entry page.
pub async fn change_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<StatusForm>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let mut problems = Vec::new();
        let action = serde_json::from_value::<RegistrarAction>(serde_json::Value::String(
            form.action.clone(),
        ))
        .map_err(|_| problems.push(FieldProblem::new("action", "Choose a change")))
        .ok();
        let effective = Day::parse(form.effective.trim())
            .map_err(|e| problems.push(FieldProblem::new("effective", day_words(e))))
            .ok();
        if form.reason.trim().is_empty() {
            problems.push(FieldProblem::new("reason", "Say why the status changes"));
        }
        let answer = match (action, effective, problems.is_empty()) {
            (Some(action), Some(effective), true)
                if needs_confirmation(action) && form.confirmed.is_none() =>
            {
                // Asked only of the registrar: anyone else is refused now.
                crate::actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
                return Ok(confirmation_page(
                    &viewer,
                    &slug,
                    &registration,
                    action,
                    effective,
                    &form,
                ));
            }
            (Some(action), Some(effective), true) => status_change::change_status(
                &state,
                &viewer.caller,
                slug.clone(),
                registration.clone(),
                StatusInput {
                    action,
                    effective: effective.date(),
                    reason: form.reason.clone(),
                    visibility: if form.public.is_some() {
                        Visibility::Public
                    } else {
                        Visibility::Confidential
                    },
                },
            )
            .await
            .map_err(ApiError::from),
            _ => Err(ApiError::Unprocessable {
                detail: "the form has problems".to_owned(),
                errors: problems,
            }),
        };
        let (status, problems) = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/register/{}?changed=1",
                    encode(&registration)
                )))
            }
            Err(ApiError::Unprocessable { errors, detail })
                if !errors.is_empty() || !detail.is_empty() =>
            {
                let errors = if errors.is_empty() {
                    vec![FieldProblem::new("", detail)]
                } else {
                    errors
                };
                (StatusCode::UNPROCESSABLE_ENTITY, errors)
            }
            Err(ApiError::Conflict(why)) => (
                StatusCode::CONFLICT,
                vec![FieldProblem::new("action", crate::web::capitalised(&why))],
            ),
            Err(other) => return Err(other.into()),
        };
        entry_page(
            &state,
            &viewer,
            slug.clone(),
            registration.clone(),
            EntryExtras {
                errors: FormErrors::new(problems, &LABELS),
                form,
                status,
                notice: false,
            },
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// Whether `action` cannot be undone, so the form asks again before it is
/// taken: a revoked or deceased entry stays so for good.
fn needs_confirmation(action: RegistrarAction) -> bool {
    matches!(
        action,
        RegistrarAction::Revoke | RegistrarAction::MarkDeceased
    )
}

/// "Are you sure?": the change as it will be recorded, with the form's
/// values carried in hidden fields, a button that confirms it and a way
/// back to the entry that changes nothing.
fn confirmation_page(
    viewer: &Viewer,
    slug: &str,
    registration: &str,
    action: RegistrarAction,
    effective: Day,
    form: &StatusForm,
) -> HttpResponse {
    let csrf = viewer.csrf().unwrap_or_default();
    let (title, consequence, button) = match action {
        RegistrarAction::MarkDeceased => (
            format!("Mark the leader of entry {registration} as deceased?"),
            "The entry will show \"Deceased\" on the public register from the effective date. This cannot be undone.",
            "Yes, mark as deceased",
        ),
        _ => (
            format!("Revoke the accreditation of entry {registration}?"),
            "The entry will show \"Revoked\" on the public register from the effective date. A revoked accreditation cannot be reinstated; the leader would have to be accredited again.",
            "Yes, revoke",
        ),
    };
    let entry = format!("/societies/{slug}/register/{}", encode(registration));
    ok(layout::page(
        viewer,
        &title,
        html! {
            h1 { (title) }
            p { (consequence) }
            dl class="facts" {
                dt { "Effective date" } dd { (effective.date().to_string()) }
                dt { "Reason" } dd { (form.reason.trim()) }
                dt { "Reason shown publicly" } dd { @if form.public.is_some() { "Yes" } @else { "No" } }
            }
            form class="stacked" method="post" action={ (entry) "/status" } {
                (csrf_field(&csrf))
                input type="hidden" name="action" value=(form.action);
                input type="hidden" name="effective" value=(form.effective);
                input type="hidden" name="reason" value=(form.reason);
                @if form.public.is_some() {
                    input type="hidden" name="public" value="yes";
                }
                input type="hidden" name="confirmed" value="yes";
                div class="actions" {
                    button type="submit" class="button-danger" { (button) }
                    a href={ (entry) "#change-status" } { "No, go back to the entry" }
                }
            }
        },
    ))
}
