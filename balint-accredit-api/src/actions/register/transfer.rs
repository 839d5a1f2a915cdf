//! A society's register out to a file and in from one: the export (the
//! registrar's whole register, or the public register for everyone else)
//! and the import of an existing register; for the API's callers, and for
//! the operator from the command line.

use std::future::Future;

use super::society;
use crate::actions::{today, Operator};
use crate::auth::{permissions, Caller};
use crate::db::{self, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::register_io::{self, Audience, Format, ImportReport, ImportedEntry};
use crate::state::AppState;

/// An exported register.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The file's format.
    pub format: Format,
    /// Who it was written for.
    pub audience: Audience,
    /// The file.
    pub text: String,
}

/// Export the society's register as `format`: every entry with every field
/// and the whole history for the society's registrar (the file
/// [`import`] reads back); the public register (listed people, public
/// fields, public history) for everyone else.
pub async fn export(
    state: &AppState,
    caller: &Caller,
    slug: String,
    format: Format,
) -> Result<Exported, ApiError> {
    let society = society(state, slug).await?;
    let audience = if permissions::acts_as_registrar(caller, &society.id) {
        Audience::Registrar
    } else {
        Audience::Public
    };
    written(state, society, format, audience).await
}

/// Export the society's register as `format` for `audience`, as the
/// `export` command does (`--public` or not): the registrar may ask for
/// either; the whole register is theirs only.
pub async fn export_for(
    state: &AppState,
    caller: &Caller,
    slug: String,
    format: Format,
    audience: Audience,
) -> Result<Exported, ApiError> {
    let society = match audience {
        Audience::Registrar => crate::actions::as_registrar(state, caller, slug).await?.0,
        Audience::Public => society(state, slug).await?,
    };
    written(state, society, format, audience).await
}

async fn written(
    state: &AppState,
    society: crate::db::societies::Society,
    format: Format,
    audience: Audience,
) -> Result<Exported, ApiError> {
    let today = today();
    let text = db::run(&state.pool, move |conn| {
        register_io::export(conn, &society, format, audience, today)
    })
    .await?;
    Ok(Exported {
        format,
        audience,
        text,
    })
}

/// A register file to import, as the adapter read it.
#[derive(Debug, Clone)]
pub struct RegisterFile {
    /// JSON (as the export writes it) or CSV.
    pub format: Format,
    /// The file's text.
    pub text: String,
}

/// Import an existing register (registrar), all or nothing, with every bad
/// row reported; importing the same file again changes nothing. `file` is
/// read only once the caller may import, so a caller who may not is told
/// so before anything about the file.
pub async fn import(
    state: &AppState,
    caller: &Caller,
    slug: String,
    file: impl Future<Output = Result<RegisterFile, ApiError>>,
) -> Result<ImportReport, ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let file = file.await?;
    let entries = register_io::read(&file.text, file.format)?;
    db::run(&state.pool, move |conn| {
        import_entries(conn, &society, entries, Some(&actor), &mut || {})
    })
    .await
}

/// Export society `slug`'s register for `audience` (the operator, from the
/// command line, who may write either).
pub fn export_for_operator(
    conn: &mut DbConnection,
    operator: Operator,
    slug: &str,
    format: Format,
    audience: Audience,
    today: chrono::NaiveDate,
) -> Result<String, ApiError> {
    let society = operator.society(conn, slug)?;
    register_io::export(conn, &society, format, audience, today)
}

/// Import `entries` (as [`register_io::read`] read them) into `society`'s
/// register (the operator, from the command line, having found it with
/// [`Operator::society`]), as [`import`] does; `progress` is called once
/// for each entry stored.
pub fn import_for_operator(
    conn: &mut DbConnection,
    operator: Operator,
    society: &Society,
    entries: Vec<ImportedEntry>,
    progress: &mut dyn FnMut(),
) -> Result<ImportReport, ApiError> {
    import_entries(conn, society, entries, operator.actor(), progress)
}

/// The import, all or nothing, in one transaction.
fn import_entries(
    conn: &mut DbConnection,
    society: &Society,
    entries: Vec<ImportedEntry>,
    actor: Option<&str>,
    progress: &mut dyn FnMut(),
) -> Result<ImportReport, ApiError> {
    db::write(conn, |conn| {
        register_io::apply(conn, society, entries, actor, progress)
    })
}
