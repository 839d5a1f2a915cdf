//! A society's register of accredited leaders: the public register, the
//! registrar's view of an entry with its whole history, grants, status
//! changes, renewals (assessed against the tier's renewal requirements over
//! the cycle's records), the lapse job and the renewals coming due.
//!
//! The public sees only people who consented to be listed, only public
//! fields, and never a confidential reason; an entry it may not see is
//! answered exactly like one that does not exist.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::evaluate::{Assessment, Candidate, Inputs, PrerequisiteResult};
use balint_core::ids::{PersonId, TierId};
use balint_core::pathway;
use balint_core::register::{
    Grant, PublicStatusChange, RegisterEntry, RegistrarAction, Renewal, RenewalCycle, Status,
    StatusChange, Visibility,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::day::Day;
use crate::db::pathways::PathwayVersion;
use crate::db::{self, people::Person, register::StoredEntry, societies::Society};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageRequest};
use crate::public_register::{ChangeRef, EntryRef, Listed, PublicSearch, Snapshot, Source};
use crate::register_io;
use crate::routes::applications::{prerequisite_shortfalls, reason_text, shortfalls, ReasonInput};
use crate::routes::progress;
use crate::routes::utc;

/// One change in an entry's history, as the registrar sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// The day it took effect.
    pub effective: NaiveDate,
    /// `grant`, `renew`, `suspend`, `reinstate`, `revoke`, `retire`,
    /// `lapse` or `mark_deceased`.
    pub action: String,
    /// The status before (none for the first grant).
    pub from: Option<String>,
    /// The status after.
    pub to: String,
    pub reason: String,
    /// `public` or `confidential` (the reason is withheld from the public).
    pub visibility: String,
    /// The tier granted, on grants.
    pub tier: Option<String>,
    /// The last day of the cycle set by this change (grants and renewals
    /// where the pathway has a cycle).
    pub valid_until: Option<NaiveDate>,
    /// Days of grace after `valid_until` before the entry lapses.
    pub grace_days: Option<u32>,
}

impl From<&StatusChange> for ChangeView {
    fn from(change: &StatusChange) -> Self {
        Self {
            effective: change.effective,
            action: change.action.as_str().to_owned(),
            from: change.from.map(|s| s.as_str().to_owned()),
            to: change.to.as_str().to_owned(),
            reason: change.reason.clone(),
            visibility: db::register::visibility_word(change.visibility),
            tier: change.tier.as_ref().map(|t| t.as_str().to_owned()),
            valid_until: change.cycle.map(|c| c.valid_until),
            grace_days: change.cycle.map(|c| c.grace_days),
        }
    }
}

/// One change as the public sees it: the reason only when it is public.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicChangeView {
    pub effective: NaiveDate,
    pub action: String,
    pub from: Option<String>,
    pub to: String,
    /// Withheld (null) when the change is confidential.
    pub reason: Option<String>,
    pub tier: Option<String>,
    pub valid_until: Option<NaiveDate>,
}

impl From<PublicStatusChange> for PublicChangeView {
    fn from(public: PublicStatusChange) -> Self {
        Self {
            effective: public.effective,
            action: public.action.as_str().to_owned(),
            from: public.from.map(|s| s.as_str().to_owned()),
            to: public.to.as_str().to_owned(),
            reason: public.reason,
            tier: public.tier.map(|t| t.as_str().to_owned()),
            valid_until: public.valid_until,
        }
    }
}

impl From<&StatusChange> for PublicChangeView {
    fn from(change: &StatusChange) -> Self {
        Self::from(change.public_view())
    }
}

/// A tier an entry has reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierView {
    pub tier: String,
    /// The day it was first granted.
    pub reached: NaiveDate,
}

/// An entry on the public register, as it stands today.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEntryView {
    /// e.g. `BSANZ-0042`.
    pub registration: String,
    pub title: Option<String>,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// The tier most recently granted.
    pub tier: String,
    pub status: String,
    pub first_accredited: NaiveDate,
    /// The last day of the current cycle, where there is one.
    pub valid_until: Option<NaiveDate>,
}

impl From<Listed> for PublicEntryView {
    fn from(listed: Listed) -> Self {
        Self {
            registration: listed.registration,
            title: listed.title,
            name: listed.name,
            city: listed.city,
            region: listed.region,
            tier: listed.tier,
            status: listed.status.as_str().to_owned(),
            first_accredited: listed.first_accredited,
            valid_until: listed.valid_until,
        }
    }
}

/// A [`PublicEntryDetail`] written straight from the public register in
/// memory: the same JSON, without building the view first.
struct PublicEntryJson<'a>(EntryRef<'a>);

impl Serialize for PublicEntryJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let entry = &self.0;
        let mut out = serializer.serialize_struct("PublicEntryDetail", 10)?;
        out.serialize_field("registration", entry.registration())?;
        out.serialize_field("title", &entry.title())?;
        out.serialize_field("name", entry.name())?;
        out.serialize_field("city", &entry.city())?;
        out.serialize_field("region", &entry.region())?;
        out.serialize_field("tier", entry.tier())?;
        out.serialize_field("status", entry.status().as_str())?;
        out.serialize_field("first_accredited", &IsoDate(entry.first_accredited()))?;
        out.serialize_field("valid_until", &entry.valid_until().map(IsoDate))?;
        out.serialize_field("history", &HistoryJson(*entry))?;
        out.end()
    }
}

/// A date as chrono writes it (`2026-03-01`), without its formatter.
struct IsoDate(NaiveDate);

impl Serialize for IsoDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use chrono::Datelike;
        let (year, month, day) = (self.0.year(), self.0.month(), self.0.day());
        let Ok(year) = u32::try_from(year) else {
            return self.0.serialize(serializer);
        };
        if year > 9999 {
            return self.0.serialize(serializer);
        }
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let text = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

struct HistoryJson<'a>(EntryRef<'a>);

impl Serialize for HistoryJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.history().map(PublicChangeJson))
    }
}

