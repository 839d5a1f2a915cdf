//! Societies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::societies;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// A society, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = societies)]
pub struct Society {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub country: Option<String>,
    pub created_at: NaiveDateTime,
}

/// The society with `slug`, or 404.
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> Result<Society, ApiError> {
    societies::table
        .filter(societies::slug.eq(slug))
        .select(Society::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("society {slug}")))
}

/// The society with id `id`, or 404.
pub fn by_id(conn: &mut DbConnection, id: &str) -> Result<Society, ApiError> {
    societies::table
        .find(id)
        .select(Society::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("society {id}")))
}

/// Insert a society; 409 when the slug is taken.
pub fn insert(conn: &mut DbConnection, society: &Society) -> Result<(), ApiError> {
    let taken = societies::table
        .filter(societies::slug.eq(&society.slug))
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Err(ApiError::Conflict(format!(
            "a society with the slug {} already exists",
            society.slug
        )));
    }
    diesel::insert_into(societies::table)
        .values(society)
        .execute(conn)?;
    Ok(())
}

/// A page of societies, ordered by slug.
pub fn list(conn: &mut DbConnection, page: PageRequest) -> QueryResult<Page<Society>> {
    let total = societies::table.count().get_result::<i64>(conn)?;
    let items = societies::table
        .order(societies::slug.asc())
        .limit(page.limit())
        .offset(page.offset())
        .select(Society::as_select())
        .load(conn)?;
    Ok(Page::new(items, page, total))
}
