//! The ledger: a person's activities. The member records their own (the
//! registrar anyone's), edits or withdraws them while pending, lists and
//! exports them; many at once from a logbook (JSON or CSV), all or none.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::ledger::Amount;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::actions;
use crate::actions::ledger::Recorded;
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::activities::{LedgerFilter, Status, StoredActivity};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::ledger::{self, BulkFormat};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// Largest logbook accepted in one bulk request, in bytes.
pub const BULK_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// The decision on a record.
// `AttestationView` in the OpenAPI document, where `DecisionView` is an
// application's decision.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AttestationView)]
pub struct DecisionView {
    /// `confirm` or `reject`.
    pub decision: String,
    /// The person who decided (absent for a registrar who is no person of
    /// the society).
    pub by_person: Option<String>,
    pub at: DateTime<Utc>,
    /// The attestor's comment; for a rejection, the reason.
    pub comment: Option<String>,
}

/// One record of a ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub id: String,
    /// The society's slug.
    pub society: String,
    /// Whose record it is.
    pub person: String,
    /// participation, leading, co_leading, supervision, workshop, report,
    /// evaluation or prerequisite.
    pub kind: String,
    pub date: NaiveDate,
    #[schema(value_type = f64)]
    pub amount: Amount,
    /// sessions, double_sessions, minutes, hours, cases, meetings, events or days.
    pub unit: String,
    pub duration_minutes: Option<u32>,
    /// For an event over several days: how many days it ran.
    pub days: Option<u32>,
    pub cases: Option<u32>,
    /// in_person or online.
    pub delivery: String,
    /// The person asked to confirm it.
    pub attestor: Option<String>,
    pub co_leader: Option<String>,
    pub supervisor: Option<String>,
    pub group: Option<String>,
    pub ongoing_group: bool,
    pub setting: Option<String>,
    pub event_type: Option<String>,
    pub provider: Option<String>,
    pub provider_approved: bool,
    pub supervision_format: Option<String>,
    pub report_type: Option<String>,
    pub prerequisite_type: Option<String>,
    /// Free text; for reports, the report itself.
    pub notes: Option<String>,
    /// The decided record this one corrects.
    pub corrects: Option<String>,
    /// pending, confirmed or rejected.
    pub status: String,
    pub decision: Option<DecisionView>,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ActivityView {
    /// The view of `s` in the society `slug`.
    pub fn new(s: StoredActivity, slug: &str) -> Self {
        let a = s.activity;
        let word = |w: Option<String>| w;
        Self {
            id: a.id.to_string(),
            society: slug.to_owned(),
            person: a.person.to_string(),
            kind: a.kind.to_string(),
            date: a.date,
            amount: a.amount,
            unit: a.unit.to_string(),
            duration_minutes: a.duration_minutes,
            days: a.days,
            cases: a.cases,
            delivery: a.delivery.to_string(),
            attestor: a.attestor.map(|p| p.to_string()),
            co_leader: a.co_leader.map(|p| p.to_string()),
            supervisor: a.supervisor.map(|p| p.to_string()),
            group: a.group,
            ongoing_group: a.ongoing_group,
            setting: a.setting,
            event_type: word(a.event_type.map(|w| w.to_string())),
            provider: a.provider,
            provider_approved: a.provider_approved,
            supervision_format: a.supervision_format.map(|w| w.to_string()),
            report_type: a.report_type.map(|w| w.to_string()),
            prerequisite_type: a.prerequisite_type.map(|w| w.to_string()),
            notes: a.notes,
            corrects: s.corrects,
            status: s.status.as_str().to_owned(),
            decision: s.decision.map(|d| DecisionView {
                decision: match d.status {
                    Status::Rejected => "reject",
                    _ => "confirm",
                }
                .to_owned(),
                by_person: d.by_person_id,
                at: utc(d.at),
                comment: d.comment,
            }),
            recorded_at: utc(s.recorded_at),
            updated_at: utc(s.updated_at),
        }
    }
}