/// A [`PublicChangeView`] written straight from the register in memory.
struct PublicChangeJson<'a>(ChangeRef<'a>);

impl Serialize for PublicChangeJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let change = &self.0;
        let mut out = serializer.serialize_struct("PublicChangeView", 7)?;
        out.serialize_field("effective", &IsoDate(change.effective()))?;
        out.serialize_field("action", change.action().as_str())?;
        out.serialize_field("from", &change.from().map(Status::as_str))?;
        out.serialize_field("to", change.to().as_str())?;
        out.serialize_field("reason", &change.reason())?;
        out.serialize_field("tier", &change.tier())?;
        out.serialize_field("valid_until", &change.valid_until().map(IsoDate))?;
        out.end()
    }
}

/// One public entry with its public history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEntryDetail {
    #[serde(flatten)]
    pub entry: PublicEntryView,
    /// Every change up to today, oldest first; confidential reasons withheld.
    pub history: Vec<PublicChangeView>,
}

/// An entry as the registrar sees it: every field and the whole history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrarEntryView {
    pub registration: String,
    pub person_id: String,
    pub title: Option<String>,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// Whether the person consented to appear on the public register.
    pub public_listing: bool,
    /// The tier most recently granted.
    pub tier: String,
    /// Every tier granted, with the day it was first granted.
    pub tiers: Vec<TierView>,
    /// The status today.
    pub status: Option<String>,
    /// The status after the latest recorded change (which may be dated
    /// ahead of today).
    pub latest_status: String,
    pub first_accredited: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The day the entry lapses if not renewed.
    pub lapses_on: Option<NaiveDate>,
    /// Every change, oldest first, confidential reasons included.
    pub history: Vec<ChangeView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `GET .../register/{registration}`: the registrar's view for the
/// society's registrar, the public view for everyone else.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum EntryAnswer {
    Registrar(RegistrarEntryView),
    Public(PublicEntryDetail),
}

// Described as `anyOf`, not the `oneOf` an untagged enum gets: the
// registrar's view holds every field of the public one, so an answer
// matches both schemas, which `oneOf` forbids.
impl utoipa::PartialSchema for EntryAnswer {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, Ref};
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("RegistrarEntryView"))
            .item(Ref::from_schema_name("PublicEntryDetail"))
            .description(Some(
                "The registrar's view for the society's registrar, the public view for everyone else.",
            ))
            .into()
    }
}

impl ToSchema for EntryAnswer {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push((
            RegistrarEntryView::name().into_owned(),
            RegistrarEntryView::schema(),
        ));
        RegistrarEntryView::schemas(schemas);
        schemas.push((
            PublicEntryDetail::name().into_owned(),
            PublicEntryDetail::schema(),
        ));
        PublicEntryDetail::schemas(schemas);
    }
}

fn registrar_view(stored: &StoredEntry, person: &Person, today: NaiveDate) -> RegistrarEntryView {
    let entry = &stored.entry;
    RegistrarEntryView {
        registration: entry.registration().as_str().to_owned(),
        person_id: entry.person().as_str().to_owned(),
        title: person.title.clone(),
        name: person.name(),
        city: person.city.clone(),
        region: person.region.clone(),
        public_listing: person.public_listing,
        tier: db::register::current_tier(entry)
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        tiers: entry
            .tiers()
            .into_iter()
            .map(|held| TierView {
                tier: held.tier.as_str().to_owned(),
                reached: held.reached,
            })
            .collect(),
        status: entry.status_as_of(today).map(|s| s.as_str().to_owned()),
        latest_status: entry.status().as_str().to_owned(),
        first_accredited: entry.first_accredited(),
        valid_until: entry.valid_until(),
        lapses_on: entry.lapses_on(),
        history: entry.history().iter().map(ChangeView::from).collect(),
        created_at: utc(stored.created_at),
        updated_at: utc(stored.updated_at),
    }
}

/// The public view of `entry` on `today`, or `None` before its first grant.
fn public_view(
    entry: &RegisterEntry,
    person: &Person,
    today: NaiveDate,
) -> Option<PublicEntryDetail> {
    let public = entry.public_view(today)?;
    let history = entry
        .history()
        .iter()
        .filter(|change| change.effective <= today)
        .map(PublicChangeView::from)
        .collect();
    Some(PublicEntryDetail {
        entry: PublicEntryView {
            registration: public.registration.as_str().to_owned(),
            title: person.title.clone(),
            name: person.name(),
            city: person.city.clone(),
            region: person.region.clone(),
            tier: public.tier.as_str().to_owned(),
            status: public.status.as_str().to_owned(),
            first_accredited: public.first_accredited,
            valid_until: public.valid_until,
        },
        history,
    })
}

/// `answer` from the society's public register as it stands today: from
/// the copy in memory when it is known to be current, else after reading
/// the register's version (on the blocking pool). When the database cannot
/// be asked, from the copy held, however old (503 only when there is
/// none). 404 for an unknown society.
async fn from_public_register<T>(
    state: &AppState,
    slug: String,
    answer: impl FnOnce(&Snapshot) -> T,
) -> Result<T, ApiError> {
    let today = today();
    let registers = &state.public_register;
    if let Some(register) = registers.held(&slug, today) {
        return Ok(answer(&register));
    }
    let turn = match registers.source(&slug) {
        Source::Copy(copy) => return Ok(answer(&copy)),
        Source::Ask(turn) => turn,
    };
    let asking = Arc::clone(registers);
    let wanted = slug.clone();
    let asked = db::run(&state.pool, move |conn| {
        asking.current(conn, &wanted, today)
    })
    .await;
    let register = match asked {
        Err(ApiError::Unavailable(cause)) => registers
            .unavailable(&slug, &cause)
            .ok_or(ApiError::Unavailable(cause))?,
        other => {
            registers.answered();
            other?
        }
    };
    drop(turn);
    Ok(answer(&register))
}

pub(crate) fn not_found(registration: &str) -> ApiError {
    ApiError::NotFound(format!("registration {registration}"))
}

pub(crate) fn today() -> NaiveDate {
    db::now().date()
}

