//! People in a society's records. The registrar keeps them; a member reads
//! their own record and changes their contact details, place and listing
//! consent.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use std::collections::BTreeMap;

use crate::actions::{people, personal_data};
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::{people::Person, people::PersonFilter};
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// A person, as the registrar (or the person) sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    /// The society's slug.
    pub society: String,
    /// The name to show: `display_name`, else given and family name.
    pub name: String,
    /// E.g. `Dr`.
    pub title: Option<String>,
    pub given_name: Option<String>,
    pub family_name: String,
    pub display_name: Option<String>,
    /// Professional backgrounds, as labels the pathway's branches use
    /// (e.g. `psychodynamic_training`).
    pub backgrounds: Vec<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// Consent to appear on the public register.
    pub public_listing: bool,
    /// The day they entered the pathway; it chooses the pathway version
    /// that applies to them.
    pub entered_pathway_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PersonView {
    fn new(p: Person, society: &str) -> Self {
        Self {
            name: p.name(),
            id: p.id,
            society: society.to_owned(),
            title: p.title,
            given_name: p.given_name,
            family_name: p.family_name,
            display_name: p.display_name,
            backgrounds: p.backgrounds,
            city: p.city,
            region: p.region,
            email: p.email,
            public_listing: p.public_listing,
            entered_pathway_on: p.entered_pathway_on,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

/// A new person. Unknown fields are refused. Text fields are trimmed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePerson {
    /// 1 to 100 characters.
    pub family_name: String,
    /// 1 to 100 characters.
    pub given_name: Option<String>,
    /// 1 to 200 characters.
    pub display_name: Option<String>,
    /// 1 to 50 characters, e.g. `Dr`.
    pub title: Option<String>,
    /// Labels the pathway that applies to the person declares in its
    /// `backgrounds`; free labels when it declares none. Default none.
    pub backgrounds: Option<Vec<String>>,
    /// 1 to 100 characters.
    pub city: Option<String>,
    /// 1 to 100 characters.
    pub region: Option<String>,
    /// A contact email address.
    pub email: Option<String>,
    /// Consent to appear on the public register; default false.
    pub public_listing: Option<bool>,
    /// YYYY-MM-DD, 1900-01-01 to 2199-12-31, not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub entered_pathway_on: Option<Day>,
}

/// Changes to a person: only the fields given change; `null` clears a
/// field that may be empty. A member may change only `email`, `city`,
/// `region` and `public_listing` of their own record. Unknown fields are
/// refused.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdatePerson {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub display_name: Option<String>,
    pub title: Option<String>,
    pub backgrounds: Option<Vec<String>>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub email: Option<String>,
    pub public_listing: Option<bool>,
    /// YYYY-MM-DD, 1900-01-01 to 2199-12-31, not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub entered_pathway_on: Option<Day>,
}

/// The list's filters and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// Part of a given, family or display name, in any case.
    pub q: Option<String>,
    /// The region, exactly.
    pub region: Option<String>,
}

/// Add a person to the society's records (registrar or platform
/// administrator).
#[utoipa::path(post, path = "/api/v1/societies/{society}/people", operation_id = "people_create", tag = "people",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = CreatePerson,
    responses(
        (status = 201, description = "Created", body = PersonView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or unknown fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let (society, person) = people::create(&state, &caller, slug, body.into_inner()).await?;
    let location = format!("/api/v1/societies/{}/people/{}", society.slug, person.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(PersonView::new(person, &society.slug)))
}

/// The society's people (registrar or platform administrator), by family
/// name, then given name; filter by part of a name (`q`) or `region`.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people", operation_id = "people_list", tag = "people",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), PeopleQuery),
    responses(
        (status = 200, description = "A page of people", body = Page<PersonView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PeopleQuery>,
) -> Result<web::Json<Page<PersonView>>, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(&PageQuery {
        page: query.page,
        per_page: query.per_page,
    });
    let filter = PersonFilter {
        q: query
            .q
            .filter(|q| !q.trim().is_empty())
            .map(|q| q.trim().to_owned()),
        region: query.region.filter(|r| !r.is_empty()),
    };
    let (society, found) = people::list(&state, &caller, path.into_inner(), page, filter).await?;
    Ok(web::Json(found.map(|p| PersonView::new(p, &society.slug))))
}

/// One person: the registrar (or a platform administrator), or the member
/// whose record it is.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}", operation_id = "people_show", tag = "people",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor this person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<PersonView>, ApiError> {
    let (slug, person_id) = path.into_inner();
    let (society, person) = people::one(&state, &caller, slug, person_id).await?;
    Ok(web::Json(PersonView::new(person, &society.slug)))
}

