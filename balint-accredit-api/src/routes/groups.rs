//! A society's Balint groups and their sessions over JSON: the requests
//! and views of [`crate::actions::groups`].
//!
//! Sessions hold counts (cases presented, follow-ups), never case content:
//! what is said in a Balint group stays in the group.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::actions::groups::plans::{self, PlanInput};
use crate::actions::groups::sessions::{self, SessionDetail, SessionInput};
use crate::actions::groups::{self, GroupDetail, GroupFields, Joining};
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::groups::{
    Attendance, Delivery, Group, LeaderRole, PlanStatus, PlannedSession, Term,
};
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// A field that may be given as `null` to clear it: absent is `None`,
/// `null` is `Some(None)`.
fn given<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Whether a group runs on, or for a fixed term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = GroupTerm)]
pub enum TermWord {
    Ongoing,
    FixedTerm,
}

impl From<TermWord> for Term {
    fn from(t: TermWord) -> Self {
        match t {
            TermWord::Ongoing => Term::Ongoing,
            TermWord::FixedTerm => Term::FixedTerm,
        }
    }
}

/// How a group or a session meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = GroupDelivery)]
pub enum DeliveryWord {
    InPerson,
    Online,
    Hybrid,
}

impl From<DeliveryWord> for Delivery {
    fn from(d: DeliveryWord) -> Self {
        match d {
            DeliveryWord::InPerson => Delivery::InPerson,
            DeliveryWord::Online => Delivery::Online,
            DeliveryWord::Hybrid => Delivery::Hybrid,
        }
    }
}

/// A leader's part in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaderRoleWord {
    Leader,
    CoLeader,
}

/// A new group. `name`, `term`, `delivery` and `usual_minutes` are
/// required; a fixed term needs `starts_on` and `ends_on`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Up to 200 characters, unique in the society.
    pub name: Option<String>,
    /// Who the group is for, e.g. `GP trainees`, `psychiatry core
    /// trainees`, `multidisciplinary`; up to 200 characters.
    pub audience: Option<String>,
    pub term: Option<TermWord>,
    /// The first day (YYYY-MM-DD); required for a fixed term.
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<Day>,
    /// The last day of a fixed term (YYYY-MM-DD).
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<Day>,
    pub delivery: Option<DeliveryWord>,
    /// The usual length of a session, 1 to 600 minutes.
    pub usual_minutes: Option<u32>,
}

/// Changes to a group: only the fields given change; `null` clears
/// `audience`, `starts_on` or `ends_on`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChanges {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub audience: Option<Option<String>>,
    pub term: Option<TermWord>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<Option<Day>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<Option<Day>>,
    pub delivery: Option<DeliveryWord>,
    pub usual_minutes: Option<u32>,
}

/// A group's leader or co-leader.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderView {
    /// This leadership's id (to end it).
    pub id: String,
    pub person: String,
    pub name: String,
    pub role: LeaderRoleWord,
    pub from: NaiveDate,
    /// Their last day, once ended.
    pub to: Option<NaiveDate>,
}

/// A group's member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// This membership's id (to end it).
    pub id: String,
    pub person: String,
    pub name: String,
    pub joined_on: NaiveDate,
    /// Their last day, once they left.
    pub left_on: Option<NaiveDate>,
}

/// A group as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupSummary {
    pub id: String,
    /// The society's slug.
    pub society: String,
    pub name: String,
    pub audience: Option<String>,
    pub term: TermWord,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub delivery: DeliveryWord,
    pub usual_minutes: u32,
}

impl GroupSummary {
    fn new(g: &Group, slug: &str) -> Self {
        Self {
            id: g.id.clone(),
            society: slug.to_owned(),
            name: g.name.clone(),
            audience: g.audience.clone(),
            term: match g.term {
                Term::Ongoing => TermWord::Ongoing,
                Term::FixedTerm => TermWord::FixedTerm,
            },
            starts_on: g.starts_on,
            ends_on: g.ends_on,
            delivery: delivery_word(g.delivery),
            usual_minutes: g.usual_minutes,
        }
    }
}