pub(crate) async fn society(state: &AppState, slug: String) -> Result<Society, ApiError> {
    db::run(&state.pool, move |conn| db::societies::by_slug(conn, &slug)).await
}

/// The public register's filters and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// Part of the name, in any case.
    pub q: Option<String>,
    /// The tier most recently granted, e.g. `accredited-leader`.
    pub tier: Option<String>,
    /// The status today, e.g. `accredited`.
    pub status: Option<String>,
    /// The city or the region, in any case.
    pub region: Option<String>,
}

/// Search the public register (public): people who consented to be listed,
/// public fields only, ordered by family name, given name and registration.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register", operation_id = "register_list", tag = "register",
    params(("society" = String, Path, description = "The society's slug"), RegisterQuery),
    responses(
        (status = 200, description = "A page of public entries", body = Page<PublicEntryView>),
        (status = 400, description = "Invalid paging or status", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query<RegisterQuery>,
) -> Result<web::Json<Page<PublicEntryView>>, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(&crate::pagination::PageQuery {
        page: query.page,
        per_page: query.per_page,
    })?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            s.parse::<Status>()
                .map_err(|e| ApiError::bad_request("status", e.to_string()))
        })
        .transpose()?;
    let search = PublicSearch {
        q: query.q.map(|q| q.trim().to_lowercase()),
        tier: query.tier,
        status,
        place: query.region.map(|r| r.trim().to_lowercase()),
    };
    let slug = path.into_inner();
    let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit()).unwrap_or(usize::MAX);
    let (found, total) = from_public_register(&state, slug, move |register| {
        register.search(&search, offset, limit)
    })
    .await?;
    let items = found.into_iter().map(PublicEntryView::from).collect();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    Ok(web::Json(Page::new(items, page, total)))
}

/// One entry: the public entry with its public history (public), or, for
/// the society's registrar, every field and the whole history. Unknown and
/// unlisted numbers get the same 404.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/{registration}", operation_id = "register_show", tag = "register",
    security((), ("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number, e.g. `BSANZ-0042`"),
    ),
    responses(
        (status = 200, description = "The entry", body = EntryAnswer),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry, or not listed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, registration) = path.into_inner();
    if matches!(caller, Caller::Anonymous) {
        // From memory, written straight from the copy: the public register's
        // busiest request.
        let wanted = registration.clone();
        let body = from_public_register(&state, slug, move |register| {
            register.entry(&wanted).map(|entry| {
                // Room for a typical entry and its history at once.
                let mut body = Vec::with_capacity(1024);
                serde_json::to_writer(&mut body, &PublicEntryJson(entry)).map(|()| body)
            })
        })
        .await?
        .ok_or_else(|| not_found(&registration))?
        .map_err(|e| ApiError::Internal(e.into()))?;
        return Ok(HttpResponse::Ok()
            .content_type(header::ContentType::json())
            .body(body));
    }
    let answer = entry_answer(&state, &caller, slug, registration).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// One entry as `caller` may see it: the public entry (from memory for
/// anyone not signed in) or, for the society's registrar, every field.
pub(crate) async fn entry_answer(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
) -> Result<EntryAnswer, ApiError> {
    let wanted = registration.clone();
    if matches!(caller, Caller::Anonymous) {
        let detail = from_public_register(state, slug, move |register| {
            register.entry(&wanted).map(|entry| PublicEntryDetail {
                entry: PublicEntryView::from(entry.listed()),
                history: entry
                    .history()
                    .map(|change| PublicChangeView::from(change.to_public()))
                    .collect(),
            })
        })
        .await?;
        return detail
            .map(EntryAnswer::Public)
            .ok_or_else(|| not_found(&registration));
    }
    // One query for the society, the entry and the person.
    let found = db::run(&state.pool, move |conn| {
        db::register::in_society(conn, &slug, &wanted)
    })
    .await?;
    let today = today();
    match found {
        Some((society, stored, person)) if permissions::acts_as_registrar(caller, &society.id) => {
            Ok(EntryAnswer::Registrar(registrar_view(
                &stored, &person, today,
            )))
        }
        Some((_, stored, person)) if person.public_listing => {
            public_view(&stored.entry, &person, today)
                .map(EntryAnswer::Public)
                .ok_or_else(|| not_found(&registration))
        }
        _ => Err(not_found(&registration)),
    }
}

fn entry_with_person(
    conn: &mut db::DbConnection,
    society_id: &str,
    registration: &str,
) -> Result<Option<(StoredEntry, Person)>, ApiError> {
    let Some(stored) = db::register::by_registration(conn, society_id, registration)? else {
        return Ok(None);
    };
    let person = db::people::find(conn, society_id, stored.entry.person().as_str())?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("register person missing")))?;
    Ok(Some((stored, person)))
}

/// A grant recorded directly by the registrar: a tier conferred by
/// invitation (e.g. BSANZ Leader Trainee), or a decision the society made
/// outside this service. The tier must be in the pathway version that
/// applies to the person, and its prerequisite tiers held on `effective`
/// (unless `override_prerequisites` says why not); where the tier has a
/// renewal cycle, the entry runs to the end of the first cycle from
/// `effective`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The person, in this society's records.
    pub person_id: String,
    /// The tier granted, e.g. `accredited-leader`.
    pub tier: String,
    /// The day the grant takes effect (YYYY-MM-DD, 1900-01-01 to 2199-12-31).
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why, e.g. the council decision.
    pub reason: String,
    /// `public` or `confidential`: whether the reason is shown on the
    /// public register. Default `public`, or `confidential` for a grant
    /// by override, whose reason says why the prerequisites were not held.
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
    /// Grant although the tier's prerequisites are not held on
    /// `effective`, with the reason (e.g. the council's decision on a
    /// leader accredited abroad); up to 2000 characters. Written into the
    /// grant's reason in the entry's history, and kept with the unmet
    /// prerequisites in the audit log (entity `prerequisite_override`).
    /// Refused (422) when the prerequisites are held.
    pub override_prerequisites: Option<ReasonInput>,
}