/// A record as written. Only `kind`, `date`, `amount` and `unit` are
/// required; unknown fields are refused; every problem is reported.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityInput {
    /// participation, leading, co_leading, supervision, workshop, report,
    /// evaluation or prerequisite.
    pub kind: String,
    /// The day (YYYY-MM-DD, 1900-01-01 to 2199-12-31), not in the future.
    #[schema(value_type = String, format = Date)]
    pub date: Day,
    /// More than zero, at most three decimals.
    pub amount: f64,
    /// A unit that fits the kind (e.g. supervision is not counted in cases).
    pub unit: String,
    /// Total length, where known (lets sessions count as time).
    pub duration_minutes: Option<u32>,
    /// For an event over several days (a weekend, an intensive): how many
    /// days it ran, 1 to 366 (some rules ask for "a weekend of two days").
    pub days: Option<u32>,
    /// Cases discussed, for leading and co-leading.
    pub cases: Option<u32>,
    /// in_person (default) or online.
    pub delivery: Option<String>,
    /// A person of the same society, not the record's owner.
    pub attestor: Option<String>,
    /// A person of the same society; required for co_leading.
    pub co_leader: Option<String>,
    /// A person of the same society.
    pub supervisor: Option<String>,
    pub group: Option<String>,
    pub ongoing_group: Option<bool>,
    pub setting: Option<String>,
    pub event_type: Option<String>,
    pub provider: Option<String>,
    pub provider_approved: Option<bool>,
    pub supervision_format: Option<String>,
    pub report_type: Option<String>,
    pub prerequisite_type: Option<String>,
    /// Up to 4000 characters.
    pub notes: Option<String>,
    /// The id of a decided record of the same person that this one corrects.
    pub corrects: Option<String>,
}

/// What a bulk recording stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    /// How many records were stored (all of them).
    pub recorded: usize,
    /// Their ids, in row order.
    pub ids: Vec<String>,
}

/// The ledger's filters and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// Only records of this kind.
    pub kind: Option<String>,
    /// Only records with this status: pending, confirmed or rejected.
    pub status: Option<String>,
    /// Only records dated on or after this day (YYYY-MM-DD, 1900-01-01 to 2199-12-31).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Day>,
    /// Only records dated on or before this day (YYYY-MM-DD, 1900-01-01 to 2199-12-31).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Day>,
}

impl LedgerQuery {
    fn filter(&self) -> Result<LedgerFilter, ApiError> {
        let mut errors = Vec::new();
        let kind = match self.kind.as_deref().filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => match k.parse::<balint_core::ledger::ActivityKind>() {
                Ok(kind) => Some(kind.as_str().to_owned()),
                Err(e) => {
                    errors.push(FieldProblem::new(
                        "kind",
                        format!("must be one of: {}", e.expected),
                    ));
                    None
                }
            },
        };
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<Status>() {
                Ok(status) => Some(status),
                Err(e) => {
                    errors.push(FieldProblem::new("status", e));
                    None
                }
            },
        };
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                errors.push(FieldProblem::new("to", "must not be before from"));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors,
            });
        }
        Ok(LedgerFilter {
            kind,
            status,
            from: self.from.map(Day::date),
            to: self.to.map(Day::date),
        })
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Record one activity. It starts `pending`.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/activities", operation_id = "activities_create", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    request_body = ActivityInput,
    responses(
        (status = 201, description = "Recorded, pending attestation", body = ActivityView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let (slug, person_id) = path.into_inner();
    let (draft, problems) = ledger::read(&body, "", today());
    let Recorded { society, stored } =
        actions::ledger::record(&state, &caller, slug, person_id, draft, problems).await?;
    let location = format!(
        "/api/v1/societies/{}/activities/{}",
        society.slug, stored.activity.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(ActivityView::new(stored, &society.slug)))
}

/// Record a whole logbook at once: a JSON list of records (or
/// `{"activities": [...]}`) with `Content-Type: application/json`, or CSV
/// with a header row naming the fields with `Content-Type: text/csv`. All
/// rows are stored or none; every problem is reported as
/// `rows[N].field`, rows counted from 1 (for CSV, the first line after the
/// header). A CSV cell that starts with the `'` a ledger's export puts
/// before a would-be formula (`'=1+1`) is read without it.
///
/// At most 10,000 records per upload (the server's default; `serve
/// --help` names the setting): a larger one is refused with 413, and is
/// sent in parts. One bulk upload per person at a time: another one for
/// the same person while it runs is refused with 409.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/activities/bulk", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    request_body(content = Vec<ActivityInput>, description = "JSON records, or CSV (text/csv) with the same fields as columns"),
    responses(
        (status = 201, description = "Every record stored, pending attestation", body = BulkResult),
        (status = 400, description = "Unreadable file", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A bulk upload to this person's ledger is running already", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 16 MiB, or more records than the server takes at once (10,000 by default)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing stored: every bad row and field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn bulk(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (slug, person_id) = path.into_inner();
    let upload = actions::ledger::begin_bulk(&state, &caller, slug, person_id).await?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = if content_type.starts_with("text/csv") {
        BulkFormat::Csv
    } else if content_type.starts_with("application/json") {
        BulkFormat::Json
    } else {
        return Err(ApiError::bad_request(
            "body",
            "send the logbook as application/json or text/csv",
        ));
    };
    let bytes = payload
        .to_bytes_limited(BULK_LIMIT_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge {
            limit: BULK_LIMIT_BYTES,
        })?
        .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_request("body", "the file must be UTF-8 text"))?;
    let rows = ledger::rows(text, format)?;
    let ids = actions::ledger::record_all(&state, upload, rows, today()).await?;
    Ok(HttpResponse::Created().json(BulkResult {
        recorded: ids.len(),
        ids,
    }))
}

/// A person's ledger, by date, then id, with filters.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/activities", operation_id = "activities_list", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
        LedgerQuery,
    ),
    responses(
        (status = 200, description = "A page of records", body = Page<ActivityView>),
        (status = 400, description = "Invalid filters or paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<LedgerQuery>,
) -> Result<web::Json<Page<ActivityView>>, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(&PageQuery {
        page: query.page,
        per_page: query.per_page,
    })?;
    let filter = query.filter()?;
    let (slug, person_id) = path.into_inner();
    let (society, found) =
        actions::ledger::browse(&state, &caller, slug, person_id, filter, page).await?;
    Ok(web::Json(
        found.map(|s| ActivityView::new(s, &society.slug)),
    ))
}

