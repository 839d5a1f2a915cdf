//! Training programmes (registrar): a cohort of trainees with the
//! programme's numbers, and its attendance view, as JSON or CSV.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::ledger::Amount;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actions::programmes::{self as action, AttendanceView, ProgrammeInput};
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::programmes::{Programme, Trainee};
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::routes::utc;

/// A programme to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeRequest {
    /// Its short name in paths, unique in the society, e.g.
    /// `core-psych-2026`: lower-case letters, digits and `-`.
    pub id: String,
    /// e.g. `Core psychiatry training, Wessex, 2026 intake`.
    pub name: String,
    /// Group sessions each trainee must attend (RCPsych: 30).
    pub sessions_required: i32,
    /// Months between Case-Based Discussion Group Assessments (about 6).
    pub assessment_months: i32,
}

/// A training programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: String,
    pub name: String,
    pub sessions_required: i32,
    pub assessment_months: i32,
    pub created_at: DateTime<Utc>,
}

impl From<Programme> for ProgrammeView {
    fn from(p: Programme) -> Self {
        Self {
            id: p.slug,
            name: p.name,
            sessions_required: p.sessions_required,
            assessment_months: p.assessment_months,
            created_at: utc(p.created_at),
        }
    }
}

/// A trainee to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TraineeRequest {
    /// The person, in this society's records.
    pub person_id: String,
    /// The day they joined the programme: their sessions count from it.
    #[schema(value_type = String, format = Date)]
    pub joined_on: Day,
}

/// A trainee of a programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraineeView {
    pub person_id: String,
    pub joined_on: NaiveDate,
}

impl From<Trainee> for TraineeView {
    fn from(t: Trainee) -> Self {
        Self {
            person_id: t.person_id,
            joined_on: t.joined_on,
        }
    }
}

/// One trainee's attendance.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraineeAttendanceView {
    pub person_id: String,
    pub name: String,
    pub joined_on: NaiveDate,
    /// Confirmed group sessions since they joined.
    #[schema(value_type = f64)]
    pub sessions: Amount,
    /// Whether they reach the programme's number.
    pub complete: bool,
    /// Sessions recorded and still waiting for their attestor.
    #[schema(value_type = f64)]
    pub pending_sessions: Amount,
    /// The days of their confirmed Case-Based Discussion Group
    /// Assessments, oldest first.
    pub assessments: Vec<NaiveDate>,
    /// The day the next assessment is due.
    pub next_assessment_due: NaiveDate,
    /// Whether that day has passed.
    pub overdue: bool,
}

/// A programme's attendance, as of a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeAttendance {
    pub programme: ProgrammeView,
    pub as_of: NaiveDate,
    /// Each trainee, by name.
    pub trainees: Vec<TraineeAttendanceView>,
}

impl From<AttendanceView> for ProgrammeAttendance {
    fn from(v: AttendanceView) -> Self {
        Self {
            programme: v.programme.into(),
            as_of: v.as_of,
            trainees: v
                .trainees
                .into_iter()
                .map(|t| TraineeAttendanceView {
                    person_id: t.person_id,
                    name: t.name,
                    joined_on: t.joined_on,
                    sessions: t.sessions,
                    complete: t.complete,
                    pending_sessions: t.pending_sessions,
                    assessments: t.assessments,
                    next_assessment_due: t.next_due,
                    overdue: t.overdue,
                })
                .collect(),
        }
    }
}

/// `?as_of=` of the attendance view.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttendanceQuery {
    /// The day to count to (default today).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// Create a training programme (registrar).
#[utoipa::path(post, path = "/api/v1/societies/{society}/programmes", operation_id = "programmes_create", tag = "programmes",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = ProgrammeRequest,
    responses(
        (status = 201, description = "The programme", body = ProgrammeView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The society has a programme with this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ProgrammeRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let body = body.into_inner();
    let programme = action::create(
        &state,
        &caller,
        slug.clone(),
        ProgrammeInput {
            slug: body.id,
            name: body.name,
            sessions_required: body.sessions_required,
            assessment_months: body.assessment_months,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/societies/{slug}/programmes/{}/attendance",
                programme.slug
            ),
        ))
        .json(ProgrammeView::from(programme)))
}

/// The society's training programmes, by name (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/programmes", operation_id = "programmes_list", tag = "programmes",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The programmes", body = Vec<ProgrammeView>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ProgrammeView>>, ApiError> {
    let programmes = action::list(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(
        programmes.into_iter().map(ProgrammeView::from).collect(),
    ))
}

/// Add a trainee to a programme (registrar).
#[utoipa::path(post, path = "/api/v1/societies/{society}/programmes/{programme}/trainees", operation_id = "programmes_add_trainee", tag = "programmes",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("programme" = String, Path, description = "The programme's id"),
    ),
    request_body = TraineeRequest,
    responses(
        (status = 201, description = "The trainee, added", body = TraineeView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or programme", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A trainee of the programme already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such person in the society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_trainee(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<TraineeRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, programme) = path.into_inner();
    let body = body.into_inner();
    let trainee = action::add_trainee(
        &state,
        &caller,
        slug,
        programme,
        body.person_id,
        body.joined_on.date(),
    )
    .await?;
    Ok(HttpResponse::Created().json(TraineeView::from(trainee)))
}

/// A programme's attendance as of a day (registrar): each trainee's
/// sessions against those required, their assessments and the day the
/// next is due.
#[utoipa::path(get, path = "/api/v1/societies/{society}/programmes/{programme}/attendance", operation_id = "programmes_attendance", tag = "programmes",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("programme" = String, Path, description = "The programme's id"),
        AttendanceQuery,
    ),
    responses(
        (status = 200, description = "The attendance", body = ProgrammeAttendance),
        (status = 400, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or programme", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<AttendanceQuery>,
) -> Result<web::Json<ProgrammeAttendance>, ApiError> {
    let (slug, programme) = path.into_inner();
    let as_of = query
        .into_inner()
        .as_of
        .map_or_else(crate::actions::today, Day::date);
    let view = action::attendance(&state, &caller, slug, programme, as_of).await?;
    Ok(web::Json(view.into()))
}

/// The same attendance as CSV, one row a trainee, for the programme's
/// records (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/programmes/{programme}/attendance/export", operation_id = "programmes_attendance_export", tag = "programmes",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("programme" = String, Path, description = "The programme's id"),
        AttendanceQuery,
    ),
    responses(
        (status = 200, description = "The attendance as CSV", body = String, content_type = "text/csv"),
        (status = 400, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or programme", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<AttendanceQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, programme) = path.into_inner();
    let as_of = query
        .into_inner()
        .as_of
        .map_or_else(crate::actions::today, Day::date);
    let view = action::attendance(&state, &caller, slug, programme, as_of).await?;
    let csv = action::attendance_csv(&view)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"attendance-{}-{as_of}.csv\"",
                view.programme.slug
            ),
        ))
        .body(csv))
}