/// The first cycle of `tier` from `start`, under the pathway's renewal
/// rule: it runs to the day before the anniversary and lapses once the
/// grace months have passed.
pub(crate) fn cycle_from(
    renewal: &pathway::Renewal,
    start: NaiveDate,
) -> Result<RenewalCycle, ApiError> {
    let end = renewal.cycle_end(start);
    let valid_until = end.pred_opt().unwrap_or(end);
    RenewalCycle::from_dates(valid_until, renewal.lapses_on(start)).map_err(db::register::refused)
}

/// The pathway version that applies to `person` (entered the pathway on
/// the day given, else `fallback`); 422 when the society has none.
fn pathway_version_for(
    conn: &mut db::DbConnection,
    society_id: &str,
    person: &Person,
    fallback: NaiveDate,
) -> Result<PathwayVersion, ApiError> {
    let entered = person.entered_pathway_on.unwrap_or(fallback);
    db::pathways::applicable(conn, society_id, entered)?.ok_or_else(|| ApiError::Unprocessable {
        detail: "the society has no pathway yet; upload or adopt one first".to_owned(),
        errors: Vec::new(),
    })
}

/// Record a grant (registrar): puts the person on the register with the
/// society's next registration number, or adds the tier to their entry.
///
/// The tier's prerequisites must be held on `effective`, as an
/// application's assessment requires them: each prerequisite tier held on
/// the person's register entry that day (a tier reached on entering the
/// pathway is held from their `entered_pathway_on`), for at least its
/// `min_months` where the pathway sets them. Not held: 422 listing every
/// unmet prerequisite (`prerequisites.{tier}`, with the months it must be
/// held), and nothing changes, unless the registrar gives
/// `override_prerequisites` with a reason, which is written into the
/// grant's reason and kept in the audit log. A grant the entry's state
/// refuses is answered (409) before its prerequisites are checked. An
/// import of an existing register (`.../register/import`) replays the
/// society's history as given, without this check.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = GrantRequest,
    responses(
        (status = 201, description = "The person was put on the register", body = RegistrarEntryView),
        (status = 200, description = "The person's entry was updated", body = RegistrarEntryView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The entry's state refuses the grant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The tier's prerequisites are not held on `effective` (every one listed), an override that is not needed, or invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn grant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<GrantRequest>,
) -> Result<HttpResponse, ApiError> {
    permissions::require_user(&caller)?;
    let society = society(&state, path.into_inner()).await?;
    let actor = permissions::require_registrar(&caller, &society.id)?
        .user_id
        .clone();
    let body = body.into_inner();
    let mut problems = Vec::new();
    let person_id = body
        .person_id
        .parse::<PersonId>()
        .map_err(|e| problems.push(FieldProblem::new("person_id", e.to_string())))
        .ok();
    let tier = body
        .tier
        .parse::<TierId>()
        .map_err(|e| problems.push(FieldProblem::new("tier", e.to_string())))
        .ok();
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() {
        problems.push(FieldProblem::new("reason", "is required"));
    }
    let overriding = body
        .override_prerequisites
        .as_ref()
        .map(|o| reason_text("override_prerequisites.reason", &o.reason, &mut problems));
    let (Some(person_id), Some(tier), true) = (person_id, tier, problems.is_empty()) else {
        return Err(invalid(problems));
    };
    let overriding = overriding.flatten();
    let now = db::now();
    let today = now.date();
    let slug = society.slug.clone();
    let (granted, person) = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let person =
                db::people::find(conn, &society.id, person_id.as_str())?.ok_or_else(|| {
                    ApiError::unprocessable("person_id", "no such person in this society")
                })?;
            let pathway = pathway_version_for(conn, &society.id, &person, body.effective.date())?.pathway;
            let Some(tier_rule) = pathway.tier(&tier) else {
                return Err(ApiError::unprocessable(
                    "tier",
                    format!("the pathway {} has no tier {tier}", pathway.id()),
                ));
            };
            let cycle = tier_rule
                .renewal
                .as_ref()
                .map(|renewal| cycle_from(renewal, body.effective.date()))
                .transpose()?;
            let mut grant = Grant {
                effective: body.effective.date(),
                tier: tier.clone(),
                cycle,
                reason: reason.clone(),
                visibility: body.visibility.unwrap_or(Visibility::Public),
            };
            // A grant the entry's state refuses (e.g. a suspended entry,
            // which holds no tier) is answered as such, before the
            // prerequisites are checked.
            let stored = db::register::by_person(conn, &society.id, person_id.as_str())?;
            if let Some(stored) = &stored {
                stored
                    .entry
                    .clone()
                    .grant(grant.clone())
                    .map_err(db::register::refused)?;
            }
            let candidate = progress::candidate(
                &person,
                person_id.clone(),
                stored.as_ref().map(|s| &s.entry),
                body.effective.date(),
            );
            let unmet = unmet_prerequisites(&pathway, &candidate, &tier, body.effective.date())?;
            match (unmet.is_empty(), &overriding) {
                (true, None) => {}
                (true, Some(_)) => {
                    return Err(ApiError::unprocessable(
                        "override_prerequisites",
                        format!(
                            "is not needed: the prerequisites of {} are held on {}",
                            tier_rule.name, body.effective.date()
                        ),
                    ))
                }
                (false, None) => {
                    let errors = prerequisite_shortfalls(&unmet);
                    return Err(ApiError::Unprocessable {
                        detail: format!(
                            "the prerequisites of {} are not held on {}: {} shortfall(s); the registrar may grant with override_prerequisites and a reason",
                            tier_rule.name,
                            body.effective.date(),
                            errors.len()
                        ),
                        errors,
                    });
                }
                (false, Some(why)) => {
                    grant.reason =
                        format!("{reason} (granted by override, the prerequisites not held: {why})");
                    grant.visibility = body.visibility.unwrap_or(Visibility::Confidential);
                }
            }
            let granted =
                db::register::grant(conn, &society, &person_id, grant, Some(&actor), now)?;
            if let Some(why) = &overriding {
                db::audit::record(
                    conn,
                    db::audit::Change {
                        actor_user_id: Some(&actor),
                        society_id: Some(&society.id),
                        action: db::audit::Action::Create,
                        entity: db::audit::Entity::PrerequisiteOverride,
                        entity_id: &granted.stored.id,
                        before: None,
                        after: Some(serde_json::json!({
                            "registration": granted.stored.entry.registration(),
                            "person_id": person_id,
                            "tier": tier,
                            "effective": body.effective.date(),
                            "override_reason": why,
                            "unmet_prerequisites": unmet,
                        })),
                        at: now,
                    },
                )?;
            }
            Ok((granted, person))
        })
    })
    .await?;
    let view = registrar_view(&granted.stored, &person, today);
    if granted.created {
        let location = format!("/api/v1/societies/{slug}/register/{}", view.registration);
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .json(view))
    } else {
        Ok(HttpResponse::Ok().json(view))
    }
}