/// A person's ledger as CSV (their portfolio), with the same filters as
/// the list, every matching record. A cell a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
/// is written with a single quote `'` before it.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/activities/export", operation_id = "activities_export", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
        LedgerQuery,
    ),
    responses(
        (status = 200, description = "CSV: id, status, the record's fields, the decision", body = String, content_type = "text/csv"),
        (status = 400, description = "Invalid filters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let (slug, person_id) = path.into_inner();
    let (person, records) =
        actions::ledger::portfolio(&state, &caller, slug, person_id, filter).await?;
    let csv = ledger::portfolio_csv(&records)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"ledger-{}.csv\"", person.id),
        ))
        .body(csv))
}

/// One record: its owner, its named attestor, or the registrar.
#[utoipa::path(get, path = "/api/v1/societies/{society}/activities/{activity}", operation_id = "activities_show", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("activity" = String, Path, description = "The record's id"),
    ),
    responses(
        (status = 200, description = "The record", body = ActivityView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the owner, the attestor or the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or record", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ActivityView>, ApiError> {
    let (slug, id) = path.into_inner();
    let (society, record) = actions::ledger::one(&state, &caller, slug, id).await?;
    Ok(web::Json(ActivityView::new(record, &society.slug)))
}

/// Change a pending record: only the fields given change (`null` clears an
/// optional field). The owner or the registrar; a decided record is
/// refused (409): record a correction instead.
#[utoipa::path(patch, path = "/api/v1/societies/{society}/activities/{activity}", operation_id = "activities_update", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("activity" = String, Path, description = "The record's id"),
    ),
    request_body = ActivityInput,
    responses(
        (status = 200, description = "The record as changed", body = ActivityView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the owner nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or record", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed or rejected", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<Map<String, Value>>,
) -> Result<web::Json<ActivityView>, ApiError> {
    let (slug, id) = path.into_inner();
    let changes = body.into_inner();
    let (society, stored) =
        actions::ledger::change(&state, &caller, slug, id, changes, today()).await?;
    Ok(web::Json(ActivityView::new(stored, &society.slug)))
}

/// Withdraw a pending record (it is deleted; the audit log keeps it). The
/// owner or the registrar; a decided record is refused (409).
#[utoipa::path(delete, path = "/api/v1/societies/{society}/activities/{activity}", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("activity" = String, Path, description = "The record's id"),
    ),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the owner nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or record", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed or rejected", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    actions::ledger::withdraw(&state, &caller, slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
