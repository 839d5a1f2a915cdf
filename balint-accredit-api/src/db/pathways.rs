//! A society's pathway versions: every uploaded document, numbered per
//! society, none ever replaced.

use balint_core::pathway::{self, Pathway};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::pathway_versions;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// A stored pathway version, without its document.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pathway_versions)]
pub struct VersionSummary {
    pub id: String,
    pub society_id: String,
    /// 1, 2, 3... within the society, in upload order.
    pub number: i32,
    pub pathway_id: String,
    pub title: String,
    pub version_label: String,
    pub effective_from: NaiveDate,
    pub preset: Option<String>,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: Option<String>,
}

/// A stored pathway version with its validated document.
#[derive(Debug, Clone)]
pub struct PathwayVersion {
    pub summary: VersionSummary,
    pub pathway: Pathway,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = pathway_versions)]
struct NewVersion<'a> {
    id: &'a str,
    society_id: &'a str,
    number: i32,
    pathway_id: &'a str,
    title: &'a str,
    version_label: &'a str,
    effective_from: NaiveDate,
    document: &'a str,
    preset: Option<&'a str>,
    uploaded_at: NaiveDateTime,
    uploaded_by: Option<&'a str>,
}

/// Store `pathway` as `society_id`'s next version. Call it inside
/// [`crate::db::write`]: two uploads never take one number, and neither is
/// refused for the other (SQLite runs them one after the other; on
/// PostgreSQL the second to commit takes the next number).
pub fn insert(
    conn: &mut DbConnection,
    society_id: &str,
    pathway: &Pathway,
    preset: Option<&str>,
    uploaded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<PathwayVersion, ApiError> {
    let document = serde_json::to_string(pathway)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a pathway: {e}")))?;
    let id = uuid::Uuid::new_v4().to_string();
    // The next number; of two uploads at once, the second to commit finds
    // its number taken and takes the one after (a savepoint keeps the outer
    // transaction usable for the retry).
    let mut number = None;
    for _ in 0..20 {
        let last: Option<i32> = pathway_versions::table
            .filter(pathway_versions::society_id.eq(society_id))
            .select(diesel::dsl::max(pathway_versions::number))
            .first(conn)?;
        let next = last.unwrap_or(0) + 1;
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(pathway_versions::table)
                .values(NewVersion {
                    id: &id,
                    society_id,
                    number: next,
                    pathway_id: pathway.id().as_str(),
                    title: pathway.title(),
                    version_label: pathway.version(),
                    effective_from: pathway.effective_from(),
                    document: &document,
                    preset,
                    uploaded_at: now,
                    uploaded_by,
                })
                .execute(conn)
        });
        match inserted {
            Ok(_) => {
                number = Some(next);
                break;
            }
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    let number = number.ok_or_else(|| {
        ApiError::Unavailable(anyhow::anyhow!(
            "the pathway's version number stayed contended"
        ))
    })?;
    Ok(PathwayVersion {
        summary: VersionSummary {
            id,
            society_id: society_id.to_owned(),
            number,
            pathway_id: pathway.id().as_str().to_owned(),
            title: pathway.title().to_owned(),
            version_label: pathway.version().to_owned(),
            effective_from: pathway.effective_from(),
            preset: preset.map(str::to_owned),
            uploaded_at: now,
            uploaded_by: uploaded_by.map(str::to_owned),
        },
        pathway: pathway.clone(),
    })
}

/// A page of `society_id`'s versions, newest (highest number) first.
pub fn list(
    conn: &mut DbConnection,
    society_id: &str,
    page: PageRequest,
) -> QueryResult<Page<VersionSummary>> {
    let total = pathway_versions::table
        .filter(pathway_versions::society_id.eq(society_id))
        .count()
        .get_result::<i64>(conn)?;
    let items = pathway_versions::table
        .filter(pathway_versions::society_id.eq(society_id))
        .order(pathway_versions::number.desc())
        .limit(page.limit())
        .offset(page.offset())
        .select(VersionSummary::as_select())
        .load(conn)?;
    Ok(Page::new(items, page, total))
}

/// Version `number` of `society_id`'s pathway, if it exists.
pub fn by_number(
    conn: &mut DbConnection,
    society_id: &str,
    number: i32,
) -> Result<Option<PathwayVersion>, ApiError> {
    let summary: Option<VersionSummary> = pathway_versions::table
        .filter(pathway_versions::society_id.eq(society_id))
        .filter(pathway_versions::number.eq(number))
        .select(VersionSummary::as_select())
        .first(conn)
        .optional()?;
    summary
        .map(|summary| with_document(conn, summary))
        .transpose()
}

/// The version that applies to someone who entered the pathway on
/// `entered`: the latest one in force on that day (grandfathering), or the
/// earliest if they entered before any; a later upload wins over an earlier
/// one with the same effective date. `None` when the society has none.
///
/// The society's *current* pathway is the one that applies to someone
/// entering today.
pub fn applicable(
    conn: &mut DbConnection,
    society_id: &str,
    entered: NaiveDate,
) -> Result<Option<PathwayVersion>, ApiError> {
    // Chosen by the summaries' effective dates (each the date of its
    // document), so only the chosen version's document is read, and that
    // once per process.
    let summaries: Vec<VersionSummary> = pathway_versions::table
        .filter(pathway_versions::society_id.eq(society_id))
        .order(pathway_versions::number.asc())
        .select(VersionSummary::as_select())
        .load(conn)?;
    let chosen = pathway::applicable_among(&summaries, entered, |s| s.effective_from);
    chosen
        .cloned()
        .map(|summary| with_document(conn, summary))
        .transpose()
}

/// The names of the tiers of `society_id`'s pathway that applies on `day`
/// (by id), in the pathway's order; empty when the society has no pathway.
pub fn tier_names(
    conn: &mut DbConnection,
    society_id: &str,
    day: NaiveDate,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(applicable(conn, society_id, day)?
        .map(|version| {
            version
                .pathway
                .tiers()
                .iter()
                .map(|t| (t.id.as_str().to_owned(), t.name.clone()))
                .collect()
        })
        .unwrap_or_default())
}

/// Stored versions already read, by their id, so that the pathway a page
/// or an evaluation asks for is read, parsed and validated once per
/// process, not once per request: a stored version is never changed (a
/// new document is a new version). A few hundred at most are kept.
static READ: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Pathway>>>,
> = std::sync::LazyLock::new(Default::default);

/// How many read documents are kept before the store is emptied.
const READ_KEPT: usize = 256;

/// The version `summary` names, with its document: from memory, or read
/// from the database once.
fn with_document(
    conn: &mut DbConnection,
    summary: VersionSummary,
) -> Result<PathwayVersion, ApiError> {
    let known = READ
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&summary.id)
        .cloned();
    if let Some(pathway) = known {
        return Ok(PathwayVersion {
            summary,
            pathway: (*pathway).clone(),
        });
    }
    let document: String = pathway_versions::table
        .find(&summary.id)
        .select(pathway_versions::document)
        .first(conn)?;
    // Only validated documents are stored, so a failure is a bug or a
    // damaged database, not bad input.
    let pathway = Pathway::from_json_str(&document).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "stored pathway version {} of society {} does not read back: {e}",
            summary.number,
            summary.society_id
        ))
    })?;
    let mut read = READ
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if read.len() >= READ_KEPT {
        read.clear();
    }
    read.insert(summary.id.clone(), std::sync::Arc::new(pathway.clone()));
    Ok(PathwayVersion { summary, pathway })
}