/// The prerequisites of `tier` that `candidate` does not hold on `on`, as
/// balint-core assesses them for an application: each prerequisite tier
/// held that day (a tier reached on entering the pathway from the day the
/// person entered it), for at least its `min_months` where it sets them.
/// The assessment is made on an empty ledger: prerequisites do not depend
/// on it, and a direct grant is the registrar's decision on the tier's
/// requirements.
fn unmet_prerequisites(
    pathway: &pathway::Pathway,
    candidate: &Candidate,
    tier: &TierId,
    on: NaiveDate,
) -> Result<Vec<PrerequisiteResult>, ApiError> {
    let assessment = Inputs::new(pathway, candidate, &[], on)
        .evaluate(tier)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("prerequisites of {tier}: {e}")))?;
    Ok(assessment
        .prerequisites
        .into_iter()
        .filter(|p| !p.met)
        .collect())
}

fn invalid(errors: Vec<FieldProblem>) -> ApiError {
    ApiError::Unprocessable {
        detail: "the request has invalid fields".to_owned(),
        errors,
    }
}

/// A status change ordered by the registrar.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `suspend`, `reinstate`, `revoke`, `retire`, `lapse` or
    /// `mark_deceased`.
    #[schema(value_type = String)]
    pub action: RegistrarAction,
    /// The day it takes effect (YYYY-MM-DD, 1900-01-01 to 2199-12-31); not before the
    /// entry's latest change.
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why.
    pub reason: String,
    /// `public` or `confidential`: whether the reason is shown on the
    /// public register (the new status always is).
    #[schema(value_type = String)]
    pub visibility: Visibility,
}

/// Change an entry's status (registrar). Only the transitions of the
/// register's rules are allowed; a refused one (e.g. reinstating a revoked
/// entry, or a change dated before the latest one) is a 409 saying why,
/// and changes nothing.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/{registration}/status", tag = "register",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "The entry after the change", body = RegistrarEntryView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The transition is not allowed from the entry's status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<StatusRequest>,
) -> Result<web::Json<RegistrarEntryView>, ApiError> {
    let body = body.into_inner();
    let reason = body.reason.trim().to_owned();
    change_entry(&state, &caller, path.into_inner(), move |_, _, _| {
        if reason.is_empty() {
            return Err(ApiError::unprocessable("reason", "is required"));
        }
        Ok(Box::new(move |entry: &mut RegisterEntry| {
            entry
                .change_status(body.action, body.effective.date(), reason, body.visibility)
                .map(|_| ())
        }))
    })
    .await
}

type EntryChange =
    Box<dyn FnOnce(&mut RegisterEntry) -> Result<(), balint_core::register::RegisterError>>;

/// Load the entry, let `prepare` decide the change (it may read the
/// database, e.g. the pathway), apply and store it, answer the new view.
async fn change_entry(
    state: &AppState,
    caller: &Caller,
    (slug, registration): (String, String),
    prepare: impl FnOnce(&mut db::DbConnection, &StoredEntry, &Person) -> Result<EntryChange, ApiError>
        + Send
        + 'static,
) -> Result<web::Json<RegistrarEntryView>, ApiError> {
    permissions::require_user(caller)?;
    let society = society(state, slug).await?;
    let actor = permissions::require_registrar(caller, &society.id)?
        .user_id
        .clone();
    let now = db::now();
    let (stored, person) = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (stored, person) = entry_with_person(conn, &society.id, &registration)?
                .ok_or_else(|| not_found(&registration))?;
            let change = prepare(conn, &stored, &person)?;
            let stored = db::register::update(conn, stored, Some(&actor), now, change)?;
            Ok((stored, person))
        })
    })
    .await?;
    Ok(web::Json(registrar_view(&stored, &person, now.date())))
}

/// A renewal for the next cycle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalRequest {
    /// The day the renewal is recorded as taking effect. The renewal
    /// requirements are assessed as of this day: records dated after it
    /// do not count. YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why, e.g. the renewal requirements met.
    pub reason: String,
    /// `public` or `confidential`: whether the reason is shown on the
    /// public register (the renewal itself always is). Default `public`,
    /// or `confidential` for a renewal by override, whose reason says why
    /// the requirements were not met.
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
    /// Registrar: renew although the renewal requirements are not met,
    /// with the reason (e.g. the committee's discretion after a year of
    /// illness); up to 2000 characters. Written into the renewal's reason
    /// in the entry's history, and kept with the assessment in the audit
    /// log. Refused (422) when the requirements are met.
    #[serde(rename = "override")]
    pub overriding: Option<ReasonInput>,
}

/// What allowed a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalBasis {
    /// The renewal requirements were met over the cycle.
    Met,
    /// They were not met; the registrar renewed by override, with a reason.
    Override,
    /// The tier's renewal rule sets no requirements.
    NoRequirements,
}

