//! The registrar's pages of a society's people: the list with its search,
//! adding a person, and one person's record with its edit form (names,
//! contact, place, consent to being listed, entry into the pathway,
//! backgrounds). The same actions as the API's `people` endpoints.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::actions::{self, people};
use crate::app::AppState;
use crate::db::{self, people::Person, people::PersonFilter};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, maybe_date, notice, pager, FormErrors};
use crate::web::public::full_name;
use crate::web::{encode, finish, ok, page_response, see_other, PageError, Viewer};

/// People per page of the list.
const PER_PAGE: u32 = 50;

/// The list's query: a part of a name, and the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<String>,
    /// Set after a person was added or changed.
    saved: Option<String>,
}

/// `GET /societies/{society}/people`: the society's people, searchable by
/// name, a page at a time.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<ListQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let query = query.into_inner();
    let result = async {
        let page = super::page_number(query.page.as_deref()).map(|page| PageRequest {
            page,
            per_page: PER_PAGE,
        });
        let q = query.q.trim().to_owned();
        let filter = PersonFilter {
            q: (!q.is_empty()).then(|| q.clone()),
            region: None,
        };
        let (society, found) =
            people::list(&state, &viewer.caller, slug.clone(), page, filter).await?;
        let style = DateStyle::for_country(society.country.as_deref());
        let title = format!("People: {}", society.name);
        let link_to = |n: u32| {
            format!(
                "/societies/{slug}/people?q={}&page={n}",
                encode(&q).replace("%20", "+")
            )
        };
        Ok(ok(layout::page(
            &viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "people"))
                p { a class="button" href={ "/societies/" (slug) "/people/new" } { "Add a person" } }
                form class="search-form" method="get" action={ "/societies/" (slug) "/people" } role="search" {
                    div class="field" {
                        label for="q" { "Name" span class="hint" { "Part of a name, in any case" } }
                        input type="search" id="q" name="q" value=(q);
                    }
                    div class="field" { button type="submit" { "Search" } }
                }
                p id="people-count" {
                    (found.total) @if found.total == 1 { " person" } @else { " people" }
                    @if !q.is_empty() { " match “" (q) "”" }
                }
                @if found.items.is_empty() {
                    @if q.is_empty() {
                        p { "The society has no people in its records yet." }
                    } @else {
                        p { "No one's name matches. Try part of the family name." }
                    }
                } @else {
                    div class="table-wrap" {
                        table class="stack" aria-describedby="people-count" {
                            thead { tr {
                                th scope="col" { "Name" }
                                th scope="col" { "Email" }
                                th scope="col" { "Entered the pathway" }
                                th scope="col" { "Listed publicly" }
                                th scope="col" { "Progress" }
                            } }
                            tbody {
                                @for p in &found.items {
                                    tr {
                                        td data-label="Name" { a href={ "/societies/" (slug) "/people/" (p.id) } { (full_name(p.title.as_deref(), &p.name())) } }
                                        td data-label="Email" { (p.email.as_deref().unwrap_or("—")) }
                                        td data-label="Entered the pathway" { (maybe_date(style, p.entered_pathway_on)) }
                                        td data-label="Listed publicly" { @if p.public_listing { "Yes" } @else { "No" } }
                                        td data-label="Progress" {
                                            a href={ "/societies/" (slug) "/people/" (p.id) "/progress" } { "Progress" }
                                            " · "
                                            a href={ "/societies/" (slug) "/people/" (p.id) "/activities" } { "Ledger" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager("Pages of people", found.page, found.per_page, found.total, link_to))
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The fields of a person's form, in its order: name, label.
const LABELS: [(&str, &str); 10] = [
    ("title", "Title"),
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("display_name", "Name as shown"),
    ("email", "Email"),
    ("city", "City"),
    ("region", "Region"),
    ("entered_pathway_on", "Entered the pathway on"),
    ("backgrounds", "Backgrounds"),
    ("public_listing", "Listed publicly"),
];

/// A person's form as typed: every field as text, the backgrounds ticked.
#[derive(Debug, Default, Clone)]
pub struct PersonForm {
    csrf: String,
    text: Vec<(&'static str, String)>,
    backgrounds: Vec<String>,
    public_listing: bool,
}

impl PersonForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "backgrounds" => {
                    // A text field (comma-separated) or ticked boxes.
                    form.backgrounds.extend(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|b| !b.is_empty())
                            .map(str::to_owned),
                    );
                }
                "public_listing" => form.public_listing = true,
                other => {
                    if let Some((field, _)) = LABELS.iter().find(|(f, _)| *f == other) {
                        form.text.push((field, value));
                    }
                }
            }
        }
        form
    }

    fn of(person: &Person) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            csrf: String::new(),
            text: vec![
                ("title", text(&person.title)),
                ("given_name", text(&person.given_name)),
                ("family_name", person.family_name.clone()),
                ("display_name", text(&person.display_name)),
                ("email", text(&person.email)),
                ("city", text(&person.city)),
                ("region", text(&person.region)),
                (
                    "entered_pathway_on",
                    person
                        .entered_pathway_on
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ),
            ],
            backgrounds: person.backgrounds.clone(),
            public_listing: person.public_listing,
        }
    }

    fn value(&self, field: &str) -> &str {
        self.text
            .iter()
            .rev()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The record's fields as the action reads them. A new person leaves
    /// out what is empty; a change clears it (`null`).
    fn body(&self, new: bool) -> Map<String, Value> {
        let mut body = Map::new();
        for (field, _) in LABELS {
            if matches!(field, "backgrounds" | "public_listing") {
                continue;
            }
            let value = self.value(field).trim();
            if value.is_empty() {
                if !new {
                    body.insert(field.to_owned(), Value::Null);
                }
            } else {
                body.insert(field.to_owned(), Value::String(value.to_owned()));
            }
        }
        body.insert(
            "backgrounds".to_owned(),
            Value::Array(
                self.backgrounds
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        );
        body.insert(
            "public_listing".to_owned(),
            Value::Bool(self.public_listing),
        );
        body
    }
}

/// The backgrounds the pathway in force today declares (empty: any).
async fn declared_backgrounds(
    state: &AppState,
    society_id: String,
) -> Result<Vec<String>, ApiError> {
    let today = actions::today();
    db::run(&state.pool, move |conn| {
        Ok(db::pathways::applicable(conn, &society_id, today)?
            .map(|v| v.pathway.backgrounds().to_vec())
            .unwrap_or_default())
    })
    .await
}

/// The form of a person's record; `action` is where it posts.
fn person_form(
    viewer: &Viewer,
    action: &str,
    form: &PersonForm,
    declared: &[String],
    errors: &FormErrors,
    button: &str,
) -> Markup {
    let csrf = viewer.csrf().unwrap_or_default();
    let input = |field: &'static str, label: &str, hint: Option<&str>, kind: &str| {
        html! {
            div class="field" {
                label for=(field) { (label) @if let Some(h) = hint { span class="hint" { (h) } } }
                (errors.next_to(field))
                input type=(kind) id=(field) name=(field) value=(form.value(field))
                    required[field == "family_name"]
                    autocomplete=[match field {
                        "given_name" => Some("given-name"),
                        "family_name" => Some("family-name"),
                        "email" => Some("email"),
                        "title" => Some("honorific-prefix"),
                        _ => None,
                    }]
                    aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)];
            }
        }
    };
    html! {
        form class="stacked" method="post" action=(action) novalidate {
            (csrf_field(&csrf))
            (errors.summary())
            fieldset {
                legend { "Name" }
                (input("title", "Title", Some("For example Dr or Prof; optional"), "text"))
                (input("given_name", "Given name", None, "text"))
                (input("family_name", "Family name", Some("Required"), "text"))
                (input("display_name", "Name as shown", Some("Only if the register should show another name than given and family name"), "text"))
            }
            fieldset {
                legend { "Contact and place" }
                (input("email", "Email", None, "email"))
                (input("city", "City", None, "text"))
                (input("region", "Region", Some("State, county or Land"), "text"))
            }
            fieldset {
                legend { "Pathway" }
                (input("entered_pathway_on", "Entered the pathway on", Some("The rules of the pathway version in force on this day apply to them; not in the future"), "date"))
                @if declared.is_empty() {
                    (input_backgrounds(form, errors))
                } @else {
                    fieldset id="backgrounds" aria-describedby=[errors.described_by("backgrounds")] {
                        legend { "Backgrounds" span class="hint" { "Those the pathway names; some requirements depend on them" } }
                        (errors.next_to("backgrounds"))
                        @for (i, b) in declared.iter().enumerate() {
                            div class="field checkbox" {
                                input type="checkbox" id={ "background-" (i) } name="backgrounds" value=(b) checked[form.backgrounds.contains(b)];
                                label for={ "background-" (i) } { (crate::web::words(b)) }
                            }
                        }
                    }
                }
            }
            div class="field checkbox" {
                input type="checkbox" id="public_listing" name="public_listing" value="yes" checked[form.public_listing];
                label for="public_listing" { "They consent to being listed on the public register" }
            }
            button type="submit" { (button) }
        }
    }
}

/// Backgrounds as text, when the pathway declares none to choose from.
fn input_backgrounds(form: &PersonForm, errors: &FormErrors) -> Markup {
    html! {
        div class="field" {
            label for="backgrounds" { "Backgrounds" span class="hint" { "Separated by commas, for example general_practice, psychiatry" } }
            (errors.next_to("backgrounds"))
            input type="text" id="backgrounds" name="backgrounds" value=(form.backgrounds.join(", "))
                aria-describedby=[errors.described_by("backgrounds")] aria-invalid=[errors.invalid("backgrounds")];
        }
    }
}

/// The action's problems, with `backgrounds[i]` shown on the backgrounds.
fn form_errors(problems: Vec<FieldProblem>) -> FormErrors {
    let problems = problems
        .into_iter()
        .map(|p| {
            if p.field.starts_with("backgrounds[") {
                FieldProblem::new("backgrounds", p.message)
            } else {
                p
            }
        })
        .collect();
    FormErrors::new(problems, &LABELS)
}

/// `GET /societies/{society}/people/new`: the form to add a person.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        let (society, _) = actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let declared = declared_backgrounds(&state, society.id.clone()).await?;
        Ok(new_page(
            &viewer,
            &slug,
            &PersonForm::default(),
            &declared,
            FormErrors::default(),
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

fn new_page(
    viewer: &Viewer,
    slug: &str,
    form: &PersonForm,
    declared: &[String],
    errors: FormErrors,
    status: StatusCode,
) -> HttpResponse {
    let title = "Add a person";
    page_response(
        status,
        layout::page(
            viewer,
            title,
            html! {
                h1 { (title) }
                (super::nav(slug, "people"))
                p { "A person in the society's records: a trainee, a leader, a supervisor or anyone who attests. Give them a login afterwards if they are to sign in." }
                (person_form(viewer, &format!("/societies/{slug}/people"), form, declared, &errors, "Add the person"))
            },
        ),
    )
}

/// `POST /societies/{society}/people`: add a person from the form.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = PersonForm::from_pairs(form.into_inner());
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        match people::create(&state, &viewer.caller, slug.clone(), form.body(true)).await {
            Ok((_, person)) => Ok(see_other(&format!(
                "/societies/{slug}/people/{}?saved=added",
                person.id
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let (society, _) =
                    actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
                let declared = declared_backgrounds(&state, society.id).await?;
                Ok(new_page(
                    &viewer,
                    &slug,
                    &form,
                    &declared,
                    form_errors(errors),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/people/{person}`: one person's record, to
/// read and change.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<ListQuery>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = async {
        let (society, _) = actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let (_, person) = people::one(&state, &viewer.caller, slug.clone(), person_id).await?;
        let declared = declared_backgrounds(&state, society.id).await?;
        let saved = query.saved.as_deref();
        Ok(person_page(
            &viewer,
            &slug,
            &person,
            &PersonForm::of(&person),
            &declared,
            FormErrors::default(),
            saved,
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

#[allow(clippy::too_many_arguments)]
fn person_page(
    viewer: &Viewer,
    slug: &str,
    person: &Person,
    form: &PersonForm,
    declared: &[String],
    errors: FormErrors,
    saved: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let title = full_name(person.title.as_deref(), &person.name());
    let base = format!("/societies/{slug}/people/{}", person.id);
    page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(slug, "people"))
                @match saved {
                    Some("added") => (notice("The person was added.")),
                    Some(_) => (notice("The changes were saved.")),
                    None => {},
                }
                ul class="actions" {
                    li { a href={ (base) "/progress" } { "Progress" } }
                    li { a href={ (base) "/activities" } { "Ledger" } }
                    li { a href={ "/societies/" (slug) "/people" } { "Back to the list of people" } }
                }
                h2 { "Their record" }
                (person_form(viewer, &base, form, declared, &errors, "Save the changes"))
            },
        ),
    )
}

/// `POST /societies/{society}/people/{person}`: change a person's record
/// from the form; every field is set as the form shows it.
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let form = PersonForm::from_pairs(form.into_inner());
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        // Only the registrar edits here (a member edits their own contact
        // details through the API); this check comes first, so a member's
        // form is refused rather than partly taken.
        let (society, _) = actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let answer = people::change(
            &state,
            &viewer.caller,
            slug.clone(),
            person_id.clone(),
            form.body(false),
        )
        .await;
        match answer {
            Ok(_) => Ok(see_other(&format!(
                "/societies/{slug}/people/{person_id}?saved=changed"
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let (_, person) =
                    people::one(&state, &viewer.caller, slug.clone(), person_id).await?;
                let declared = declared_backgrounds(&state, society.id).await?;
                Ok(person_page(
                    &viewer,
                    &slug,
                    &person,
                    &form,
                    &declared,
                    form_errors(errors),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
            Err(other) => Err::<HttpResponse, PageError>(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}