fn delivery_word(d: Delivery) -> DeliveryWord {
    match d {
        Delivery::InPerson => DeliveryWord::InPerson,
        Delivery::Online => DeliveryWord::Online,
        Delivery::Hybrid => DeliveryWord::Hybrid,
    }
}

/// A group with its leaders and members.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    #[serde(flatten)]
    pub group: GroupSummary,
    pub leaders: Vec<LeaderView>,
    pub members: Vec<MemberView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GroupView {
    fn new(d: &GroupDetail, slug: &str) -> Self {
        Self {
            group: GroupSummary::new(&d.group, slug),
            leaders: d
                .leaders
                .iter()
                .map(|l| LeaderView {
                    id: l.id.clone(),
                    person: l.person_id.clone(),
                    name: d.name_of(&l.person_id),
                    role: match l.role {
                        LeaderRole::Leader => LeaderRoleWord::Leader,
                        LeaderRole::CoLeader => LeaderRoleWord::CoLeader,
                    },
                    from: l.from_on,
                    to: l.to_on,
                })
                .collect(),
            members: d
                .members
                .iter()
                .map(|m| MemberView {
                    id: m.id.clone(),
                    person: m.person_id.clone(),
                    name: d.name_of(&m.person_id),
                    joined_on: m.joined_on,
                    left_on: m.left_on,
                })
                .collect(),
            created_at: utc(d.group.created_at),
            updated_at: utc(d.group.updated_at),
        }
    }
}

fn fields(input: GroupInput) -> GroupFields {
    GroupFields {
        name: input.name,
        audience: Some(input.audience),
        term: input.term.map(Term::from),
        starts_on: Some(input.starts_on.map(Day::date)),
        ends_on: Some(input.ends_on.map(Day::date)),
        delivery: input.delivery.map(Delivery::from),
        usual_minutes: input.usual_minutes,
    }
}

fn location(slug: &str, group: &str) -> String {
    format!("/api/v1/societies/{slug}/groups/{group}")
}

/// Create a group (registrar). Every problem is answered at once (422); a
/// name the society already uses is 409.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups", operation_id = "groups_create", tag = "groups",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = GroupInput,
    responses(
        (status = 201, description = "The group, created", body = GroupView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The society has a group of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or missing fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<GroupInput>,
) -> Result<HttpResponse, ApiError> {
    let (society, detail) = groups::create(
        &state,
        &caller,
        path.into_inner(),
        fields(body.into_inner()),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location(&society.slug, &detail.group.id)))
        .json(GroupView::new(&detail, &society.slug)))
}

/// The society's groups by name: all of them for the registrar; the ones
/// I lead or belong to for anyone else.
#[utoipa::path(get, path = "/api/v1/societies/{society}/groups", operation_id = "groups_list", tag = "groups",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of groups", body = Page<GroupSummary>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<GroupSummary>>, ApiError> {
    let page = PageRequest::try_from(&query.into_inner());
    let (society, found) = groups::list(&state, &caller, path.into_inner(), page).await?;
    Ok(web::Json(
        found.map(|g| GroupSummary::new(&g, &society.slug)),
    ))
}

/// One group with its leaders and members: the registrar, or someone who
/// leads or belongs to it.
#[utoipa::path(get, path = "/api/v1/societies/{society}/groups/{group}", operation_id = "groups_show", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
    ),
    responses(
        (status = 200, description = "The group", body = GroupView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor of the group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<GroupView>, ApiError> {
    let (slug, group) = path.into_inner();
    let (society, detail) = groups::one(&state, &caller, slug, group).await?;
    Ok(web::Json(GroupView::new(&detail, &society.slug)))
}

/// Change a group (registrar): only the fields given change.
#[utoipa::path(patch, path = "/api/v1/societies/{society}/groups/{group}", operation_id = "groups_update", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
    ),
    request_body = GroupChanges,
    responses(
        (status = 200, description = "The group as changed", body = GroupView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The society has another group of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<GroupChanges>,
) -> Result<web::Json<GroupView>, ApiError> {
    let (slug, group) = path.into_inner();
    let c = body.into_inner();
    let changes = GroupFields {
        name: c.name,
        audience: c.audience,
        term: c.term.map(Term::from),
        starts_on: c.starts_on.map(|d| d.map(Day::date)),
        ends_on: c.ends_on.map(|d| d.map(Day::date)),
        delivery: c.delivery.map(Delivery::from),
        usual_minutes: c.usual_minutes,
    };
    let (society, detail) = groups::change(&state, &caller, slug, group, changes).await?;
    Ok(web::Json(GroupView::new(&detail, &society.slug)))
}

/// A leader or co-leader to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderInput {
    /// The person's id.
    pub person: String,
    pub role: LeaderRoleWord,
    /// Their first day (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub from: Day,
}

/// A member to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The person's id.
    pub person: String,
    /// The day they joined (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub joined_on: Day,
}