/// How a renewal was assessed. The same record is kept in the audit log
/// (entity `renewal`, the entry's id).
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalAssessment {
    pub basis: RenewalBasis,
    /// The registrar's reason, on a renewal by override.
    pub override_reason: Option<String>,
    /// The tier whose renewal rule applied: the highest tier of the entry
    /// that the pathway renews.
    pub tier: String,
    /// The number of the society's pathway version the rule was taken
    /// from: the one that applies to the person.
    pub pathway_version_number: i32,
    /// The first day of the cycle whose records were assessed.
    pub cycle_first_day: NaiveDate,
    /// Its last day.
    pub cycle_last_day: NaiveDate,
    /// balint-core's assessment of the renewal requirements over the
    /// cycle, as of `effective` (null when the rule sets none): per
    /// requirement, what is required and achieved, the records that
    /// counted, those that did not and why (e.g. outside the cycle), the
    /// pending records that would count once attested, and what is missing.
    #[schema(value_type = Option<Object>)]
    pub assessment: Option<Assessment<'static>>,
}

/// An entry after its renewal, with how the renewal was assessed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalView {
    #[serde(flatten)]
    pub entry: RegistrarEntryView,
    pub renewal: RenewalAssessment,
}

/// The cycle whose records a renewal is assessed over, as first and last
/// day: the cycle-length period that ends on `last_day`, counted back from
/// its end so that the records of its last day count. Where month ends
/// clamp (a six-month cycle to 30 August would start on 28 February and
/// end on 27 August), it starts on the first day whose cycle reaches
/// `last_day`, and its last day may fall a day or two later.
fn assessed_cycle(renewal: &pathway::Renewal, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let end = last_day.succ_opt().unwrap_or(last_day);
    let mut start = end
        .checked_sub_months(chrono::Months::new(renewal.cycle_months))
        .unwrap_or(NaiveDate::MIN);
    while renewal.cycle_end(start) < end {
        match start.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    let last = renewal
        .cycle_end(start)
        .pred_opt()
        .unwrap_or(last_day)
        .max(last_day);
    (start, last)
}

/// Renew an entry for the next cycle (registrar), under the renewal rule
/// of its highest tier that the pathway version applying to the person
/// renews. An entry renewed on time runs on without a gap (the new cycle
/// starts the day after the current one ends); a lapsed entry renewed late
/// starts a new cycle on `effective`.
///
/// The renewal requirements are assessed over the person's ledger as of
/// `effective`, counting only attested records dated within the cycle
/// being renewed: for an entry renewed on time, its current cycle (the
/// cycle-length period ending on `valid_until`); for a lapsed entry (or
/// one without a cycle), the cycle-length period ending on `effective`,
/// the last cycle's worth of practice before it returns. Pending records
/// and records before the cycle do not count. Recorded requirement
/// overrides (recognition of prior learning) are for a tier's
/// requirements and do not apply to renewals; the registrar's `override`
/// here is the renewal's discretion. Not met: 422 listing every shortfall
/// (`requirements.{id}`, as applications are refused), and nothing
/// changes, unless the registrar gives `override` with a reason. A rule
/// with no requirements renews without an assessment. The answer carries
/// the assessment, which is also kept in the audit log.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/{registration}/renewals", tag = "register",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    request_body = RenewalRequest,
    responses(
        (status = 200, description = "The entry after the renewal, with the renewal's assessment", body = RenewalView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar (who alone renews and overrides)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The entry's status refuses a renewal", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The renewal requirements are not met (every shortfall listed), an override that is not needed, invalid fields, or the tier has no renewal cycle", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn renew(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<RenewalRequest>,
) -> Result<web::Json<RenewalView>, ApiError> {
    permissions::require_user(&caller)?;
    let (slug, registration) = path.into_inner();
    let society = society(&state, slug).await?;
    let actor = permissions::require_registrar(&caller, &society.id)?
        .user_id
        .clone();
    let body = body.into_inner();
    let mut problems = Vec::new();
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() {
        problems.push(FieldProblem::new("reason", "is required"));
    }
    let overriding = body
        .overriding
        .as_ref()
        .map(|o| reason_text("override.reason", &o.reason, &mut problems));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let overriding = overriding.flatten();
    let now = db::now();
    let (stored, person, renewal) = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (stored, person) = entry_with_person(conn, &society.id, &registration)?
                .ok_or_else(|| not_found(&registration))?;
            let entry = &stored.entry;
            let version =
                pathway_version_for(conn, &society.id, &person, entry.first_accredited())?;
            let pathway = &version.pathway;
            // The highest tier granted that the pathway renews.
            let (tier, rule) = entry
                .tiers()
                .into_iter()
                .rev()
                .find_map(|held| {
                    let rule = pathway.tier(&held.tier)?.renewal.clone()?;
                    Some((held.tier, rule))
                })
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "registration",
                        "the pathway sets no renewal cycle for the entry's tiers",
                    )
                })?;
            let on_time = entry.cycle().filter(|_| entry.status() != Status::Lapsed);
            let (start, assessed) = match on_time {
                Some(current) => (
                    current
                        .valid_until
                        .succ_opt()
                        .unwrap_or(current.valid_until),
                    assessed_cycle(&rule, current.valid_until),
                ),
                None => (
                    body.effective.date(),
                    assessed_cycle(&rule, body.effective.date()),
                ),
            };
            let cycle = cycle_from(&rule, start)?;
            // A status that refuses the renewal is answered before the
            // requirements are assessed.
            entry
                .clone()
                .renew(Renewal {
                    effective: body.effective.date(),
                    cycle,
                    reason: reason.clone(),
                    visibility: Visibility::Public,
                })
                .map_err(db::register::refused)?;
            let assessment = if rule.requirements.is_empty() {
                None
            } else {
                let evidence =
                    progress::evidence(conn, &society.id, &person, body.effective.date())?;
                let assessment = Inputs::new(
                    pathway,
                    &evidence.candidate,
                    &evidence.ledger,
                    body.effective.date(),
                )
                .with_register(&evidence.register)
                .evaluate_renewal(&tier, assessed.0)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("renewal of {tier}: {e}")))?;
                Some(assessment.into_owned())
            };
            let basis = renewal_basis(assessment.as_ref(), overriding.as_deref(), assessed)?;
            // An override passed `renewal_basis` only where it is needed.
            let (reason, visibility) = match &overriding {
                Some(why) => (
                    format!(
                        "{reason} (renewed by override, the renewal requirements not met: {why})"
                    ),
                    body.visibility.unwrap_or(Visibility::Confidential),
                ),
                None => (reason, body.visibility.unwrap_or(Visibility::Public)),
            };
            let renewal = RenewalAssessment {
                basis,
                override_reason: overriding,
                tier: tier.as_str().to_owned(),
                pathway_version_number: version.summary.number,
                cycle_first_day: assessed.0,
                cycle_last_day: assessed.1,
                assessment,
            };
            let stored = db::register::update(conn, stored, Some(&actor), now, |entry| {
                entry
                    .renew(Renewal {
                        effective: body.effective.date(),
                        cycle,
                        reason,
                        visibility,
                    })
                    .map(|_| ())
            })?;
            let record = serde_json::to_value(&renewal).map_err(|e| {
                ApiError::Internal(anyhow::anyhow!("serializing a renewal's assessment: {e}"))
            })?;
            db::audit::record(
                conn,
                db::audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: db::audit::Action::Create,
                    entity: db::audit::Entity::Renewal,
                    entity_id: &stored.id,
                    before: None,
                    after: Some(serde_json::json!({
                        "registration": stored.entry.registration(),
                        "effective": body.effective.date(),
                        "valid_until": stored.entry.valid_until(),
                        "renewal": record,
                    })),
                    at: now,
                },
            )?;
            Ok((stored, person, renewal))
        })
    })
    .await?;
    Ok(web::Json(RenewalView {
        entry: registrar_view(&stored, &person, now.date()),
        renewal,
    }))
}

