//! A society's Balint groups: the list (with a new group's form for the
//! registrar), a group's page (its leaders, members and sessions; the
//! registrar adds and ends leaders and members there), and the leader's
//! session form: a choice per member (attended, by video in a hybrid
//! session, sent apologies), and the counts of cases and follow-ups. The
//! same actions as the API's `.../groups` (`actions::groups`).
//!
//! No page asks for or shows clinical content: a session keeps counts
//! only, and the pages say why.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::groups::sessions::{self, SessionInput};
use crate::actions::groups::{self, GroupDetail, GroupFields, Joining};
use crate::app::AppState;
use crate::auth::permissions;
use crate::day::Day;
use crate::db::activities::Status;
use crate::db::groups::{Attendance, Delivery, LeaderRole, Term};
use crate::edge::Form;
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, notice, FormErrors};
use crate::web::{capitalised, finish, page_response, see_other, PageError, Viewer};

/// Why the pages ask for counts only.
const NO_CASE_CONTENT: &str = "Sessions are recorded as counts only: how many cases were presented and by whom, and how many follow-ups were heard. What a case was about is never recorded here: what is said in a Balint group stays in the group.";

/// Register the groups' pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let groups = "/societies/{society}/groups";
    cfg.service(
        web::resource(groups)
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource(format!("{groups}/{{group}}"))
            .route(web::get().to(show))
            .route(web::post().to(change)),
    )
    .service(web::resource(format!("{groups}/{{group}}/people")).route(web::post().to(people)))
    .service(
        web::resource(format!("{groups}/{{group}}/sessions/new"))
            .route(web::get().to(session_form))
            .route(web::post().to(record_session)),
    )
    .service(
        web::resource(format!("{groups}/{{group}}/sessions/{{session}}"))
            .route(web::get().to(session_page))
            .route(web::post().to(correct_session)),
    );
}

/// A form's fields in order (names may repeat).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub(crate) fn given(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|v| !v.is_empty())
    }
}

pub(crate) fn delivery_label(d: Delivery) -> &'static str {
    match d {
        Delivery::InPerson => "In person",
        Delivery::Online => "Online",
        Delivery::Hybrid => "Hybrid (some in the room, some by video)",
    }
}

pub(crate) fn number(fields: &Fields, name: &str, problems: &mut Vec<FieldProblem>) -> Option<u32> {
    let text = fields.given(name)?;
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(FieldProblem::new(name, "must be a whole number"));
            None
        }
    }
}

fn day_of(fields: &Fields, name: &str, problems: &mut Vec<FieldProblem>) -> Option<NaiveDate> {
    let text = fields.given(name)?;
    match Day::parse(&text) {
        Ok(d) => Some(d.date()),
        Err(e) => {
            problems.push(FieldProblem::new(name, layout::day_words(e)));
            None
        }
    }
}

pub(crate) async fn style(state: &AppState, slug: &str) -> Result<DateStyle, ApiError> {
    let society = crate::web::society(state, slug.to_owned()).await?;
    Ok(DateStyle::for_country(society.country.as_deref()))
}