/// The end of a leadership or membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// The last day they lead or belong to the group (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub last_day: Day,
}

/// Add a leader or co-leader (registrar), from a day.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/leaders", operation_id = "groups_add_leader", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
    ),
    request_body = LeaderInput,
    responses(
        (status = 201, description = "The group with its new leader", body = GroupView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "They lead the group already then", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such person in the society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_leader(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<LeaderInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, group) = path.into_inner();
    let b = body.into_inner();
    let joining = Joining {
        person: b.person,
        role: Some(match b.role {
            LeaderRoleWord::Leader => LeaderRole::Leader,
            LeaderRoleWord::CoLeader => LeaderRole::CoLeader,
        }),
        from: b.from.date(),
    };
    let (society, detail) = groups::join(&state, &caller, slug, group, joining).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location(&society.slug, &detail.group.id)))
        .json(GroupView::new(&detail, &society.slug)))
}

/// Add a member (registrar), from the day they join.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/members", operation_id = "groups_add_member", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
    ),
    request_body = MemberInput,
    responses(
        (status = 201, description = "The group with its new member", body = GroupView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "They belong to the group already then", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such person in the society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<MemberInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, group) = path.into_inner();
    let b = body.into_inner();
    let joining = Joining {
        person: b.person,
        role: None,
        from: b.joined_on.date(),
    };
    let (society, detail) = groups::join(&state, &caller, slug, group, joining).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location(&society.slug, &detail.group.id)))
        .json(GroupView::new(&detail, &society.slug)))
}

/// End a leadership (registrar): their last day leading the group.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/leaders/{leader}/end", operation_id = "groups_end_leader", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        ("leader" = String, Path, description = "The leadership's id"),
    ),
    request_body = EndInput,
    responses(
        (status = 200, description = "The group as changed", body = GroupView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, group or leadership", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A last day before their first", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn end_leader(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    body: Json<EndInput>,
) -> Result<web::Json<GroupView>, ApiError> {
    let (slug, group, id) = path.into_inner();
    let last = body.into_inner().last_day.date();
    let (society, detail) = groups::end(&state, &caller, slug, group, id, last, true).await?;
    Ok(web::Json(GroupView::new(&detail, &society.slug)))
}

/// End a membership (registrar): their last day in the group.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/members/{member}/end", operation_id = "groups_end_member", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        ("member" = String, Path, description = "The membership's id"),
    ),
    request_body = EndInput,
    responses(
        (status = 200, description = "The group as changed", body = GroupView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, group or membership", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A last day before their first", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn end_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    body: Json<EndInput>,
) -> Result<web::Json<GroupView>, ApiError> {
    let (slug, group, id) = path.into_inner();
    let last = body.into_inner().last_day.date();
    let (society, detail) = groups::end(&state, &caller, slug, group, id, last, false).await?;
    Ok(web::Json(GroupView::new(&detail, &society.slug)))
}

/// A session as a leader records or corrects it: counts and who came,
/// never case content. To record, `date` is required; the length and
/// delivery default to the group's. To correct, only the fields given
/// change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    /// The day it was held (YYYY-MM-DD), not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<Day>,
    /// 1 to 600 minutes.
    pub minutes: Option<u32>,
    pub delivery: Option<DeliveryWord>,
    /// The members (person ids) who attended.
    pub attended: Option<Vec<String>>,
    /// Of those, who joined by video, in a hybrid session.
    pub online: Option<Vec<String>>,
    /// The members who sent apologies.
    pub apologies: Option<Vec<String>>,
    /// The attendees who presented a case.
    pub presenters: Option<Vec<String>>,
    /// How many cases were presented (0 to 20): a count, never what they
    /// were.
    pub cases_presented: Option<u32>,
    /// How many follow-up reports of earlier cases were heard (0 to 20).
    pub follow_ups: Option<u32>,
}

impl From<SessionBody> for SessionInput {
    fn from(b: SessionBody) -> Self {
        Self {
            date: b.date.map(Day::date),
            minutes: b.minutes,
            delivery: b.delivery.map(Delivery::from),
            attended: b.attended,
            online: b.online,
            apologies: b.apologies,
            presenters: b.presenters,
            cases_presented: b.cases_presented,
            follow_ups: b.follow_ups,
        }
    }
}

/// How a member took part in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceWord {
    InPerson,
    Online,
    Apologies,
}