/// What allows the renewal, or the refusal: 422 with every shortfall when
/// the requirements are not met and there is no override; 422 for an
/// override that is not needed.
fn renewal_basis(
    assessment: Option<&Assessment<'_>>,
    overriding: Option<&str>,
    (first_day, last_day): (NaiveDate, NaiveDate),
) -> Result<RenewalBasis, ApiError> {
    match (assessment, overriding) {
        (None, None) => Ok(RenewalBasis::NoRequirements),
        (None, Some(_)) => Err(ApiError::unprocessable(
            "override",
            "is not needed: the renewal rule sets no requirements",
        )),
        (Some(a), Some(_)) if a.eligible => Err(ApiError::unprocessable(
            "override",
            "is not needed: the renewal requirements are met",
        )),
        (Some(a), None) if a.eligible => Ok(RenewalBasis::Met),
        (Some(_), Some(_)) => Ok(RenewalBasis::Override),
        (Some(a), None) => {
            let errors = shortfalls(a);
            Err(ApiError::Unprocessable {
                detail: format!(
                    "renewal requirements of {} not met over the cycle {first_day} to {last_day}: {} shortfall(s); the registrar may renew with an override and a reason",
                    a.tier_name,
                    errors.len()
                ),
                errors,
            })
        }
    }
}

/// The day a job or list is for.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The day (default today), YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// An entry the lapse job lapsed.
#[derive(Debug, Serialize, ToSchema)]
pub struct LapsedView {
    pub registration: String,
    /// The day it lapsed: the day after its grace period.
    pub effective: NaiveDate,
}

/// What the lapse job did.
#[derive(Debug, Serialize, ToSchema)]
pub struct LapseReport {
    pub as_of: NaiveDate,
    /// The entries lapsed by this run (none when run again the same day).
    pub lapsed: Vec<LapsedView>,
}

/// Lapse every entry whose cycle ended and whose grace period passed by
/// `as_of` (registrar). Safe to run daily and twice: a second run changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/lapse", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), AsOfQuery),
    responses(
        (status = 200, description = "The entries lapsed", body = LapseReport),
        (status = 400, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn lapse(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<AsOfQuery>,
) -> Result<web::Json<LapseReport>, ApiError> {
    permissions::require_user(&caller)?;
    let society = society(&state, path.into_inner()).await?;
    permissions::require_registrar(&caller, &society.id)?;
    let now = db::now();
    let as_of = query.as_of.map_or(now.date(), Day::date);
    let lapsed = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            db::register::lapse_due(conn, Some(&society.id), as_of, now)
        })
    })
    .await?;
    Ok(web::Json(LapseReport {
        as_of,
        lapsed: lapsed
            .into_iter()
            .map(|l| LapsedView {
                registration: l.registration.as_str().to_owned(),
                effective: l.change.effective,
            })
            .collect(),
    }))
}

/// The renewals list's horizon.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Entries whose cycle ends within this many days (1 to 366, default
    /// 90; the registrar's usual views are 90, 60 and 30).
    pub within_days: Option<u32>,
    /// The day counted from (default today), YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// An entry due for renewal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueView {
    pub registration: String,
    pub person_id: String,
    pub name: String,
    pub email: Option<String>,
    pub tier: String,
    pub valid_until: NaiveDate,
    /// Days from `as_of` to `valid_until` (negative once it has passed and
    /// the entry is in its grace period).
    pub days_left: i64,
    /// The day it lapses if not renewed.
    pub lapses_on: Option<NaiveDate>,
}

