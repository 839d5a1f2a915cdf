//! People in a society's records.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::people;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// A person in one society's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub society_id: String,
    /// E.g. `Dr`.
    pub title: Option<String>,
    pub given_name: Option<String>,
    pub family_name: String,
    /// How they wish to be named, where not simply given and family name.
    pub display_name: Option<String>,
    /// Labels the pathway's branches use, e.g. `psychodynamic_training`.
    pub backgrounds: Vec<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    /// Contact email (not a login).
    pub email: Option<String>,
    /// Consent to appear on the public register.
    pub public_listing: bool,
    pub entered_pathway_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Person {
    /// The name to show: the display name, else given and family name.
    pub fn name(&self) -> String {
        shown_name(
            self.display_name.as_deref(),
            self.given_name.as_deref(),
            &self.family_name,
        )
    }
}

/// A person's name as shown: the display name if they gave one, else the
/// given and family names.
pub fn shown_name(display: Option<&str>, given: Option<&str>, family: &str) -> String {
    match (display, given) {
        (Some(display), _) => display.to_owned(),
        (None, Some(given)) => format!("{given} {family}"),
        (None, None) => family.to_owned(),
    }
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true, treat_none_as_default_value = false)]
struct PersonRow {
    id: String,
    society_id: String,
    title: Option<String>,
    given_name: Option<String>,
    family_name: String,
    display_name: Option<String>,
    sort_name: String,
    search_text: String,
    backgrounds: String,
    city: Option<String>,
    region: Option<String>,
    email: Option<String>,
    public_listing: bool,
    entered_pathway_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl PersonRow {
    fn from_person(p: &Person) -> Result<Self, ApiError> {
        let backgrounds = serde_json::to_string(&p.backgrounds)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing backgrounds: {e}")))?;
        // Kept lowercased in the row so ordering and search behave alike on
        // SQLite and PostgreSQL; the unit separator sorts family names first.
        let sort_name = format!(
            "{}\u{1f}{}",
            p.family_name.to_lowercase(),
            p.given_name.as_deref().unwrap_or("").to_lowercase()
        );
        let search_text = [
            p.given_name.as_deref(),
            Some(p.family_name.as_str()),
            p.display_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
        Ok(Self {
            id: p.id.clone(),
            society_id: p.society_id.clone(),
            title: p.title.clone(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            display_name: p.display_name.clone(),
            sort_name,
            search_text,
            backgrounds,
            city: p.city.clone(),
            region: p.region.clone(),
            email: p.email.clone(),
            public_listing: p.public_listing,
            entered_pathway_on: p.entered_pathway_on,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }

    fn into_person(self) -> Result<Person, ApiError> {
        let backgrounds = serde_json::from_str(&self.backgrounds).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("backgrounds of person {}: {e}", self.id))
        })?;
        Ok(Person {
            id: self.id,
            society_id: self.society_id,
            title: self.title,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: self.display_name,
            backgrounds,
            city: self.city,
            region: self.region,
            email: self.email,
            public_listing: self.public_listing,
            entered_pathway_on: self.entered_pathway_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Insert a person.
pub fn insert(conn: &mut DbConnection, person: &Person) -> Result<(), ApiError> {
    diesel::insert_into(people::table)
        .values(PersonRow::from_person(person)?)
        .execute(conn)?;
    Ok(())
}

/// Insert many people at once (an import), in batches.
pub fn insert_all(conn: &mut DbConnection, people: &[Person]) -> Result<(), ApiError> {
    let rows = people
        .iter()
        .map(PersonRow::from_person)
        .collect::<Result<Vec<_>, _>>()?;
    crate::db::insert_in_batches!(conn, people::table, &rows)?;
    Ok(())
}

/// The ids of `society_id`'s people.
pub fn ids(conn: &mut DbConnection, society_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(people::table
        .filter(people::society_id.eq(society_id))
        .select(people::id)
        .load(conn)?)
}

/// Those of `ids` who are people of `society_id` (one query), e.g. to
/// name the people a page mentions.
pub fn named(
    conn: &mut DbConnection,
    society_id: &str,
    ids: &[String],
) -> Result<Vec<Person>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    people::table
        .filter(people::society_id.eq(society_id))
        .filter(people::id.eq_any(ids))
        .select(PersonRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PersonRow::into_person)
        .collect()
}

/// `society_id`'s people whose login is linked to them in the society:
/// the people who can confirm a record that names them (see
/// [`crate::auth::permissions::require_attestor_or_registrar`]). With
/// `listed_only`, only those who consented to be listed publicly. By
/// family name, then given name, then id.
pub fn with_login(
    conn: &mut DbConnection,
    society_id: &str,
    listed_only: bool,
) -> Result<Vec<Person>, ApiError> {
    use crate::db::schema::society_roles;
    let linked = society_roles::table
        .filter(society_roles::society_id.eq(society_id.to_owned()))
        .filter(society_roles::person_id.is_not_null())
        .select(society_roles::person_id.assume_not_null());
    let mut query = people::table
        .filter(people::society_id.eq(society_id.to_owned()))
        .filter(people::id.eq_any(linked))
        .into_boxed();
    if listed_only {
        query = query.filter(people::public_listing.eq(true));
    }
    query
        .order((people::sort_name.asc(), people::id.asc()))
        .select(PersonRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PersonRow::into_person)
        .collect()
}

/// Store every field of `person` (found by its id).
pub fn update(conn: &mut DbConnection, person: &Person) -> Result<(), ApiError> {
    let row = PersonRow::from_person(person)?;
    diesel::update(
        people::table
            .filter(people::id.eq(&person.id))
            .filter(people::society_id.eq(&person.society_id)),
    )
    .set(&row)
    .execute(conn)?;
    Ok(())
}

/// The person `id` of `society_id`, if there is one. A person of another
/// society is not found.
pub fn find(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<Option<Person>, ApiError> {
    people::table
        .filter(people::society_id.eq(society_id))
        .filter(people::id.eq(id))
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?
        .map(PersonRow::into_person)
        .transpose()
}

/// Which people a list shows.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Part of a name, any case.
    pub q: Option<String>,
    /// The region, exactly.
    pub region: Option<String>,
}

/// A page of `society_id`'s people matching `filter`, by family name, then
/// given name, then id.
pub fn list(
    conn: &mut DbConnection,
    society_id: &str,
    filter: &PersonFilter,
    page: PageRequest,
) -> Result<Page<Person>, ApiError> {
    let query = || {
        let mut query = people::table
            .filter(people::society_id.eq(society_id.to_owned()))
            .into_boxed();
        if let Some(q) = &filter.q {
            query = query.filter(
                people::search_text
                    .like(format!("%{}%", escape_like(&q.to_lowercase())))
                    .escape('\\'),
            );
        }
        if let Some(region) = &filter.region {
            query = query.filter(people::region.eq(region.clone()));
        }
        query
    };
    let total = query().count().get_result::<i64>(conn)?;
    let rows = query()
        .order((people::sort_name.asc(), people::id.asc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(PersonRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(PersonRow::into_person)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, page, total))
}

/// The version of `society_id`'s list of people, moved on by the database
/// whenever a person is added, removed or moved in the list's order
/// (migration `2027-01-05-000100_people_versions`); 0 before its first
/// person.
pub fn order_version(conn: &mut DbConnection, society_id: &str) -> Result<i64, ApiError> {
    use crate::db::schema::people_versions;
    Ok(people_versions::table
        .filter(people_versions::society_id.eq(society_id))
        .select(people_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Where the pages of a society's list of people begin: how many people
/// it has, and the place in the list's order (sort name, id) of every
/// [`PeopleOrder::STRIDE`]th person from the first. Read once (one pass
/// over an index), it lets any page be read from its nearest mark instead
/// of counting the list and skipping every row before the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleOrder {
    /// How many people the society has.
    pub total: i64,
    marks: Vec<(String, String)>,
}

impl PeopleOrder {
    /// People between two marks.
    pub const STRIDE: usize = 50;
}

/// `society_id`'s [`PeopleOrder`], read in one pass over the index of the
/// list's order, its rows streamed (never all held).
pub fn order(conn: &mut DbConnection, society_id: &str) -> Result<PeopleOrder, ApiError> {
    let mut order = PeopleOrder::default();
    let mut n = 0usize;
    crate::db::each_row!(
        conn,
        (String, String),
        |c| people::table
            .filter(people::society_id.eq(society_id))
            .order((people::sort_name.asc(), people::id.asc()))
            .select((people::sort_name, people::id)),
        |(sort_name, id): (String, String)| {
            if n % PeopleOrder::STRIDE == 0 {
                order.marks.push((sort_name, id));
            }
            n += 1;
            Ok::<(), ApiError>(())
        }
    )?;
    order.total = i64::try_from(n).unwrap_or(i64::MAX);
    Ok(order)
}

/// A page of `society_id`'s people, unfiltered, by family name, then given
/// name, then id (as [`list`] without a filter), read from the nearest
/// mark of `order` on: at most [`PeopleOrder::STRIDE`] rows skipped, and
/// `order`'s total as the list's.
pub fn page_in_order(
    conn: &mut DbConnection,
    society_id: &str,
    order: &PeopleOrder,
    page: PageRequest,
) -> Result<Page<Person>, ApiError> {
    let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let Some((sort_name, id)) = order.marks.get(offset / PeopleOrder::STRIDE) else {
        return Ok(Page::new(Vec::new(), page, order.total));
    };
    let skip = i64::try_from(offset % PeopleOrder::STRIDE).unwrap_or(0);
    let rows = people::table
        .filter(people::society_id.eq(society_id))
        .filter(people::sort_name.ge(sort_name))
        .filter(people::sort_name.gt(sort_name).or(people::id.ge(id)))
        .order((people::sort_name.asc(), people::id.asc()))
        .limit(page.limit())
        .offset(skip)
        .select(PersonRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(PersonRow::into_person)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, page, order.total))
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