/// Someone at a session, or who sent apologies.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionPersonView {
    pub person: String,
    pub name: String,
    pub attendance: AttendanceWord,
    /// Whether they presented a case.
    pub presented: bool,
}

/// The ledger record a session stands for, for one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionRecordView {
    pub person: String,
    /// The record's id (`/api/v1/societies/{society}/activities/{id}`).
    pub activity: String,
    /// participation, leading or co_leading.
    pub kind: String,
    /// pending, confirmed or rejected.
    pub status: String,
    /// Who is asked to confirm it (the other leader, for the recording
    /// leader's own record).
    pub attestor: Option<String>,
    /// The person had logged it themself before the session was recorded.
    pub linked: bool,
}

/// A session of a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    /// The group's id.
    pub group: String,
    pub date: NaiveDate,
    pub minutes: u32,
    pub delivery: DeliveryWord,
    pub cases_presented: u32,
    pub follow_ups: u32,
    /// The leader (person id) who recorded it.
    pub recorded_by: String,
    pub people: Vec<SessionPersonView>,
    pub records: Vec<SessionRecordView>,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SessionView {
    fn new(d: &SessionDetail, group: &GroupDetail) -> Self {
        let s = &d.session;
        Self {
            id: s.id.clone(),
            group: s.group_id.clone(),
            date: s.held_on,
            minutes: s.minutes,
            delivery: delivery_word(s.delivery),
            cases_presented: s.cases_presented,
            follow_ups: s.follow_ups,
            recorded_by: s.recorded_by_person_id.clone(),
            people: d
                .people
                .iter()
                .map(|p| SessionPersonView {
                    person: p.person_id.clone(),
                    name: group.name_of(&p.person_id),
                    attendance: match p.attendance {
                        Attendance::InPerson => AttendanceWord::InPerson,
                        Attendance::Online => AttendanceWord::Online,
                        Attendance::Apologies => AttendanceWord::Apologies,
                    },
                    presented: p.presented,
                })
                .collect(),
            records: d
                .records
                .iter()
                .map(|(link, stored)| SessionRecordView {
                    person: link.person_id.clone(),
                    activity: link.activity_id.clone(),
                    kind: stored.activity.kind.to_string(),
                    status: stored.status.as_str().to_owned(),
                    attestor: stored.activity.attestor.as_ref().map(|a| a.to_string()),
                    linked: link.linked,
                })
                .collect(),
            recorded_at: utc(s.recorded_at),
            updated_at: utc(s.updated_at),
        }
    }
}

/// Record a session (a leader of the group on its day). It writes, in one
/// transaction with its audit records, each attendee's participation
/// record, confirmed by the recording leader, and the leaders' leading or
/// co-leading records, the recording leader's own waiting for the other
/// leader. A record an attendee logged themself of the same meeting is
/// linked, not written twice.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/sessions", operation_id = "group_sessions_record", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
    ),
    request_body = SessionBody,
    responses(
        (status = 201, description = "The session, with the records it stands for", body = SessionView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader of the group on that day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A session of the group on that day is recorded already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (people not members that day, ...), every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_session(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<SessionBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, group) = path.into_inner();
    let (society, group, detail) =
        sessions::record(&state, &caller, slug, group, body.into_inner().into()).await?;
    let at = format!(
        "{}/sessions/{}",
        location(&society.slug, &group.group.id),
        detail.session.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, at))
        .json(SessionView::new(&detail, &group)))
}