/// Entries due for renewal within `within_days` (registrar): accredited,
/// with a cycle ending by then or already in its grace period, soonest
/// first.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/due", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), DueQuery),
    responses(
        (status = 200, description = "Entries due, soonest first", body = Vec<DueView>),
        (status = 400, description = "Invalid horizon", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn due(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<DueQuery>,
) -> Result<web::Json<Vec<DueView>>, ApiError> {
    permissions::require_user(&caller)?;
    let society = society(&state, path.into_inner()).await?;
    permissions::require_registrar(&caller, &society.id)?;
    let within_days = query.within_days.unwrap_or(90);
    if !(1..=366).contains(&within_days) {
        return Err(ApiError::BadRequest {
            detail: "invalid query parameters".to_owned(),
            errors: vec![FieldProblem::new(
                "within_days",
                "must be between 1 and 366",
            )],
        });
    }
    let as_of = query.as_of.map_or_else(today, Day::date);
    let horizon = as_of
        .checked_add_days(chrono::Days::new(u64::from(within_days)))
        .unwrap_or(NaiveDate::MAX);
    let all = db::run(&state.pool, move |conn| {
        db::register::ending_by(conn, &society.id, horizon)
    })
    .await?;
    let mut due: Vec<DueView> = all
        .into_iter()
        .filter(|(stored, _)| stored.entry.due_for_renewal(as_of, within_days))
        .filter_map(|(stored, person)| {
            let entry = &stored.entry;
            let valid_until = entry.valid_until()?;
            Some(DueView {
                registration: entry.registration().as_str().to_owned(),
                person_id: entry.person().as_str().to_owned(),
                name: person.name(),
                email: person.email.clone(),
                tier: db::register::current_tier(entry)
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                valid_until,
                days_left: (valid_until - as_of).num_days(),
                lapses_on: entry.lapses_on(),
            })
        })
        .collect();
    due.sort_by(|a, b| (a.valid_until, &a.registration).cmp(&(b.valid_until, &b.registration)));
    Ok(web::Json(due))
}

/// The export's format.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>)]
    pub format: Option<register_io::Format>,
}

/// Export the register. The society's registrar gets every entry with
/// every field and the whole history (the file `import` reads back);
/// everyone else gets the public register: listed people, public fields,
/// public history. In CSV, a cell a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, after
/// any quotes) is written with a single quote `'` before it; the import
/// takes it off again.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/export", operation_id = "register_export", tag = "register",
    security((), ("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), ExportQuery),
    responses(
        (status = 200, description = "The register as JSON or CSV", content(
            (Object = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let society = society(&state, path.into_inner()).await?;
    let audience = if permissions::acts_as_registrar(&caller, &society.id) {
        register_io::Audience::Registrar
    } else {
        register_io::Audience::Public
    };
    let format = query.format.unwrap_or(register_io::Format::Json);
    let today = today();
    let body = db::run(&state.pool, move |conn| {
        register_io::export(conn, &society, format, audience, today)
    })
    .await?;
    let content_type = match format {
        register_io::Format::Json => "application/json",
        register_io::Format::Csv => "text/csv; charset=utf-8",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(body))
}

/// Import an existing register (registrar): the JSON the export writes
/// (`Content-Type: application/json`) or CSV (`text/csv`), one row per
/// change. All or nothing, with every bad row reported by row and field;
/// importing the same file again changes nothing. A CSV cell that starts
/// with the `'` the export puts before a would-be formula (`'=1+1`,
/// `'-Smith`) is read without it, so an exported file imports as the
/// same register.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/import", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body(description = "The register file: the JSON the export writes, or CSV", content(
        (Object = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "What the import did", body = register_io::ImportReport),
        (status = 400, description = "Unreadable file", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, every one reported; nothing imported", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<register_io::ImportReport>, ApiError> {
    permissions::require_user(&caller)?;
    let society = society(&state, path.into_inner()).await?;
    let actor = permissions::require_registrar(&caller, &society.id)?
        .user_id
        .clone();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    let format = if content_type.starts_with("text/csv") {
        register_io::Format::Csv
    } else if content_type.starts_with("application/json") {
        register_io::Format::Json
    } else {
        return Err(ApiError::bad_request(
            "content-type",
            "send application/json or text/csv",
        ));
    };
    // A whole register is larger than one JSON request: allow 16 times the limit.
    let limit = state.settings.json_limit_bytes.saturating_mul(16);
    let body = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit })?
        .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad_request("body", "the file is not UTF-8 text"))?;
    let entries = register_io::read(&text, format)?;
    let report = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            register_io::apply(conn, &society, entries, Some(&actor), &mut || {})
        })
    })
    .await?;
    Ok(web::Json(report))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rule(cycle_months: u32) -> pathway::Renewal {
        pathway::Renewal {
            cycle_months,
            grace_months: 3,
            requirements: Vec::new(),
            note: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_assessed_cycle_is_the_cycle_ending_on_its_last_day() {
        // A yearly cycle granted on 1 March runs to the last day of February.
        assert_eq!(
            assessed_cycle(&rule(12), day("2025-02-28")),
            (day("2024-03-01"), day("2025-02-28"))
        );
        // Granted on 29 February, its cycle ends on 28 February (exclusive);
        // counted back from there it starts a day early.
        assert_eq!(
            assessed_cycle(&rule(12), day("2025-02-27")),
            (day("2024-02-28"), day("2025-02-27"))
        );
        assert_eq!(
            assessed_cycle(&rule(36), day("2029-02-28")),
            (day("2026-03-01"), day("2029-02-28"))
        );
    }

    #[test]
    fn a_clamped_month_end_never_leaves_the_last_day_out() {
        // Six months back from 31 August is 28 February, whose cycle ends
        // on 28 August: the window starts on 1 March and runs to 31 August.
        assert_eq!(
            assessed_cycle(&rule(6), day("2025-08-30")),
            (day("2025-03-01"), day("2025-08-31"))
        );
        let (start, last) = assessed_cycle(&rule(1), day("2025-03-30"));
        assert!(rule(1).cycle_end(start) > day("2025-03-30"));
        assert_eq!((start, last), (day("2025-03-01"), day("2025-03-31")));
    }

    #[test]
    fn days_are_written_as_chrono_writes_them() {
        for text in [
            "2026-03-01",
            "0001-01-01",
            "0999-12-31",
            "9999-12-31",
            "1970-10-09",
        ] {
            let date = day(text);
            assert_eq!(
                serde_json::to_string(&IsoDate(date)).unwrap(),
                serde_json::to_string(&date).unwrap()
            );
        }
        for date in [NaiveDate::MIN, NaiveDate::MAX, day("0000-06-15")] {
            assert_eq!(
                serde_json::to_string(&IsoDate(date)).unwrap(),
                serde_json::to_string(&date).unwrap()
            );
        }
    }
}
