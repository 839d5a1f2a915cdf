//! The attestor's queue: records that name the signed-in person as
//! attestor, oldest first, each with Confirm and Reject.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::ledger::{self, Attestation, Verdict};
use crate::app::AppState;
use crate::auth::permissions;
use crate::db;
use crate::db::activities::Status;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, FormErrors};
use crate::web::public::full_name;
use crate::web::{
    capitalised, finish, kind_label, page_response, see_other, words, PageError, Viewer,
};

/// `?decided=` after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct DecidedQuery {
    decided: Option<String>,
}

/// Register the attestor's queue and its decisions.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/attestations").route(web::get().to(queue)))
        .service(web::resource("/attestations/{activity}").route(web::post().to(decide)));
}

/// `GET /attestations`.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    query: Query<DecidedQuery>,
) -> HttpResponse {
    let notice = match query.decided.as_deref() {
        Some("confirm") => Some("The record was confirmed."),
        Some("reject") => Some("The record was rejected; its owner sees your comment."),
        _ => None,
    };
    let result = queue_page(&state, &viewer, notice, None, StatusCode::OK).await;
    finish(&req, &viewer, result)
}

/// A decision refused, shown next to its record.
struct Refused {
    activity: String,
    comment: String,
    errors: FormErrors,
}

const LABELS: [(&str, &str); 1] = [("comment", "Comment")];

async fn queue_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    notice: Option<&str>,
    refused: Option<Refused>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let user = permissions::require_user(&viewer.caller)?.clone();
    let first = PageRequest {
        page: 1,
        per_page: 100,
    };
    let waiting =
        ledger::waiting(state, &viewer.caller, Ok((first, Some(Status::Pending)))).await?;
    // Owners' names and each society's date style.
    let wanted: Vec<(String, String)> = waiting
        .page
        .items
        .iter()
        .map(|a| {
            (
                waiting.slug_of(a).to_owned(),
                a.activity.person.as_str().to_owned(),
            )
        })
        .collect();
    let (names, styles) = db::run(&state.pool, move |conn| {
        let mut names = HashMap::new();
        let mut styles = HashMap::new();
        for role in &user.roles {
            let society = db::societies::by_slug(conn, &role.society_slug)?;
            styles.insert(
                role.society_slug.clone(),
                DateStyle::for_country(society.country.as_deref()),
            );
            for (slug, person) in wanted.iter().filter(|(s, _)| *s == role.society_slug) {
                if let Some(p) = db::people::find(conn, &society.id, person)? {
                    names.insert(
                        (slug.clone(), person.clone()),
                        full_name(p.title.as_deref(), &p.name()),
                    );
                }
            }
        }
        Ok((names, styles))
    })
    .await?;
    let csrf = viewer.csrf().unwrap_or_default();
    let body = layout::page(
        viewer,
        "Records waiting for my signature",
        html! {
            h1 { "Records waiting for my signature" }
            @if let Some(text) = notice { (layout::notice(text)) }
            @if let Some(r) = &refused { (r.errors.summary()) }
            @if waiting.page.items.is_empty() {
                p { "Nothing is waiting for you." }
            } @else {
                p { (waiting.page.total) " record" @if waiting.page.total != 1 { "s" } " waiting, oldest first. Confirm a record only if it is true; to reject one, say why in the comment." }
                ol class="cards" {
                    @for record in &waiting.page.items {
                        @let a = &record.activity;
                        @let society = waiting.slug_of(record);
                        @let person = a.person.as_str();
                        @let id = a.id.to_string();
                        @let style = styles.get(society).copied().unwrap_or(DateStyle::DayMonthYear);
                        @let owner = names.get(&(society.to_owned(), person.to_owned())).cloned().unwrap_or_else(|| person.to_owned());
                        @let mine = refused.as_ref().filter(|r| r.activity == id);
                        @let comment_id = format!("comment-{id}");
                        li aria-labelledby={ "record-" (id) } {
                            h2 id={ "record-" (id) } { (owner) ": " (kind_label(&a.kind.to_string())) ", " (date(style, a.date)) }
                            p { (a.amount) " " (words(&a.unit.to_string())) @if let Some(c) = a.cases { ", " (c) " cases" } ", " (words(&a.delivery.to_string())) }
                            @if let Some(n) = &a.notes { p class="muted" { "Notes: " (n) } }
                            form method="post" action={ "/attestations/" (id) } {
                                (csrf_field(&csrf))
                                input type="hidden" name="society" value=(society);
                                @if let Some(r) = mine {
                                    @for m in r.errors.of("comment") {
                                        p class="field-error" id={ (comment_id) "-error" } { span class="visually-hidden" { "Error: " } (m) }
                                    }
                                }
                                div class="field" {
                                    label for=(comment_id) { "Comment" span class="hint" { "Required to reject" } }
                                    textarea id=(comment_id) name="comment"
                                        aria-describedby=[mine.filter(|r| !r.errors.of("comment").is_empty()).map(|_| format!("{comment_id}-error"))]
                                        aria-invalid=[mine.filter(|r| !r.errors.of("comment").is_empty()).map(|_| "true")] {
                                        @if let Some(r) = mine { (r.comment) }
                                    }
                                }
                                div class="actions" {
                                    button type="submit" name="decision" value="confirm" { "Confirm" }
                                    button type="submit" name="decision" value="reject" class="button-danger" { "Reject" }
                                }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(page_response(status, body))
}

/// The decision form.
#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    society: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// `POST /attestations/{activity}`: the API's attestation, from the form.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<DecisionForm>,
) -> HttpResponse {
    let activity = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let decision = match form.decision.as_str() {
            "confirm" => Verdict::Confirm,
            "reject" => Verdict::Reject,
            _ => return Err(ApiError::bad_request("decision", "choose Confirm or Reject").into()),
        };
        let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
        let attestation = Attestation {
            verdict: decision,
            comment,
        };
        let answer = ledger::attest(
            &state,
            &viewer.caller,
            form.society.clone(),
            activity.clone(),
            attestation,
        )
        .await
        .map_err(ApiError::from);
        let (status, problems) = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/attestations?decided={}",
                    form.decision
                )))
            }
            Err(ApiError::Unprocessable { errors, .. }) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errors
                    .into_iter()
                    .map(|p| match p.field.as_str() {
                        "comment"
                            if decision == Verdict::Reject && form.comment.trim().is_empty() =>
                        {
                            FieldProblem::new(
                                "comment",
                                "Say why you reject the record: the trainee sees your comment",
                            )
                        }
                        _ => FieldProblem::new(p.field.clone(), capitalised(&p.message)),
                    })
                    .collect(),
            ),
            Err(ApiError::Conflict(why)) => (
                StatusCode::CONFLICT,
                vec![FieldProblem::new("", capitalised(&why))],
            ),
            Err(other) => return Err(other.into()),
        };
        queue_page(
            &state,
            &viewer,
            None,
            Some(Refused {
                activity: activity.clone(),
                comment: form.comment.clone(),
                errors: FormErrors::new(problems, &LABELS)
                    .with_anchor("comment", format!("comment-{activity}")),
            }),
            status,
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}