/// The group's sessions, the latest first: whoever may read the group.
#[utoipa::path(get, path = "/api/v1/societies/{society}/groups/{group}/sessions", operation_id = "group_sessions_list", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of sessions", body = Page<SessionView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor of the group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sessions_list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<SessionView>>, ApiError> {
    let (slug, group) = path.into_inner();
    let page = PageRequest::try_from(&query.into_inner());
    let (_, group, found) = sessions::list(&state, &caller, slug, group, page).await?;
    Ok(web::Json(found.map(|d| SessionView::new(&d, &group))))
}

/// One session, with who came and its records: whoever may read the group.
#[utoipa::path(get, path = "/api/v1/societies/{society}/groups/{group}/sessions/{session}", operation_id = "group_sessions_show", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        ("session" = String, Path, description = "The session's id"),
    ),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor of the group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, group or session", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn session_show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<web::Json<SessionView>, ApiError> {
    let (slug, group, session) = path.into_inner();
    let (_, group, detail) = sessions::one(&state, &caller, slug, group, session).await?;
    Ok(web::Json(SessionView::new(&detail, &group)))
}

/// Correct a session (a leader of the group on its day): only the fields
/// given change. Its records follow by the ledger's rules: a pending one
/// changes; a decided one is corrected by a new record; someone taken off
/// whose record was decided is 409.
#[utoipa::path(patch, path = "/api/v1/societies/{society}/groups/{group}/sessions/{session}", operation_id = "group_sessions_correct", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        ("session" = String, Path, description = "The session's id"),
    ),
    request_body = SessionBody,
    responses(
        (status = 200, description = "The session as corrected", body = SessionView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader of the group on that day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, group or session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another session on that day, or a decided record taken off", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn session_correct(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    body: Json<SessionBody>,
) -> Result<web::Json<SessionView>, ApiError> {
    let (slug, group, session) = path.into_inner();
    let (_, group, detail) = sessions::correct(
        &state,
        &caller,
        slug,
        group,
        session,
        body.into_inner().into(),
    )
    .await?;
    Ok(web::Json(SessionView::new(&detail, &group)))
}

/// A session planned ahead, as a leader or the registrar schedules or
/// changes it. To schedule, `starts_at` is required; the length and
/// delivery default to the group's. To change, only the fields given
/// change; `null` clears `place` or `note`. No clinical content: where
/// and a practical note, never what will be discussed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// The start in the local time where the group meets, with that
    /// place's offset from UTC on the day (RFC 3339, e.g.
    /// `2027-01-12T19:00:00+13:00`); in the future.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<DateTime<chrono::FixedOffset>>,
    /// 1 to 600 minutes.
    pub minutes: Option<u32>,
    pub delivery: Option<DeliveryWord>,
    /// Where: a place, or the online link's text (up to 500 characters).
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub place: Option<Option<String>>,
    /// A practical note (up to 500 characters), never case content.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
}

impl From<PlanBody> for PlanInput {
    fn from(b: PlanBody) -> Self {
        Self {
            starts: b.starts_at,
            minutes: b.minutes,
            delivery: b.delivery.map(Delivery::from),
            place: b.place,
            note: b.note,
        }
    }
}

/// Where a planned session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatusWord {
    Planned,
    Cancelled,
    Held,
}

