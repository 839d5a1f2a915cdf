//! Training programmes and their trainees.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{programme_trainees, training_programmes};
use crate::db::DbConnection;
use crate::error::ApiError;

/// A training programme as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = training_programmes)]
pub struct Programme {
    pub id: String,
    pub society_id: String,
    /// Its short name in paths, unique in the society, e.g. `core-psych-2026`.
    pub slug: String,
    pub name: String,
    /// Group sessions each trainee must attend.
    pub sessions_required: i32,
    /// Months between Case-Based Discussion Group Assessments.
    pub assessment_months: i32,
    pub created_at: NaiveDateTime,
}

/// A trainee of a programme, from the day they joined it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_trainees)]
pub struct Trainee {
    pub programme_id: String,
    pub person_id: String,
    pub joined_on: NaiveDate,
}

/// Store a new programme.
pub fn insert(conn: &mut DbConnection, programme: &Programme) -> Result<(), ApiError> {
    diesel::insert_into(training_programmes::table)
        .values(programme)
        .execute(conn)?;
    Ok(())
}

/// `society_id`'s programme `slug`, if there is one.
pub fn by_slug(
    conn: &mut DbConnection,
    society_id: &str,
    slug: &str,
) -> Result<Option<Programme>, ApiError> {
    Ok(training_programmes::table
        .filter(training_programmes::society_id.eq(society_id))
        .filter(training_programmes::slug.eq(slug))
        .select(Programme::as_select())
        .first(conn)
        .optional()?)
}

/// `society_id`'s programmes, by name.
pub fn list(conn: &mut DbConnection, society_id: &str) -> Result<Vec<Programme>, ApiError> {
    Ok(training_programmes::table
        .filter(training_programmes::society_id.eq(society_id))
        .order((training_programmes::name, training_programmes::slug))
        .select(Programme::as_select())
        .load(conn)?)
}

/// Add `trainee`; false when they were in the programme already.
pub fn add_trainee(conn: &mut DbConnection, trainee: &Trainee) -> Result<bool, ApiError> {
    let already = programme_trainees::table
        .filter(programme_trainees::programme_id.eq(&trainee.programme_id))
        .filter(programme_trainees::person_id.eq(&trainee.person_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if already {
        return Ok(false);
    }
    diesel::insert_into(programme_trainees::table)
        .values(trainee)
        .execute(conn)?;
    Ok(true)
}

/// The trainees of `programme_id`, by person id.
pub fn trainees(conn: &mut DbConnection, programme_id: &str) -> Result<Vec<Trainee>, ApiError> {
    Ok(programme_trainees::table
        .filter(programme_trainees::programme_id.eq(programme_id))
        .order(programme_trainees::person_id)
        .select(Trainee::as_select())
        .load(conn)?)
}