/// `GET /societies/{society}/groups`: the groups the viewer may see, and
/// for the registrar a new group's form.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = list_page(
        &state,
        &viewer,
        &slug,
        &Fields::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    typed: &Fields,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let first = PageRequest {
        page: 1,
        per_page: 100,
    };
    let (society, found) = groups::list(state, &viewer.caller, slug.to_owned(), Ok(first)).await?;
    let registrar = permissions::acts_as_registrar(&viewer.caller, &society.id);
    let title = format!("Balint groups: {}", society.name);
    let delivery = typed.get("delivery");
    let term = typed.get("term");
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                @if registrar { (super::registrar::nav(slug, "groups")) }
                p { (NO_CASE_CONTENT) }
                @if found.items.is_empty() {
                    p { "No groups yet." }
                } @else {
                    ul {
                        @for g in &found.items {
                            li {
                                a href={ "/societies/" (slug) "/groups/" (g.id) } { (g.name) }
                                @if let Some(a) = &g.audience { " · " (a) }
                                " · " (delivery_label(g.delivery))
                            }
                        }
                    }
                }
                @if registrar {
                    h2 id="new-group" { "A new group" }
                    form class="stacked" method="post" action={ "/societies/" (slug) "/groups" } {
                        (csrf_field(&viewer.csrf().unwrap_or_default()))
                        (errors.summary())
                        div class="field" {
                            label for="name" { "Name" }
                            (errors.next_to("name"))
                            input type="text" id="name" name="name" value=(typed.get("name")) required
                                aria-describedby=[errors.described_by("name")] aria-invalid=[errors.invalid("name")];
                        }
                        div class="field" {
                            label for="audience" { "Who it is for" span class="hint" { "e.g. GP trainees, psychiatry core trainees, multidisciplinary" } }
                            (errors.next_to("audience"))
                            input type="text" id="audience" name="audience" value=(typed.get("audience"))
                                aria-describedby=[errors.described_by("audience")] aria-invalid=[errors.invalid("audience")];
                        }
                        fieldset {
                            legend { "Term" }
                            (errors.next_to("term"))
                            div class="checkbox" {
                                input type="radio" id="term-ongoing" name="term" value="ongoing" checked[term != "fixed_term"];
                                label for="term-ongoing" { "Ongoing" }
                            }
                            div class="checkbox" {
                                input type="radio" id="term-fixed" name="term" value="fixed_term" checked[term == "fixed_term"];
                                label for="term-fixed" { "A fixed term" }
                            }
                        }
                        div class="field" {
                            label for="starts_on" { "First day" span class="hint" { "YYYY-MM-DD; required for a fixed term" } }
                            (errors.next_to("starts_on"))
                            input type="date" id="starts_on" name="starts_on" value=(typed.get("starts_on"))
                                aria-describedby=[errors.described_by("starts_on")] aria-invalid=[errors.invalid("starts_on")];
                        }
                        div class="field" {
                            label for="ends_on" { "Last day" span class="hint" { "Only for a fixed term" } }
                            (errors.next_to("ends_on"))
                            input type="date" id="ends_on" name="ends_on" value=(typed.get("ends_on"))
                                aria-describedby=[errors.described_by("ends_on")] aria-invalid=[errors.invalid("ends_on")];
                        }
                        div class="field" {
                            label for="delivery" { "Delivery" }
                            select id="delivery" name="delivery" {
                                @for d in Delivery::ALL {
                                    option value=(d.as_str()) selected[delivery == d.as_str()] { (delivery_label(*d)) }
                                }
                            }
                        }
                        div class="field" {
                            label for="usual_minutes" { "Usual length of a session" span class="hint" { "Minutes, e.g. 90" } }
                            (errors.next_to("usual_minutes"))
                            input type="number" id="usual_minutes" name="usual_minutes" min="1" max="600"
                                value=(Some(typed.get("usual_minutes")).filter(|v| !v.is_empty()).unwrap_or("90"))
                                aria-describedby=[errors.described_by("usual_minutes")] aria-invalid=[errors.invalid("usual_minutes")];
                        }
                        button type="submit" { "Create the group" }
                    }
                }
            },
        ),
    ))
}

const GROUP_LABELS: [(&str, &str); 6] = [
    ("name", "Name"),
    ("audience", "Who it is for"),
    ("term", "Term"),
    ("starts_on", "First day"),
    ("ends_on", "Last day"),
    ("usual_minutes", "Usual length"),
];

