//! A group's sessions planned ahead, on the group's pages: the list on
//! the group's page ([`section`]), the form to plan a session, and a
//! planned session's page to move or cancel it. The same actions as the
//! API's `.../planned-sessions` (`actions::groups::plans`).
//!
//! Times are typed as the local day and time where the group meets, with
//! that place's offset from UTC on the day (e.g. +13:00), and shown back
//! the same way.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use maud::{html, Markup};

use super::groups::{delivery_label, form_errors, number, style, Fields};
use crate::actions::groups::plans::{self, PlanInput};
use crate::actions::groups::GroupDetail;
use crate::app::AppState;
use crate::auth::permissions;
use crate::db::groups::{Delivery, PlanStatus, PlannedSession};
use crate::edge::Form;
use crate::error::{ApiError, FieldProblem};
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, FormErrors};
use crate::web::{finish, page_response, see_other, PageError, Viewer};

/// Register the planned sessions' pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let plans = "/societies/{society}/groups/{group}/planned-sessions";
    cfg.service(
        web::resource(format!("{plans}/new"))
            .route(web::get().to(new_form))
            .route(web::post().to(schedule)),
    )
    .service(
        web::resource(format!("{plans}/{{plan}}"))
            .route(web::get().to(plan_page))
            .route(web::post().to(change)),
    );
}

const LABELS: [(&str, &str); 7] = [
    ("date", "Date"),
    ("time", "Start time"),
    ("utc_offset", "Offset from UTC"),
    ("minutes", "Length"),
    ("delivery", "Delivery"),
    ("place", "Place or online link"),
    ("note", "Note"),
];

/// `+13:00` for 780 minutes.
pub fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The plan's start as shown: its local day, time and offset.
pub fn when(style: DateStyle, p: &PlannedSession) -> Markup {
    let local = p.local_start();
    html! {
        (date(style, p.on_day)) ", " (local.format("%H:%M")) " (UTC" (offset_text(p.utc_offset_minutes)) ")"
    }
}

fn status_label(s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Planned => "Planned",
        PlanStatus::Cancelled => "Cancelled",
        PlanStatus::Held => "Held",
    }
}

/// Whether the viewer plans the group's sessions: the registrar, or one
/// of its leaders (the action checks the day).
fn plans_sessions(viewer: &Viewer, detail: &GroupDetail) -> bool {
    let society = &detail.group.society_id;
    permissions::acts_as_registrar(&viewer.caller, society)
        || permissions::person_in(&viewer.caller, society)
            .is_some_and(|me| detail.leaders.iter().any(|l| l.person_id == me))
}

/// The group page's section: the sessions planned from today on, with
/// links to plan one, and to move or cancel one, for who plans them.
pub fn section(
    viewer: &Viewer,
    detail: &GroupDetail,
    all: &[PlannedSession],
    style: DateStyle,
    base: &str,
) -> Markup {
    let today = crate::actions::today();
    let ahead: Vec<&PlannedSession> = all.iter().filter(|p| p.on_day >= today).collect();
    let planner = plans_sessions(viewer, detail);
    html! {
        h2 id="planned" { "Planned sessions" }
        @if ahead.is_empty() {
            p { "No sessions planned ahead." }
        } @else {
            table {
                caption class="visually-hidden" { "Sessions planned from today, the earliest first" }
                thead { tr { th scope="col" { "When" } th scope="col" { "Length" } th scope="col" { "Delivery" } th scope="col" { "Where" } th scope="col" { "Status" } } }
                tbody {
                    @for p in &ahead {
                        tr {
                            td {
                                @if planner && p.status == PlanStatus::Planned {
                                    a href={ (base) "/planned-sessions/" (p.id) } { (when(style, p)) }
                                } @else {
                                    (when(style, p))
                                }
                            }
                            td { (p.minutes) " min" }
                            td { (delivery_label(p.delivery)) }
                            td { (p.place.as_deref().unwrap_or("")) }
                            td { (status_label(p.status)) }
                        }
                    }
                }
            }
        }
        @if planner {
            p { a class="button" href={ (base) "/planned-sessions/new" } { "Plan a session" } }
        }
    }
}

/// The form's values: typed, or the plan's, or the group's.
fn value(typed: &Fields, name: &str, otherwise: impl FnOnce() -> String) -> String {
    typed.given(name).unwrap_or_else(otherwise)
}

