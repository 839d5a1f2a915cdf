//! The register's entries as the API shows them: the public register's
//! search, one entry (the public entry, or every field for the society's
//! registrar), and the views every register answer is made of.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::register::Status;
use balint_core::register::{PublicStatusChange, StatusChange};
use chrono::Utc;
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actions::register::{public, Entry};
use crate::auth::Caller;
use crate::db;
use crate::edge::Query;
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageRequest};
use crate::public_register::{ChangeRef, EntryRef, Listed};
use crate::routes::utc;
use crate::state::AppState;

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

/// The registrar's view of an entry an action left.
pub(crate) fn registrar_view(shown: &Entry) -> RegistrarEntryView {
    let Entry {
        stored,
        person,
        today,
    } = shown;
    let today = *today;
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

impl From<public::PublicEntry> for PublicEntryDetail {
    fn from(public: public::PublicEntry) -> Self {
        Self {
            entry: PublicEntryView::from(public.listed),
            history: public
                .history
                .into_iter()
                .map(PublicChangeView::from)
                .collect(),
        }
    }
}

impl From<public::Shown> for EntryAnswer {
    fn from(shown: public::Shown) -> Self {
        match shown {
            public::Shown::Registrar(entry) => Self::Registrar(registrar_view(&entry)),
            public::Shown::Public(entry) => Self::Public(PublicEntryDetail::from(entry)),
        }
    }
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
    let found = public::search(
        &state,
        path.into_inner(),
        public::SearchInput {
            page,
            q: query.q,
            tier: query.tier,
            also: Vec::new(),
            status,
            region: query.region,
        },
    )
    .await?;
    let items = found.items.into_iter().map(PublicEntryView::from).collect();
    let total = i64::try_from(found.total).unwrap_or(i64::MAX);
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
        let body = public::with_listed_entry(&state, slug, registration, |entry| {
            // Room for a typical entry and its history at once.
            let mut body = Vec::with_capacity(1024);
            serde_json::to_writer(&mut body, &PublicEntryJson(entry)).map(|()| body)
        })
        .await?
        .map_err(|e| ApiError::Internal(e.into()))?;
        return Ok(HttpResponse::Ok()
            .content_type(header::ContentType::json())
            .body(body));
    }
    let answer = EntryAnswer::from(public::entry(&state, &caller, slug, registration).await?);
    Ok(HttpResponse::Ok().json(answer))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
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
