//! A society's pathway: the rules as data, published as numbered
//! versions. Reading is public (the rules are not secret); publishing is
//! for the society's registrar.

use balint_core::pathway::{Pathway, PathwayErrors};
use balint_core::presets;
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::day::Day;
use crate::db::societies::Society;
use crate::db::{self, audit, pathways::PathwayVersion, pathways::VersionSummary};
use crate::edge::text;
use crate::error::{ApiError, FieldProblem};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// The registrar about to publish a version of their society's pathway.
#[derive(Debug)]
pub struct Publisher {
    /// The society.
    pub society: Society,
    actor: String,
}

/// The registrar (or a platform administrator) of society `slug`, who may
/// publish a version of its pathway; the adapter then reads the document
/// and gives it to [`publish`].
pub async fn publisher(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<Publisher, ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    Ok(Publisher { society, actor })
}

/// Store `pathway` as the society's next version (1, 2, 3...; older
/// versions stay readable), with its audit entry; `preset` names the
/// built-in pathway it was adopted from.
pub async fn publish(
    state: &AppState,
    publisher: Publisher,
    pathway: Pathway,
    preset: Option<String>,
) -> Result<PathwayVersion, ApiError> {
    let Publisher { society, actor } = publisher;
    let society_id = society.id;
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let now = db::now();
            let stored = db::pathways::insert(
                conn,
                &society_id,
                &pathway,
                preset.as_deref(),
                Some(&actor),
                now,
            )?;
            let s = &stored.summary;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society_id),
                    action: audit::Action::Create,
                    entity: audit::Entity::Pathway,
                    entity_id: &s.id,
                    before: None,
                    after: Some(json!({
                        "number": s.number, "pathway_id": s.pathway_id, "title": s.title,
                        "version_label": s.version_label, "effective_from": s.effective_from,
                        "preset": s.preset,
                    })),
                    at: now,
                },
            )?;
            Ok(stored)
        })
    })
    .await
}

/// Adopt the built-in pathway `preset` as the next version of society
/// `slug`'s pathway (its registrar): the preset's document with `society`
/// set to this society and, if given, the new `effective_from`.
pub async fn adopt(
    state: &AppState,
    caller: &Caller,
    slug: String,
    preset: &str,
    effective_from: Option<Day>,
) -> Result<(Society, PathwayVersion), ApiError> {
    let publisher = publisher(state, caller, slug).await?;
    let pathway = adopted(preset, effective_from, &publisher.society.slug)?;
    let society = publisher.society.clone();
    let stored = publish(state, publisher, pathway, Some(preset.to_owned())).await?;
    Ok((society, stored))
}

/// A preset's pathway made this society's, from `effective_from` if given.
fn adopted(preset: &str, effective_from: Option<Day>, slug: &str) -> Result<Pathway, ApiError> {
    let preset = presets::get(preset)
        .ok_or_else(|| ApiError::unprocessable("preset", "no built-in pathway has this id"))?;
    let pathway = preset
        .try_pathway()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("preset {}: {e}", preset.id)))?;
    let mut document = serde_json::to_value(&pathway)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a pathway: {e}")))?;
    document["society"] = json!(slug);
    if let Some(day) = effective_from {
        document["effective_from"] = json!(day);
    }
    Pathway::from_json_value(document).map_err(|e| refused(problems_of(e)))
}

/// The current pathway of society `slug` on `today`: the version that
/// applies to someone entering the pathway that day, i.e. the latest
/// version whose `effective_from` is on or before it (among versions with
/// the same date, the one uploaded last); if every version takes effect
/// later, the earliest of them. Not found when there is none.
pub async fn current(
    state: &AppState,
    slug: String,
    today: NaiveDate,
) -> Result<PathwayVersion, ApiError> {
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        db::pathways::applicable(conn, &society.id, today)?
            .ok_or_else(|| ApiError::NotFound(format!("pathway of society {slug}")))
    })
    .await
}

/// A page of the versions of society `slug`'s pathway, newest first.
pub async fn versions(
    state: &AppState,
    slug: String,
    page: PageRequest,
) -> Result<Page<VersionSummary>, ApiError> {
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        Ok(db::pathways::list(conn, &society.id, page)?)
    })
    .await
}