fn plan_form(
    viewer: &Viewer,
    detail: &GroupDetail,
    plan: Option<&PlannedSession>,
    typed: &Fields,
    errors: &FormErrors,
    action: &str,
) -> Markup {
    let g = &detail.group;
    let local = plan.map(PlannedSession::local_start);
    let date_v = value(typed, "date", || {
        local.map(|l| l.date().to_string()).unwrap_or_default()
    });
    let time_v = value(typed, "time", || {
        local.map_or_else(|| "19:00".to_owned(), |l| l.format("%H:%M").to_string())
    });
    let offset_v = value(typed, "utc_offset", || {
        offset_text(plan.map_or(0, |p| p.utc_offset_minutes))
    });
    let minutes_v = value(typed, "minutes", || {
        plan.map_or(g.usual_minutes, |p| p.minutes).to_string()
    });
    let delivery_v = value(typed, "delivery", || {
        plan.map_or(g.delivery, |p| p.delivery).as_str().to_owned()
    });
    let place_v = value(typed, "place", || {
        plan.and_then(|p| p.place.clone()).unwrap_or_default()
    });
    let note_v = value(typed, "note", || {
        plan.and_then(|p| p.note.clone()).unwrap_or_default()
    });
    let field = |name: &str, label: Markup, input: Markup| {
        html! {
            div class="field" {
                label for=(name) { (label) }
                (errors.next_to(name))
                (input)
            }
        }
    };
    html! {
        form class="stacked" method="post" action=(action) {
            (csrf_field(&viewer.csrf().unwrap_or_default()))
            input type="hidden" name="action" value="move";
            (errors.summary())
            (field("date", html! { "Date" span class="hint" { "YYYY-MM-DD, the local day where the group meets" } },
                html! { input type="date" id="date" name="date" value=(date_v) required aria-describedby=[errors.described_by("date")] aria-invalid=[errors.invalid("date")]; }))
            (field("time", html! { "Start time" span class="hint" { "HH:MM, local time" } },
                html! { input type="time" id="time" name="time" value=(time_v) required aria-describedby=[errors.described_by("time")] aria-invalid=[errors.invalid("time")]; }))
            (field("utc_offset", html! { "Offset from UTC" span class="hint" { "The local time's offset on that day, e.g. +13:00 in Auckland in summer, +01:00 in Berlin in winter" } },
                html! { input type="text" id="utc_offset" name="utc_offset" value=(offset_v) required pattern="[+-][0-9]{2}:[0-9]{2}" aria-describedby=[errors.described_by("utc_offset")] aria-invalid=[errors.invalid("utc_offset")]; }))
            (field("minutes", html! { "Length" span class="hint" { "Minutes" } },
                html! { input type="number" id="minutes" name="minutes" min="1" max="600" value=(minutes_v) aria-describedby=[errors.described_by("minutes")] aria-invalid=[errors.invalid("minutes")]; }))
            div class="field" {
                label for="delivery" { "Delivery" }
                select id="delivery" name="delivery" {
                    @for d in Delivery::ALL {
                        option value=(d.as_str()) selected[delivery_v == d.as_str()] { (delivery_label(*d)) }
                    }
                }
            }
            (field("place", html! { "Place or online link" span class="hint" { "Optional" } },
                html! { input type="text" id="place" name="place" value=(place_v) aria-describedby=[errors.described_by("place")] aria-invalid=[errors.invalid("place")]; }))
            (field("note", html! { "Note" span class="hint" { "Optional and practical (e.g. room 3). Never what will be discussed." } },
                html! { input type="text" id="note" name="note" value=(note_v) aria-describedby=[errors.described_by("note")] aria-invalid=[errors.invalid("note")]; }))
            button type="submit" { @if plan.is_some() { "Save the changes" } @else { "Plan the session" } }
        }
    }
}

/// The form read as a plan's input; `starts_at` problems named by the
/// date field.
fn read_form(form: &Fields, problems: &mut Vec<FieldProblem>) -> PlanInput {
    let date = form.given("date");
    let time = form.given("time");
    let offset = form.given("utc_offset");
    for (name, v) in [("date", &date), ("time", &time), ("utc_offset", &offset)] {
        if v.is_none() {
            problems.push(FieldProblem::new(name, "is required"));
        }
    }
    let starts = match (date, time, offset) {
        (Some(d), Some(t), Some(o)) => {
            let valid_offset = o.len() == 6
                && (o.starts_with('+') || o.starts_with('-'))
                && o.as_bytes()[3] == b':';
            let t = if t.len() == 5 { format!("{t}:00") } else { t };
            match DateTime::<FixedOffset>::parse_from_rfc3339(&format!("{d}T{t}{o}")) {
                Ok(s) if valid_offset => Some(s),
                _ if !valid_offset => {
                    problems.push(FieldProblem::new(
                        "utc_offset",
                        "must be a sign, hours and minutes, e.g. +13:00",
                    ));
                    None
                }
                _ => {
                    problems.push(FieldProblem::new(
                        "date",
                        "the date and time must be a day (YYYY-MM-DD) and a time (HH:MM)",
                    ));
                    None
                }
            }
        }
        _ => None,
    };
    PlanInput {
        starts,
        minutes: number(form, "minutes", problems),
        delivery: Some(form.get("delivery").parse().unwrap_or(Delivery::InPerson)),
        place: Some(form.given("place")),
        note: Some(form.given("note")),
    }
}

fn named_by_field(errors: Vec<FieldProblem>) -> FormErrors {
    form_errors(
        errors
            .into_iter()
            .map(|p| {
                if p.field == "starts_at" {
                    FieldProblem::new("date", p.message)
                } else {
                    p
                }
            })
            .collect(),
        &LABELS,
    )
}