/// `POST /societies/{society}/groups`: create a group (registrar).
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<Fields>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(form.get("csrf"))?;
        let mut problems = Vec::new();
        let fields = group_fields(&form, &mut problems);
        let answer = if problems.is_empty() {
            groups::create(&state, &viewer.caller, slug.clone(), fields).await
        } else {
            Err(ApiError::Unprocessable {
                detail: String::new(),
                errors: problems,
            })
        };
        match answer {
            Ok((_, detail)) => Ok(see_other(&format!(
                "/societies/{slug}/groups/{}",
                detail.group.id
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                list_page(
                    &state,
                    &viewer,
                    &slug,
                    &form,
                    form_errors(errors, &GROUP_LABELS),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(ApiError::Conflict(message)) => {
                let errors = vec![FieldProblem::new("name", message)];
                list_page(
                    &state,
                    &viewer,
                    &slug,
                    &form,
                    form_errors(errors, &GROUP_LABELS),
                    StatusCode::CONFLICT,
                )
                .await
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

pub(crate) fn form_errors(
    errors: Vec<FieldProblem>,
    labels: &[(&'static str, &'static str)],
) -> FormErrors {
    FormErrors::new(
        errors
            .into_iter()
            .map(|p| FieldProblem::new(p.field, capitalised(&p.message)))
            .collect(),
        labels,
    )
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub(crate) done: Option<String>,
}

/// `GET /societies/{society}/groups/{group}`: the group, its leaders,
/// members and sessions.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: crate::edge::Query<DoneQuery>,
) -> HttpResponse {
    let (slug, group) = path.into_inner();
    let notice_text = match query.done.as_deref() {
        Some("session") => Some("The session was recorded, with its people's records."),
        Some("corrected") => Some("The session was corrected, and its people's records with it."),
        Some("plan") => Some("The planned sessions were changed."),
        Some("people") | Some("group") => Some("The group was changed."),
        _ => None,
    };
    let result = group_page(
        &state,
        &viewer,
        slug,
        group,
        notice_text,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

async fn group_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    group_id: String,
    notice_text: Option<&str>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (society, detail) =
        groups::one(state, &viewer.caller, slug.clone(), group_id.clone()).await?;
    let (_, _, recent) = sessions::list(
        state,
        &viewer.caller,
        slug.clone(),
        group_id,
        Ok(PageRequest {
            page: 1,
            per_page: 50,
        }),
    )
    .await?;
    let planned =
        super::plans::of_group(state, viewer, slug.clone(), detail.group.id.clone()).await?;
    let style = style(state, &slug).await?;
    let registrar = permissions::acts_as_registrar(&viewer.caller, &society.id);
    let me = permissions::person_in(&viewer.caller, &society.id).map(str::to_owned);
    let leads = me
        .as_deref()
        .is_some_and(|me| detail.leaders.iter().any(|l| l.person_id == me));
    let g = &detail.group;
    let base = format!("/societies/{slug}/groups/{}", g.id);
    let csrf = viewer.csrf().unwrap_or_default();
    let people_options = if registrar {
        crate::actions::people::list(
            state,
            &viewer.caller,
            slug.clone(),
            Ok(PageRequest {
                page: 1,
                per_page: 100,
            }),
            crate::db::people::PersonFilter::default(),
        )
        .await
        .map(|(_, page)| page.items)
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &g.name,
            html! {
                h1 { (g.name) }
                @if let Some(text) = notice_text { (notice(text)) }
                (errors.summary())
                dl class="facts" {
                    @if let Some(a) = &g.audience { dt { "Who it is for" } dd { (a) } }
                    dt { "Term" }
                    dd {
                        @match g.term {
                            Term::Ongoing => { "Ongoing" @if let Some(s) = g.starts_on { ", since " (date(style, s)) } }
                            Term::FixedTerm => {
                                "A fixed term"
                                @if let (Some(s), Some(e)) = (g.starts_on, g.ends_on) { ", " (date(style, s)) " to " (date(style, e)) }
                            }
                        }
                    }
                    dt { "Delivery" } dd { (delivery_label(g.delivery)) }
                    dt { "Usual length" } dd { (g.usual_minutes) " minutes" }
                }
                p { (NO_CASE_CONTENT) }
                @if leads {
                    p { a class="button" href={ (base) "/sessions/new" } { "Record a session" } }
                }
                (super::plans::section(viewer, &detail, &planned, style, &base))
                h2 { "Leaders" }
                (people_table(&detail, style, registrar, &base, &csrf, true))
                h2 { "Members" }
                (people_table(&detail, style, registrar, &base, &csrf, false))
                @if registrar {
                    h2 id="change" { "Change the group" }
                    form class="stacked" method="post" action=(base) {
                        (csrf_field(&csrf))
                        div class="field" {
                            label for="name" { "Name" }
                            (errors.next_to("name"))
                            input type="text" id="name" name="name" value=(g.name) required
                                aria-describedby=[errors.described_by("name")] aria-invalid=[errors.invalid("name")];
                        }
                        div class="field" {
                            label for="audience" { "Who it is for" }
                            (errors.next_to("audience"))
                            input type="text" id="audience" name="audience" value=(g.audience.as_deref().unwrap_or_default())
                                aria-describedby=[errors.described_by("audience")] aria-invalid=[errors.invalid("audience")];
                        }
                        div class="field" {
                            label for="term" { "Term" }
                            (errors.next_to("term"))
                            select id="term" name="term" {
                                option value="ongoing" selected[g.term == Term::Ongoing] { "Ongoing" }
                                option value="fixed_term" selected[g.term == Term::FixedTerm] { "A fixed term" }
                            }
                        }
                        div class="field" {
                            label for="starts_on" { "First day" span class="hint" { "YYYY-MM-DD; required for a fixed term" } }
                            (errors.next_to("starts_on"))
                            input type="date" id="starts_on" name="starts_on" value=(g.starts_on.map(|d| d.to_string()).unwrap_or_default())
                                aria-describedby=[errors.described_by("starts_on")] aria-invalid=[errors.invalid("starts_on")];
                        }
                        div class="field" {
                            label for="ends_on" { "Last day" span class="hint" { "Only for a fixed term" } }
                            (errors.next_to("ends_on"))
                            input type="date" id="ends_on" name="ends_on" value=(g.ends_on.map(|d| d.to_string()).unwrap_or_default())
                                aria-describedby=[errors.described_by("ends_on")] aria-invalid=[errors.invalid("ends_on")];
                        }
                        div class="field" {
                            label for="delivery" { "Delivery" }
                            select id="delivery" name="delivery" {
                                @for d in Delivery::ALL {
                                    option value=(d.as_str()) selected[g.delivery == *d] { (delivery_label(*d)) }
                                }
                            }
                        }
                        div class="field" {
                            label for="usual_minutes" { "Usual length of a session" span class="hint" { "Minutes" } }
                            (errors.next_to("usual_minutes"))
                            input type="number" id="usual_minutes" name="usual_minutes" min="1" max="600" value=(g.usual_minutes)
                                aria-describedby=[errors.described_by("usual_minutes")] aria-invalid=[errors.invalid("usual_minutes")];
                        }
                        button type="submit" { "Save the changes" }
                    }
                    h2 id="add" { "Add a leader or a member" }
                    form class="stacked" method="post" action={ (base) "/people" } {
                        (csrf_field(&csrf))
                        input type="hidden" name="action" value="add";
                        div class="field" {
                            label for="person" { "Person" }
                            (errors.next_to("person"))
                            select id="person" name="person" aria-describedby=[errors.described_by("person")] {
                                @for p in &people_options {
                                    option value=(p.id) { (p.name()) }
                                }
                            }
                        }
                        div class="field" {
                            label for="role" { "As" }
                            select id="role" name="role" {
                                option value="member" { "Member" }
                                option value="leader" { "Leader" }
                                option value="co_leader" { "Co-leader" }
                            }
                        }
                        div class="field" {
                            label for="from" { "From" span class="hint" { "YYYY-MM-DD: their first day" } }
                            (errors.next_to("from"))
                            input type="date" id="from" name="from" required aria-describedby=[errors.described_by("from")] aria-invalid=[errors.invalid("from")];
                        }
                        button type="submit" { "Add" }
                    }
                }
                h2 { "Sessions" }
                @if recent.items.is_empty() {
                    p { "No sessions recorded yet." }
                } @else {
                    table {
                        caption class="visually-hidden" { "Sessions, the latest first" }
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Length" } th scope="col" { "Attended" } th scope="col" { "Apologies" } th scope="col" { "Cases" } th scope="col" { "Follow-ups" } } }
                        tbody {
                            @for s in &recent.items {
                                @let came = s.people.iter().filter(|p| p.attendance != crate::db::groups::Attendance::Apologies).count();
                                tr {
                                    td { a href={ (base) "/sessions/" (s.session.id) } { (date(style, s.session.held_on)) } }
                                    td { (s.session.minutes) " min" }
                                    td { (came) }
                                    td { (s.people.len() - came) }
                                    td { (s.session.cases_presented) }
                                    td { (s.session.follow_ups) }
                                }
                            }
                        }
                    }
                }
                @if registrar { p { a href={ "/societies/" (slug) "/groups" } { "All groups" } } }
            },
        ),
    ))
}

fn people_table(
    detail: &GroupDetail,
    style: DateStyle,
    registrar: bool,
    base: &str,
    csrf: &str,
    leaders: bool,
) -> Markup {
    let mut rows: Vec<(String, String, String, NaiveDate, Option<NaiveDate>)> = if leaders {
        detail
            .leaders
            .iter()
            .map(|l| {
                let role = match l.role {
                    LeaderRole::Leader => "Leader",
                    LeaderRole::CoLeader => "Co-leader",
                };
                (
                    l.id.clone(),
                    detail.name_of(&l.person_id),
                    role.to_owned(),
                    l.from_on,
                    l.to_on,
                )
            })
            .collect()
    } else {
        detail
            .members
            .iter()
            .map(|m| {
                (
                    m.id.clone(),
                    detail.name_of(&m.person_id),
                    "Member".to_owned(),
                    m.joined_on,
                    m.left_on,
                )
            })
            .collect()
    };
    rows.sort_by(|a, b| (&a.1, a.3).cmp(&(&b.1, b.3)));
    let what = if leaders { "leader" } else { "member" };
    html! {
        @if rows.is_empty() {
            p { "None yet." }
        } @else {
            ul {
                @for (id, name, role, from, to) in &rows {
                    li {
                        (name) " · " (role) " · from " (date(style, *from))
                        @if let Some(to) = to { " to " (date(style, *to)) }
                        @if registrar && to.is_none() {
                            form class="inline" method="post" action={ (base) "/people" } {
                                (csrf_field(csrf))
                                input type="hidden" name="action" value={ "end-" (what) };
                                input type="hidden" name="id" value=(id);
                                label for={ "last-" (id) } { "Last day" span class="visually-hidden" { " of " (name) } }
                                input type="date" id={ "last-" (id) } name="last_day" required;
                                button type="submit" { "End" span class="visually-hidden" { " " (name) "'s " (what) "ship" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The group's fields as the form sends them, with the problems of
/// reading them.
fn group_fields(form: &Fields, problems: &mut Vec<FieldProblem>) -> GroupFields {
    GroupFields {
        name: Some(form.get("name").to_owned()),
        audience: Some(form.given("audience")),
        term: Some(if form.get("term") == "fixed_term" {
            Term::FixedTerm
        } else {
            Term::Ongoing
        }),
        starts_on: Some(day_of(form, "starts_on", problems)),
        ends_on: Some(day_of(form, "ends_on", problems)),
        delivery: Some(form.get("delivery").parse().unwrap_or(Delivery::InPerson)),
        usual_minutes: number(form, "usual_minutes", problems).or(Some(0)),
    }
}

/// `POST /societies/{society}/groups/{group}`: change the group
/// (registrar).
pub async fn change(
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
        let fields = group_fields(&form, &mut problems);
        let answer = if problems.is_empty() {
            groups::change(&state, &viewer.caller, slug.clone(), group.clone(), fields)
                .await
                .map(|_| ())
        } else {
            Err(ApiError::Unprocessable {
                detail: String::new(),
                errors: problems,
            })
        };
        match answer {
            Ok(()) => Ok(see_other(&format!(
                "/societies/{slug}/groups/{group}?done=group"
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                group_page(
                    &state,
                    &viewer,
                    slug,
                    group,
                    None,
                    form_errors(errors, &GROUP_LABELS),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(ApiError::Conflict(message)) => {
                group_page(
                    &state,
                    &viewer,
                    slug,
                    group,
                    None,
                    form_errors(vec![FieldProblem::new("name", message)], &GROUP_LABELS),
                    StatusCode::CONFLICT,
                )
                .await
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/groups/{group}/people`: add a leader or
/// member, or end one (registrar).
pub async fn people(
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
        let answer = match form.get("action") {
            "add" => {
                let from = day_of(&form, "from", &mut problems);
                match from {
                    Some(from) if problems.is_empty() => {
                        let role = match form.get("role") {
                            "leader" => Some(LeaderRole::Leader),
                            "co_leader" => Some(LeaderRole::CoLeader),
                            _ => None,
                        };
                        let joining = Joining {
                            person: form.get("person").to_owned(),
                            role,
                            from,
                        };
                        groups::join(&state, &viewer.caller, slug.clone(), group.clone(), joining)
                            .await
                            .map(|_| ())
                    }
                    _ => {
                        if problems.is_empty() {
                            problems.push(FieldProblem::new("from", "is required"));
                        }
                        Err(ApiError::Unprocessable {
                            detail: String::new(),
                            errors: problems,
                        })
                    }
                }
            }
            action @ ("end-leader" | "end-member") => {
                match day_of(&form, "last_day", &mut problems) {
                    Some(last) => groups::end(
                        &state,
                        &viewer.caller,
                        slug.clone(),
                        group.clone(),
                        form.get("id").to_owned(),
                        last,
                        action == "end-leader",
                    )
                    .await
                    .map(|_| ()),
                    None => Err(ApiError::unprocessable("last_day", "is required")),
                }
            }
            _ => Err(ApiError::bad_request("action", "choose add or end")),
        };
        match answer {
            Ok(()) => Ok(see_other(&format!(
                "/societies/{slug}/groups/{group}?done=people"
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                group_page(
                    &state,
                    &viewer,
                    slug,
                    group,
                    None,
                    form_errors(
                        errors,
                        &[
                            ("person", "Person"),
                            ("from", "From"),
                            ("last_day", "Last day"),
                        ],
                    ),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(ApiError::Conflict(message)) => {
                group_page(
                    &state,
                    &viewer,
                    slug,
                    group,
                    None,
                    form_errors(
                        vec![FieldProblem::new("person", message)],
                        &[("person", "Person")],
                    ),
                    StatusCode::CONFLICT,
                )
                .await
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/groups/{group}/sessions/new`: the leader's
/// session form.
pub async fn session_form(
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
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/groups/{group}/sessions/{session}`: one
/// session, who came and the record each has; for a leader of the group,
/// the form that corrects it.
pub async fn session_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
    query: crate::edge::Query<DoneQuery>,
) -> HttpResponse {
    let (slug, group, session) = path.into_inner();
    let done = match query.done.as_deref() {
        Some("corrected") => Some("The session was corrected, and its people's records with it."),
        _ => None,
    };
    let result = form_page(
        &state,
        &viewer,
        slug,
        group,
        Some((session, done)),
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

/// The form's values for a recorded session, as if typed.
fn typed_of(detail: &sessions::SessionDetail) -> Fields {
    let s = &detail.session;
    let mut fields = vec![
        ("date".to_owned(), s.held_on.to_string()),
        ("minutes".to_owned(), s.minutes.to_string()),
        ("delivery".to_owned(), s.delivery.as_str().to_owned()),
        ("cases_presented".to_owned(), s.cases_presented.to_string()),
        ("follow_ups".to_owned(), s.follow_ups.to_string()),
    ];
    for p in &detail.people {
        let value = match p.attendance {
            Attendance::Apologies => "apologies",
            Attendance::Online if s.delivery == Delivery::Hybrid => "online",
            Attendance::Online | Attendance::InPerson => "attended",
        };
        fields.push((format!("att-{}", p.person_id), value.to_owned()));
        if p.presented {
            fields.push((format!("presented-{}", p.person_id), "yes".to_owned()));
        }
    }
    Fields(fields)
}

fn attendance_words(a: Attendance) -> &'static str {
    match a {
        Attendance::InPerson => "Attended",
        Attendance::Online => "Attended by video",
        Attendance::Apologies => "Sent apologies",
    }
}

/// The record a session stands for, in words (and its status's class):
/// its status, and whether the person had logged it themself.
fn record_words(detail: &sessions::SessionDetail, person: &str) -> (&'static str, &'static str) {
    let Some((link, stored)) = detail.records.iter().find(|(r, _)| r.person_id == person) else {
        return ("", "None");
    };
    match stored.status {
        Status::Confirmed if link.linked => (
            "status status-confirmed",
            "Confirmed (their own record, linked)",
        ),
        Status::Confirmed => ("status status-confirmed", "Confirmed"),
        Status::Pending => ("status status-pending", "Waiting for a signature"),
        Status::Rejected => ("status status-rejected", "Rejected"),
    }
}

/// A recorded session: who came, each one's record, and its counts.
fn session_facts(detail: &GroupDetail, r: &sessions::SessionDetail) -> Markup {
    let leaders: Vec<&str> = r
        .records
        .iter()
        .map(|(l, _)| l.person_id.as_str())
        .filter(|id| !r.people.iter().any(|p| p.person_id == *id))
        .collect();
    html! {
        dl class="facts" {
            dt { "Length" } dd { (r.session.minutes) " minutes" }
            dt { "Delivery" } dd { (delivery_label(r.session.delivery)) }
            dt { "Cases presented" } dd { (r.session.cases_presented) }
            dt { "Follow-ups heard" } dd { (r.session.follow_ups) }
        }
        table {
            caption { "Who came, and their records" }
            thead { tr { th scope="col" { "Person" } th scope="col" { "Attendance" } th scope="col" { "Presented a case" } th scope="col" { "Their record" } } }
            tbody {
                @for id in &leaders {
                    @let (class, words) = record_words(r, id);
                    tr {
                        td { (detail.name_of(id)) }
                        td { "Led the session" }
                        td { "No" }
                        td { span class=(class) { (words) } }
                    }
                }
                @for p in &r.people {
                    @let (class, words) = record_words(r, &p.person_id);
                    tr {
                        td { (detail.name_of(&p.person_id)) }
                        td { (attendance_words(p.attendance)) }
                        td { @if p.presented { "Yes" } @else { "No" } }
                        td { @if class.is_empty() { (words) } @else { span class=(class) { (words) } } }
                    }
                }
            }
        }
    }
}

const SESSION_LABELS: [(&str, &str); 6] = [
    ("date", "Date"),
    ("minutes", "Length"),
    ("delivery", "Delivery"),
    ("cases_presented", "Cases presented"),
    ("follow_ups", "Follow-ups"),
    ("online", "Attended by video"),
];

/// The session form: a new session's (`session` none), or a recorded
/// one's page (with a notice), with its correction form for the group's
/// leaders. `typed` is what was sent back with problems; a recorded
/// session's values fill the form otherwise.
#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    group_id: String,
    session: Option<(String, Option<&str>)>,
    typed: Option<&Fields>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (society, detail, recorded, done) = match session {
        Some((id, done)) => {
            let (society, detail, session) =
                sessions::one(state, &viewer.caller, slug.clone(), group_id, id).await?;
            (society, detail, Some(session), done)
        }
        None => {
            let (society, detail) =
                groups::one(state, &viewer.caller, slug.clone(), group_id).await?;
            (society, detail, None, None)
        }
    };
    let me = permissions::person_in(&viewer.caller, &society.id).map(str::to_owned);
    let leads = me
        .as_deref()
        .is_some_and(|me| detail.leaders.iter().any(|l| l.person_id == me));
    if !leads && recorded.is_none() {
        return Err(ApiError::Forbidden.into());
    }
    let from_session = recorded.as_ref().map(typed_of);
    let no_fields = Fields::default();
    let typed = typed.or(from_session.as_ref()).unwrap_or(&no_fields);
    let style = style(state, &slug).await?;
    let errors = detail.members.iter().fold(errors, |e, m| {
        e.with_label(
            &format!("att-{}", m.person_id),
            detail.name_of(&m.person_id),
        )
    });
    // Members by name, each once (one may have left and joined again).
    let mut members: Vec<&crate::db::groups::Member> = detail.members.iter().collect();
    members.sort_by_key(|m| (detail.name_of(&m.person_id), m.person_id.clone()));
    members.dedup_by(|a, b| a.person_id == b.person_id);
    let g = &detail.group;
    let base = format!("/societies/{slug}/groups/{}", g.id);
    let today = crate::actions::today();
    let date_typed = typed.given("date").unwrap_or_else(|| today.to_string());
    let minutes = typed
        .given("minutes")
        .unwrap_or_else(|| g.usual_minutes.to_string());
    let delivery = typed
        .given("delivery")
        .unwrap_or_else(|| g.delivery.as_str().to_owned());
    // Every member, past ones too: the leader marks who came that day.
    let (title, action, button) = match &recorded {
        Some(r) => (
            format!(
                "Session of {}: {}",
                date(style, r.session.held_on).into_string(),
                g.name
            ),
            format!("{base}/sessions/{}", r.session.id),
            "Save the correction",
        ),
        None => (
            format!("Record a session: {}", g.name),
            format!("{base}/sessions/new"),
            "Record the session",
        ),
    };
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                @if let Some(text) = done { (notice(text)) }
                @if let Some(r) = &recorded {
                    (session_facts(&detail, r))
                }
                p { (NO_CASE_CONTENT) }
                @if leads {
                @if recorded.is_some() {
                    h2 id="correct" { "Correct the session" }
                    p { "A correction changes the records the session wrote: one still waiting for a signature changes in place; a confirmed one is corrected by a new record, which replaces it once its person's attestor confirms it. Someone whose record is decided cannot be taken off the session: ask the registrar." }
                } @else {
                    p { "Recording the session writes each attendee's participation record, confirmed by you, and the leaders' own records; yours waits for your co-leader's signature." }
                }
                form class="stacked" method="post" action=(action) {
                    (csrf_field(&viewer.csrf().unwrap_or_default()))
                    (errors.summary())
                    div class="field" {
                        label for="date" { "Date" span class="hint" { "YYYY-MM-DD, not in the future" } }
                        (errors.next_to("date"))
                        input type="date" id="date" name="date" value=(date_typed) required
                            aria-describedby=[errors.described_by("date")] aria-invalid=[errors.invalid("date")];
                    }
                    div class="field" {
                        label for="minutes" { "Length" span class="hint" { "Minutes" } }
                        (errors.next_to("minutes"))
                        input type="number" id="minutes" name="minutes" min="1" max="600" value=(minutes)
                            aria-describedby=[errors.described_by("minutes")] aria-invalid=[errors.invalid("minutes")];
                    }
                    div class="field" {
                        label for="delivery" { "Delivery" }
                        (errors.next_to("delivery"))
                        select id="delivery" name="delivery" {
                            @for d in Delivery::ALL {
                                option value=(d.as_str()) selected[delivery == d.as_str()] { (delivery_label(*d)) }
                            }
                        }
                    }
                    (errors.next_to("online"))
                    @for m in &members {
                        @let id = &m.person_id;
                        @let name = detail.name_of(id);
                        @let field = format!("att-{id}");
                        @let chosen = typed.get(&field);
                        fieldset class="member" id=(field) {
                            legend { (name) }
                            (errors.next_to(&field))
                            @for (value, label) in [("attended", "Attended"), ("online", "Attended by video (hybrid)"), ("apologies", "Sent apologies"), ("absent", "Not there, no apologies")] {
                                div class="checkbox" {
                                    input type="radio" id={ (field) "-" (value) } name=(field) value=(value)
                                        checked[chosen == value || (chosen.is_empty() && value == "absent")];
                                    label for={ (field) "-" (value) } { (label) span class="visually-hidden" { ": " (name) } }
                                }
                            }
                            div class="checkbox" {
                                input type="checkbox" id={ "presented-" (id) } name={ "presented-" (id) } value="yes" checked[!typed.get(&format!("presented-{id}")).is_empty()];
                                label for={ "presented-" (id) } { "Presented a case" span class="visually-hidden" { ": " (name) } }
                            }
                        }
                    }
                    div class="field" {
                        label for="cases_presented" { "Cases presented" span class="hint" { "A count, 0 to 20" } }
                        (errors.next_to("cases_presented"))
                        input type="number" id="cases_presented" name="cases_presented" min="0" max="20" value=(typed.given("cases_presented").unwrap_or_else(|| "0".to_owned()))
                            aria-describedby=[errors.described_by("cases_presented")] aria-invalid=[errors.invalid("cases_presented")];
                    }
                    div class="field" {
                        label for="follow_ups" { "Follow-ups heard" span class="hint" { "A count, 0 to 20" } }
                        (errors.next_to("follow_ups"))
                        input type="number" id="follow_ups" name="follow_ups" min="0" max="20" value=(typed.given("follow_ups").unwrap_or_else(|| "0".to_owned()))
                            aria-describedby=[errors.described_by("follow_ups")] aria-invalid=[errors.invalid("follow_ups")];
                    }
                    button type="submit" { (button) }
                }
                }
                p { a href=(base) { "Back to the group" } }
            },
        ),
    ))
}

/// `POST /societies/{society}/groups/{group}/sessions/new`: record the
/// session (a leader of the group on its day).
pub async fn record_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<Fields>,
) -> HttpResponse {
    let (slug, group) = path.into_inner();
    let result = send_session(&state, &viewer, slug, group, None, form.into_inner()).await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/groups/{group}/sessions/{session}`: correct
/// the session (a leader of the group on its day): its records follow by
/// the ledger's rules.
pub async fn correct_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
    form: Form<Fields>,
) -> HttpResponse {
    let (slug, group, session) = path.into_inner();
    let result = send_session(
        &state,
        &viewer,
        slug,
        group,
        Some(session),
        form.into_inner(),
    )
    .await;
    finish(&req, &viewer, result)
}

/// Record a session (`session` none) or correct one from the form; its
/// problems shown on the form, each by its member's fieldset.
async fn send_session(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    group: String,
    session: Option<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    viewer.check_csrf(form.get("csrf"))?;
    let mut problems = Vec::new();
    let date = day_of(&form, "date", &mut problems);
    if date.is_none() && problems.is_empty() {
        problems.push(FieldProblem::new("date", "is required"));
    }
    let mut attended = Vec::new();
    let mut by_video = Vec::new();
    let mut apologies = Vec::new();
    let mut presenters = Vec::new();
    for (name, value) in &form.0 {
        if let Some(person) = name.strip_prefix("att-") {
            match value.as_str() {
                "attended" => attended.push(person.to_owned()),
                "online" => {
                    attended.push(person.to_owned());
                    by_video.push(person.to_owned());
                }
                "apologies" => apologies.push(person.to_owned()),
                _ => {}
            }
        } else if let Some(person) = name.strip_prefix("presented-") {
            presenters.push(person.to_owned());
        }
    }
    // The page names each problem by its member's fieldset.
    let index_of = |field: &str, list: &[String]| -> Option<String> {
        let (_, rest) = field.split_once('[')?;
        let i: usize = rest.trim_end_matches(']').parse().ok()?;
        list.get(i).map(|p| format!("att-{p}"))
    };
    let delivery: Delivery = form.get("delivery").parse().unwrap_or(Delivery::InPerson);
    let input = SessionInput {
        date,
        minutes: number(&form, "minutes", &mut problems),
        delivery: Some(delivery),
        attended: Some(attended.clone()),
        online: Some(by_video.clone()),
        apologies: Some(apologies.clone()),
        presenters: Some(presenters.clone()),
        cases_presented: number(&form, "cases_presented", &mut problems),
        follow_ups: number(&form, "follow_ups", &mut problems),
    };
    let answer = if problems.is_empty() {
        match &session {
            None => sessions::record(state, &viewer.caller, slug.clone(), group.clone(), input)
                .await
                .map(|_| ()),
            Some(id) => sessions::correct(
                state,
                &viewer.caller,
                slug.clone(),
                group.clone(),
                id.clone(),
                input,
            )
            .await
            .map(|_| ()),
        }
    } else {
        Err(ApiError::Unprocessable {
            detail: String::new(),
            errors: problems,
        })
    };
    // A second session of the day is the date's problem; a correction's
    // conflict (a decided record) the session's.
    let conflict_field = if session.is_some() { "session" } else { "date" };
    match answer {
        Ok(()) => Ok(see_other(&match &session {
            None => format!("/societies/{slug}/groups/{group}?done=session"),
            Some(id) => format!("/societies/{slug}/groups/{group}/sessions/{id}?done=corrected"),
        })),
        Err(ApiError::Unprocessable { errors, .. }) => {
            let errors: Vec<FieldProblem> = errors
                .into_iter()
                .map(|p| {
                    let field =
                        if p.field.starts_with("attended[") || p.field.starts_with("online[") {
                            let list = if p.field.starts_with("online[") {
                                &by_video
                            } else {
                                &attended
                            };
                            index_of(&p.field, list).unwrap_or(p.field)
                        } else if p.field.starts_with("apologies[") {
                            index_of(&p.field, &apologies).unwrap_or(p.field)
                        } else if p.field.starts_with("presenters[") {
                            index_of(&p.field, &presenters).unwrap_or(p.field)
                        } else {
                            p.field
                        };
                    FieldProblem::new(field, p.message)
                })
                .collect();
            form_page(
                state,
                viewer,
                slug,
                group,
                session.map(|id| (id, None)),
                Some(&form),
                form_errors(errors, &SESSION_LABELS),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ApiError::Conflict(message)) => {
            form_page(
                state,
                viewer,
                slug,
                group,
                session.map(|id| (id, None)),
                Some(&form),
                form_errors(
                    vec![FieldProblem::new(conflict_field, message)],
                    &SESSION_LABELS,
                ),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
