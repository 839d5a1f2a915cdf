//! The registrar's pages of a society's people: the list with its search,
//! adding a person, and one person's record with its edit form (names,
//! contact, place, consent to being listed, entry into the pathway,
//! backgrounds). The same actions as the API's `people` endpoints.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};

use balint_core::evaluate::OverrideKind;
use balint_core::ledger::Amount;

use crate::actions::overrides::{self, OverrideRequest};
use crate::actions::{self, people};
use crate::app::AppState;
use crate::db::overrides::StoredOverride;
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
                p { "A person in the society's records: a trainee, a leader, a supervisor or anyone who attests. Give them a login afterwards (on their page, \"Logins\") if they are to sign in." }
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
        actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let (_, person) = people::one(&state, &viewer.caller, slug.clone(), person_id).await?;
        let extras = PersonExtras::read(&state, &viewer, &slug, &person).await?;
        Ok(person_page(
            &viewer,
            &slug,
            &person,
            &PersonForm::of(&person),
            FormErrors::default(),
            &extras,
            query.saved.as_deref(),
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

/// What the page of one person shows besides their record's form.
struct PersonExtras {
    /// The backgrounds the pathway declares.
    declared: Vec<String>,
    /// The tiers of the pathway that applies to them, with their top-level
    /// requirements.
    tiers: Vec<TierChoice>,
    /// Their overrides, oldest first.
    overrides: Vec<StoredOverride>,
    /// The override form as typed, and its problems.
    override_form: OverrideForm,
    override_errors: FormErrors,
}

/// A tier an override may be for: its id, name, and its top-level
/// requirements by id and title.
struct TierChoice {
    id: String,
    name: String,
    requirements: Vec<(String, String)>,
}

impl PersonExtras {
    async fn read(
        state: &AppState,
        viewer: &Viewer,
        slug: &str,
        person: &Person,
    ) -> Result<Self, PageError> {
        let society_id = person.society_id.clone();
        let entered = person.entered_pathway_on.unwrap_or_else(actions::today);
        let today = actions::today();
        let (declared, tiers) = db::run(&state.pool, move |conn| {
            let declared = db::pathways::applicable(conn, &society_id, today)?
                .map(|v| v.pathway.backgrounds().to_vec())
                .unwrap_or_default();
            let tiers = db::pathways::applicable(conn, &society_id, entered)?
                .map(|v| {
                    v.pathway
                        .tiers()
                        .iter()
                        .map(|t| TierChoice {
                            id: t.id.as_str().to_owned(),
                            name: t.name.clone(),
                            requirements: t
                                .requirements
                                .iter()
                                .map(|r| (r.id.as_str().to_owned(), r.title.clone()))
                                .collect(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok((declared, tiers))
        })
        .await?;
        let overrides = overrides::list(
            state,
            &viewer.caller,
            slug.to_owned(),
            person.id.clone(),
            Ok(PageRequest {
                page: 1,
                per_page: 100,
            }),
        )
        .await?
        .items;
        Ok(Self {
            declared,
            tiers,
            overrides,
            override_form: OverrideForm::default(),
            override_errors: FormErrors::default(),
        })
    }

    fn tier_name(&self, id: &str) -> String {
        self.tiers
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_owned(), |t| t.name.clone())
    }

    fn requirement_title(&self, tier: &str, requirement: &str) -> String {
        self.tiers
            .iter()
            .find(|t| t.id == tier)
            .and_then(|t| t.requirements.iter().find(|(r, _)| r == requirement))
            .map_or_else(|| requirement.to_owned(), |(_, title)| title.clone())
    }
}

#[allow(clippy::too_many_arguments)] // a page's parts, each read once
fn person_page(
    viewer: &Viewer,
    slug: &str,
    person: &Person,
    form: &PersonForm,
    errors: FormErrors,
    extras: &PersonExtras,
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
                    Some("override") => (notice("The override was recorded.")),
                    Some(_) => (notice("The changes were saved.")),
                    None => {},
                }
                ul class="actions" {
                    li { a href={ (base) "/progress" } { "Progress" } }
                    li { a href={ (base) "/activities" } { "Ledger" } }
                    li { a href={ (base) "/certificates" } { "Certificates of attendance" } }
                    li { a href={ "/societies/" (slug) "/logins?person=" (person.id) } { "Logins" } }
                    li { a href={ "/societies/" (slug) "/audit?person=" (person.id) } { "Audit log" } }
                    li { a href={ (base) "/data" } { "Data held (data-protection requests)" } }
                    li { a href={ "/societies/" (slug) "/people" } { "Back to the list of people" } }
                }
                h2 { "Their record" }
                (person_form(viewer, &base, form, &extras.declared, &errors, "Save the changes"))
                (overrides_section(viewer, &base, extras))
            },
        ),
    )
}

/// The overrides recorded for the person, and the form to record one.
fn overrides_section(viewer: &Viewer, base: &str, extras: &PersonExtras) -> Markup {
    let form = &extras.override_form;
    let errors = &extras.override_errors;
    html! {
        h2 id="overrides" { "Overrides and recognition of prior learning" }
        p { "An override credits an amount towards one requirement, or waives it, with a reason. Every assessment shows the overrides it applied." }
        @if extras.overrides.is_empty() {
            p { "No override has been recorded." }
        } @else {
            table class="stack" {
                thead { tr { th scope="col" { "Tier" } th scope="col" { "Requirement" } th scope="col" { "Override" } th scope="col" { "Reason" } th scope="col" { "Recorded" } } }
                tbody {
                    @for o in &extras.overrides {
                        tr {
                            td data-label="Tier" { (extras.tier_name(o.tier.as_str())) }
                            td data-label="Requirement" { (extras.requirement_title(o.tier.as_str(), o.recorded.requirement.as_str())) }
                            td data-label="Override" { (crate::web::capitalised(&o.recorded.describe())) }
                            td data-label="Reason" { (o.recorded.reason) }
                            td data-label="Recorded" { (o.recorded.recorded_on.to_string()) }
                        }
                    }
                }
            }
        }
        @if !extras.tiers.is_empty() {
            h3 { "Record an override" }
            form class="stacked" method="post" action={ (base) "/overrides" } {
                (csrf_field(&viewer.csrf().unwrap_or_default()))
                (errors.summary())
                div class="field" {
                    label for="requirement" { "Requirement" }
                    (errors.next_to("requirement"))
                    select id="requirement" name="requirement" aria-describedby=[errors.described_by("requirement")] aria-invalid=[errors.invalid("requirement")] {
                        @for tier in &extras.tiers {
                            @if !tier.requirements.is_empty() {
                                optgroup label=(tier.name) {
                                    @for (id, title) in &tier.requirements {
                                        @let value = format!("{}/{id}", tier.id);
                                        option value=(value) selected[form.requirement == value] { (title) }
                                    }
                                }
                            }
                        }
                    }
                }
                fieldset id="kind" {
                    legend { "Why" }
                    div class="field checkbox" {
                        input type="radio" id="kind-rpl" name="kind" value="recognition_of_prior_learning" checked[form.kind != "committee_discretion"];
                        label for="kind-rpl" { "Recognition of prior learning" }
                    }
                    div class="field checkbox" {
                        input type="radio" id="kind-discretion" name="kind" value="committee_discretion" checked[form.kind == "committee_discretion"];
                        label for="kind-discretion" { "The committee's discretion" }
                    }
                }
                div class="field" {
                    label for="amount" { "Credit" span class="hint" { "An amount in the requirement's unit (e.g. 12 sessions); leave empty to waive the requirement" } }
                    (errors.next_to("amount"))
                    input type="text" inputmode="decimal" id="amount" name="amount" value=(form.amount)
                        aria-describedby=[errors.described_by("amount")] aria-invalid=[errors.invalid("amount")];
                }
                div class="field" {
                    label for="override-reason" { "Reason" span class="hint" { "Required, for example the evidence the committee saw" } }
                    (errors.next_to("reason"))
                    textarea id="override-reason" name="reason" required
                        aria-describedby=[errors.described_by("reason")] aria-invalid=[errors.invalid("reason")] { (form.reason) }
                }
                button type="submit" { "Record the override" }
            }
        }
    }
}

/// The override form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    csrf: String,
    /// `tier/requirement`.
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

const OVERRIDE_LABELS: [(&str, &str); 4] = [
    ("requirement", "Requirement"),
    ("tier", "Requirement"),
    ("amount", "Credit"),
    ("reason", "Reason"),
];

/// `POST /societies/{society}/people/{person}/overrides`: record an
/// override from the form.
pub async fn record_override(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<OverrideForm>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let (tier, requirement) = form.requirement.split_once('/').unwrap_or(("", ""));
        let amount = form.amount.trim();
        let parsed_amount = if amount.is_empty() {
            Ok(None)
        } else {
            amount
                .parse::<Amount>()
                .map(Some)
                .map_err(|e| ApiError::Unprocessable {
                    detail: String::new(),
                    errors: vec![FieldProblem::new("amount", format!("Enter a number ({e})"))],
                })
        };
        let answer = match parsed_amount {
            Err(e) => Err(e),
            Ok(amount) => overrides::record(
                &state,
                &viewer.caller,
                slug.clone(),
                person_id.clone(),
                OverrideRequest {
                    tier: tier.to_owned(),
                    requirement: requirement.to_owned(),
                    kind: if form.kind == "committee_discretion" {
                        OverrideKind::CommitteeDiscretion
                    } else {
                        OverrideKind::RecognitionOfPriorLearning
                    },
                    credit: amount.is_some(),
                    amount,
                    reason: form.reason.clone(),
                },
            )
            .await
            .map(|_| ()),
        };
        let problems = match answer {
            Ok(()) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/people/{person_id}?saved=override#overrides"
                )))
            }
            Err(ApiError::Unprocessable { errors, detail }) => {
                if errors.is_empty() {
                    vec![FieldProblem::new("", crate::web::capitalised(&detail))]
                } else {
                    errors
                        .into_iter()
                        .map(|p| FieldProblem::new(p.field, crate::web::capitalised(&p.message)))
                        .collect()
                }
            }
            Err(other) => return Err(other.into()),
        };
        let (_, person) = people::one(&state, &viewer.caller, slug.clone(), person_id).await?;
        let mut extras = PersonExtras::read(&state, &viewer, &slug, &person).await?;
        extras.override_errors = FormErrors::new(problems, &OVERRIDE_LABELS)
            .with_anchor("reason", "override-reason".to_owned())
            .with_anchor("tier", "requirement".to_owned());
        extras.override_form = form;
        Ok(person_page(
            &viewer,
            &slug,
            &person,
            &PersonForm::of(&person),
            FormErrors::default(),
            &extras,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    }
    .await;
    finish(&req, &viewer, result)
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
        actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
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
                let extras = PersonExtras::read(&state, &viewer, &slug, &person).await?;
                Ok(person_page(
                    &viewer,
                    &slug,
                    &person,
                    &form,
                    form_errors(errors),
                    &extras,
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