/// `GET .../planned-sessions/new`: the form to plan a session.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, group) = path.into_inner();
    let result = form_page(
        &state,
        &viewer,
        slug,
        group,
        None,
        &Fields::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    group_id: String,
    plan_id: Option<String>,
    typed: &Fields,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (_, detail, all) = plans::list(state, &viewer.caller, slug.clone(), group_id).await?;
    if !plans_sessions(viewer, &detail) {
        return Err(ApiError::Forbidden.into());
    }
    let plan = match &plan_id {
        Some(id) => Some(
            all.iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| ApiError::NotFound(format!("planned session {id}")))?,
        ),
        None => None,
    };
    let style = style(state, &slug).await?;
    let g = &detail.group;
    let base = format!("/societies/{slug}/groups/{}", g.id);
    let (title, action) = match plan {
        Some(p) => (
            format!("Planned session: {}", g.name),
            format!("{base}/planned-sessions/{}", p.id),
        ),
        None => (
            format!("Plan a session: {}", g.name),
            format!("{base}/planned-sessions/new"),
        ),
    };
    let csrf = viewer.csrf().unwrap_or_default();
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                p { "A planned session says when and where the group meets. It holds no clinical content: what is said in a Balint group stays in the group." }
                @if let Some(p) = plan {
                    dl class="facts" {
                        dt { "When" } dd { (when(style, p)) }
                        dt { "Status" } dd { (status_label(p.status)) }
                    }
                }
                @if plan.is_none_or(|p| p.status == PlanStatus::Planned) {
                    @if plan.is_some() { h2 { "Move or change it" } }
                    (plan_form(viewer, &detail, plan, typed, &errors, &action))
                }
                @if let Some(p) = plan.filter(|p| p.status == PlanStatus::Planned) {
                    h2 { "Cancel it" }
                    form method="post" action={ (base) "/planned-sessions/" (p.id) } {
                        (csrf_field(&csrf))
                        input type="hidden" name="action" value="cancel";
                        button type="submit" { "Cancel this session" }
                    }
                }
                p { a href=(base) { "Back to the group" } }
            },
        ),
    ))
}

/// `POST .../planned-sessions/new`: plan the session.
pub async fn schedule(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<Fields>,
) -> HttpResponse {
    let (slug, group) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(form.get("csrf"))?;
        let mut problems = Vec::new();
        let input = read_form(&form, &mut problems);
        let answer = if problems.is_empty() {
            plans::schedule(&state, &viewer.caller, slug.clone(), group.clone(), input)
                .await
                .map(|_| ())
        } else {
            Err(ApiError::Unprocessable {
                detail: String::new(),
                errors: problems,
            })
        };
        answered(&state, &viewer, slug, group, None, &form, answer).await
    }
    .await;
    finish(&req, &viewer, result)
}

/// The group's page after a change, or the form again with its problems.
async fn answered(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    group: String,
    plan: Option<String>,
    form: &Fields,
    answer: Result<(), ApiError>,
) -> Result<HttpResponse, PageError> {
    let (errors, status) = match answer {
        Ok(()) => {
            return Ok(see_other(&format!(
                "/societies/{slug}/groups/{group}?done=plan#planned"
            )))
        }
        Err(ApiError::Unprocessable { errors, .. }) => {
            (named_by_field(errors), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApiError::Conflict(message)) => (
            named_by_field(vec![FieldProblem::new("date", message)]),
            StatusCode::CONFLICT,
        ),
        Err(other) => return Err(other.into()),
    };
    form_page(state, viewer, slug, group, plan, form, errors, status).await
}

/// `GET .../planned-sessions/{plan}`: a planned session, to move or
/// cancel.
pub async fn plan_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (slug, group, plan) = path.into_inner();
    let result = form_page(
        &state,
        &viewer,
        slug,
        group,
        Some(plan),
        &Fields::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

/// `POST .../planned-sessions/{plan}`: move it (`action=move`) or cancel
/// it (`action=cancel`).
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
    form: Form<Fields>,
) -> HttpResponse {
    let (slug, group, plan) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(form.get("csrf"))?;
        let answer = if form.get("action") == "cancel" {
            plans::cancel(
                &state,
                &viewer.caller,
                slug.clone(),
                group.clone(),
                plan.clone(),
            )
            .await
            .map(|_| ())
        } else {
            let mut problems = Vec::new();
            let input = read_form(&form, &mut problems);
            if problems.is_empty() {
                plans::change(
                    &state,
                    &viewer.caller,
                    slug.clone(),
                    group.clone(),
                    plan.clone(),
                    input,
                )
                .await
                .map(|_| ())
            } else {
                Err(ApiError::Unprocessable {
                    detail: String::new(),
                    errors: problems,
                })
            }
        };
        answered(&state, &viewer, slug, group, Some(plan), &form, answer).await
    }
    .await;
    finish(&req, &viewer, result)
}

/// The group's planned sessions, for its page.
pub async fn of_group(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    group: String,
) -> Result<Vec<PlannedSession>, ApiError> {
    let (_, _, all) = plans::list(state, &viewer.caller, slug, group).await?;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_written_with_sign_hours_and_minutes() {
        assert_eq!(offset_text(780), "+13:00");
        assert_eq!(offset_text(0), "+00:00");
        assert_eq!(offset_text(-210), "-03:30");
    }
}