/// Version `number` of society `slug`'s pathway, with its document.
pub async fn version(
    state: &AppState,
    slug: String,
    number: i32,
) -> Result<PathwayVersion, ApiError> {
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        db::pathways::by_number(conn, &society.id, number)?.ok_or_else(|| {
            ApiError::NotFound(format!("version {number} of the pathway of society {slug}"))
        })
    })
    .await
}

/// The formats a pathway document may be uploaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    /// JSON (`application/json`).
    Json,
    /// TOML (`application/toml`).
    Toml,
}

/// A document names the society it is for; it must be this one, so a file
/// meant for another society is not filed here by mistake.
fn society_problem(named: Option<&str>, slug: &str) -> Option<FieldProblem> {
    match named {
        Some(named) if named != slug => Some(FieldProblem::new(
            "society",
            format!("the document is for society {named:?}, not {slug:?}"),
        )),
        _ => None,
    }
}

/// Read and validate an uploaded document of society `slug`: unreadable
/// is a bad request, readable but wrong is unprocessable with every
/// problem by its path in the document.
pub fn read_document(format: DocumentFormat, body: &[u8], slug: &str) -> Result<Pathway, ApiError> {
    let (parsed, raw_society) = match format {
        DocumentFormat::Json => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request("body", format!("not valid JSON: {e}")))?;
            let named = value
                .get("society")
                .and_then(Value::as_str)
                .map(str::to_owned);
            (Pathway::from_json_value(value), named)
        }
        DocumentFormat::Toml => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request("body", "not valid UTF-8"))?;
            let parsed = Pathway::from_toml_str(text);
            if let Err(errors) = &parsed {
                // The core reports a syntax error as one whole-document problem.
                if let [only] = errors.problems() {
                    if only.path.is_empty() && only.message.starts_with("not valid TOML") {
                        return Err(ApiError::bad_request("body", only.message.clone()));
                    }
                }
            }
            (parsed, None)
        }
    };
    match parsed {
        Ok(pathway) => {
            let mut problems: Vec<FieldProblem> = [
                society_problem(Some(pathway.society().as_str()), slug),
                Day::new(pathway.effective_from())
                    .err()
                    .map(|e| FieldProblem::new("effective_from", e.to_string())),
            ]
            .into_iter()
            .flatten()
            .collect();
            // What is stored is the document as read: no text of it may
            // hold a NUL character.
            let stored = serde_json::to_value(&pathway)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a pathway: {e}")))?;
            problems.extend(text::nul_in_json(&stored, ""));
            if problems.is_empty() {
                Ok(pathway)
            } else {
                Err(refused(problems))
            }
        }
        Err(errors) => {
            let mut problems = problems_of(errors);
            if !problems.iter().any(|p| p.field == "society") {
                problems.extend(society_problem(raw_society.as_deref(), slug));
            }
            Err(refused(problems))
        }
    }
}

/// A document refused, with every problem.
pub fn refused(errors: Vec<FieldProblem>) -> ApiError {
    let n = errors.len();
    ApiError::Unprocessable {
        detail: format!(
            "the pathway document has {n} problem{}",
            if n == 1 { "" } else { "s" }
        ),
        errors,
    }
}

/// The problems of a document, by their path in it.
pub fn problems_of(errors: PathwayErrors) -> Vec<FieldProblem> {
    errors
        .into_problems()
        .into_iter()
        .map(|p| FieldProblem::new(p.path, p.message))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_becomes_the_adopting_societys_from_the_day_chosen() {
        let pathway = adopted("uk-2016", Day::parse("2025-03-01").ok(), "ubs").unwrap();
        assert_eq!(pathway.society().as_str(), "ubs");
        assert_eq!(pathway.id().as_str(), "uk-2016");
        assert_eq!(pathway.effective_from().to_string(), "2025-03-01");
    }

    #[test]
    fn a_document_for_another_society_is_refused_with_its_other_problems() {
        let err = read_document(
            DocumentFormat::Json,
            br#"{"id": "x", "society": "dbg", "title": "T", "version": "1", "effective_from": "2024-01-01", "tiers": []}"#,
            "bsanz",
        )
        .unwrap_err();
        let fields: Vec<String> = err
            .problem()
            .errors
            .unwrap()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert!(fields.contains(&"society".to_owned()), "{fields:?}");
    }
}