/// Change a person: the registrar (or a platform administrator) any field;
/// the member whose record it is, only `email`, `city`, `region` and
/// `public_listing`. Every change is in the audit log with the values
/// before and after.
#[utoipa::path(patch, path = "/api/v1/societies/{society}/people/{person}", operation_id = "people_update", tag = "people",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    request_body = UpdatePerson,
    responses(
        (status = 200, description = "The person as changed", body = PersonView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor this person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid, unknown or not-yours-to-change fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<Map<String, Value>>,
) -> Result<web::Json<PersonView>, ApiError> {
    let (slug, person_id) = path.into_inner();
    let (society, person) =
        people::change(&state, &caller, slug, person_id, body.into_inner()).await?;
    Ok(web::Json(PersonView::new(person, &society.slug)))
}

/// Everything a society holds about one person, for a data-protection
/// request.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataView {
    /// The society's slug.
    pub society: String,
    /// The person's id.
    pub person: String,
    pub exported_at: DateTime<Utc>,
    /// Every table that holds something about a person (`people`,
    /// `society_roles`, `users`, `sessions`, `disabled_logins`,
    /// `password_resets`, `login_throttle`,
    /// `activities`, `applications`, `group_leaders`, `group_members`,
    /// `group_sessions`, `group_session_people`, `group_session_records`,
    /// `requirement_overrides`, `attendance_certificates`, `programme_trainees`,
    /// `register_entries`, `register_changes`, `audit_log`), each with the
    /// person's rows as objects of their columns; secrets (password and
    /// token hashes) are withheld.
    #[schema(value_type = BTreeMap<String, Vec<Object>>)]
    pub tables: BTreeMap<String, Vec<Value>>,
}

/// What an erasure erased.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    /// The society's slug.
    pub society: String,
    /// The person's id.
    pub person: String,
    /// Whether the person has an entry on the register, whose public
    /// history, and the records it rests on, are kept.
    pub on_register: bool,
    /// The fields of the person's record cleared.
    pub cleared: Vec<String>,
    /// Notes cleared from their ledger records and applications.
    pub notes_cleared: usize,
    /// Ledger records deleted (someone never on the register).
    pub ledger_records_deleted: usize,
    /// Applications deleted (someone never on the register).
    pub applications_deleted: usize,
    /// Overrides of their requirements deleted (someone never on the
    /// register).
    pub overrides_deleted: usize,
    /// Sessions of their logins ended.
    pub sessions_ended: usize,
    /// The ids of the audit records about them their details were taken
    /// out of (the erasure's own audit record names them too).
    pub audit_records_redacted: Vec<i64>,
}

/// Everything the society holds about a person, as one document (registrar
/// or platform administrator): their record, logins, ledger, attestations
/// given and received, applications, register history, overrides and the
/// audit lines about them. The export is itself audited.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/data-export", operation_id = "people_data_export", tag = "people",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    responses(
        (status = 200, description = "Everything held about the person", body = PersonalDataView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn data_export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<PersonalDataView>, ApiError> {
    let (slug, person_id) = path.into_inner();
    let (society, data) = personal_data::export(&state, &caller, slug, person_id.clone()).await?;
    Ok(web::Json(PersonalDataView {
        society: society.slug,
        person: person_id,
        exported_at: utc(data.exported_at),
        tables: data.tables,
    }))
}

/// Erase what the society may erase of a person (registrar or platform
/// administrator): their email always; their city, region, ledger,
/// applications and overrides when they never reached the register;
/// otherwise only the notes of their records, the register's public
/// history and what it rests on being kept. Their logins' sessions end.
/// The audit records about them lose the same details (or, for what was
/// deleted, all they recorded of it), keeping what was done, by whom, to
/// what and when. The erasure is audited with what it erased and the
/// records it redacted. Erasing again erases nothing more.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/erasure", operation_id = "people_erasure", tag = "people",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    responses(
        (status = 200, description = "What was erased", body = ErasureView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn erasure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ErasureView>, ApiError> {
    let (slug, person_id) = path.into_inner();
    let (society, erased) = personal_data::erase(&state, &caller, slug, person_id.clone()).await?;
    Ok(web::Json(ErasureView {
        society: society.slug,
        person: person_id,
        on_register: erased.on_register,
        cleared: erased.cleared,
        notes_cleared: erased.notes_cleared,
        ledger_records_deleted: erased.ledger_records_deleted,
        applications_deleted: erased.applications_deleted,
        overrides_deleted: erased.overrides_deleted,
        sessions_ended: erased.sessions_ended,
        audit_records_redacted: erased.audit_redacted.iter().map(|r| r.id).collect(),
    }))
}