/// A session planned ahead.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: String,
    /// The group's id.
    pub group: String,
    /// The start, in the local time (and offset) it was given in.
    pub starts_at: DateTime<chrono::FixedOffset>,
    /// The local day it is planned for.
    pub date: NaiveDate,
    pub minutes: u32,
    pub delivery: DeliveryWord,
    pub place: Option<String>,
    pub note: Option<String>,
    pub status: PlanStatusWord,
    /// Once held: the session recorded on its day.
    pub session: Option<String>,
    /// Bumped on every change (calendars' SEQUENCE).
    pub sequence: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PlanView {
    fn new(p: &PlannedSession) -> Self {
        let offset = chrono::FixedOffset::east_opt(p.utc_offset_minutes * 60)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
        Self {
            id: p.id.clone(),
            group: p.group_id.clone(),
            starts_at: utc(p.starts_at).with_timezone(&offset),
            date: p.on_day,
            minutes: p.minutes,
            delivery: delivery_word(p.delivery),
            place: p.place.clone(),
            note: p.note.clone(),
            status: match p.status {
                PlanStatus::Planned => PlanStatusWord::Planned,
                PlanStatus::Cancelled => PlanStatusWord::Cancelled,
                PlanStatus::Held => PlanStatusWord::Held,
            },
            session: p.session_id.clone(),
            sequence: p.sequence,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

/// Plan a session ahead (the registrar, or a leader of the group on its
/// day). Recording a session on that day takes the plan's length and
/// delivery, and marks the plan held.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/planned-sessions", operation_id = "group_plans_schedule", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
    ),
    request_body = PlanBody,
    responses(
        (status = 201, description = "The planned session", body = PlanView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor a leader of the group on that day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A session of the group is planned on that day already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn plan_schedule(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<PlanBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, group) = path.into_inner();
    let (society, group, plan) =
        plans::schedule(&state, &caller, slug, group, body.into_inner().into()).await?;
    let at = format!(
        "{}/planned-sessions/{}",
        location(&society.slug, &group.group.id),
        plan.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, at))
        .json(PlanView::new(&plan)))
}

/// The group's planned sessions (cancelled and held ones too), the
/// earliest first: whoever may read the group.
#[utoipa::path(get, path = "/api/v1/societies/{society}/groups/{group}/planned-sessions", operation_id = "group_plans_list", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of planned sessions", body = Page<PlanView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor of the group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or group", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn plans_list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<PlanView>>, ApiError> {
    let (slug, group) = path.into_inner();
    let page = PageRequest::try_from(&query.into_inner());
    let (_, _, all) = plans::list(&state, &caller, slug, group).await?;
    let page = page?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let items = all
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .map(PlanView::new)
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// Move or change a planned session (the registrar, or a leader of the
/// group on its day and on the day it moves to): only the fields given
/// change, and its sequence is bumped. A cancelled or held one is 409.
#[utoipa::path(patch, path = "/api/v1/societies/{society}/groups/{group}/planned-sessions/{plan}", operation_id = "group_plans_change", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        ("plan" = String, Path, description = "The planned session's id"),
    ),
    request_body = PlanBody,
    responses(
        (status = 200, description = "The planned session as changed", body = PlanView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor a leader of the group on that day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, group or planned session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or held already, or another session planned on the new day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn plan_change(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    body: Json<PlanBody>,
) -> Result<web::Json<PlanView>, ApiError> {
    let (slug, group, plan) = path.into_inner();
    let (_, _, plan) =
        plans::change(&state, &caller, slug, group, plan, body.into_inner().into()).await?;
    Ok(web::Json(PlanView::new(&plan)))
}

/// Cancel a planned session (the registrar, or a leader of the group on
/// its day): it stays listed, cancelled, and calendars show it called
/// off. A cancelled or held one is 409.
#[utoipa::path(post, path = "/api/v1/societies/{society}/groups/{group}/planned-sessions/{plan}/cancel", operation_id = "group_plans_cancel", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("group" = String, Path, description = "The group's id"),
        ("plan" = String, Path, description = "The planned session's id"),
    ),
    responses(
        (status = 200, description = "The planned session, cancelled", body = PlanView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the registrar nor a leader of the group on that day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, group or planned session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or held already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn plan_cancel(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<web::Json<PlanView>, ApiError> {
    let (slug, group, plan) = path.into_inner();
    let (_, _, plan) = plans::cancel(&state, &caller, slug, group, plan).await?;
    Ok(web::Json(PlanView::new(&plan)))
}
