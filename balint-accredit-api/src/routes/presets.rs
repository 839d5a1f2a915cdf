//! The built-in pathways of real societies, ready to adopt or adapt
//! (public).

use actix_web::web;
use balint_core::presets::{self, Format, Preset};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::edge::Query;
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};

/// A built-in pathway, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetSummary {
    /// Its id, e.g. `bsanz-leader`.
    pub id: String,
    pub title: String,
    /// The society whose published rules it models.
    pub society: String,
    pub description: String,
}

impl From<&Preset> for PresetSummary {
    fn from(p: &Preset) -> Self {
        Self {
            id: p.id.to_owned(),
            title: p.title.to_owned(),
            society: p.society.to_owned(),
            description: p.description.to_owned(),
        }
    }
}

/// The format of a preset's source file.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Json,
    Toml,
}

/// A built-in pathway with its document.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetView {
    #[serde(flatten)]
    pub summary: PresetSummary,
    /// The pathway document (JSON), ready to upload as it is or adapted.
    #[schema(value_type = Object)]
    pub document: Value,
    /// The shipped file, with its comments on where the figures come from.
    pub source: String,
    /// The source file's format.
    pub source_format: SourceFormat,
}

impl TryFrom<&Preset> for PresetView {
    type Error = ApiError;

    fn try_from(p: &Preset) -> Result<Self, ApiError> {
        let pathway = p
            .try_pathway()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("preset {}: {e}", p.id)))?;
        let document = serde_json::to_value(&pathway)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a pathway: {e}")))?;
        Ok(Self {
            summary: p.into(),
            document,
            source: p.source.to_owned(),
            source_format: match p.format {
                Format::Json => SourceFormat::Json,
                Format::Toml => SourceFormat::Toml,
            },
        })
    }
}

/// List the built-in pathways (public), in a fixed order.
#[utoipa::path(get, path = "/api/v1/pathway-presets", operation_id = "presets_list", tag = "pathways",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of presets", body = Page<PresetSummary>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(query: Query<PageQuery>) -> Result<web::Json<Page<PresetSummary>>, ApiError> {
    let page = PageRequest::try_from(&query.into_inner())?;
    let all = presets::all();
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(page.limit()).unwrap_or(usize::MAX);
    let items = all
        .iter()
        .skip(skip)
        .take(take)
        .map(PresetSummary::from)
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// One built-in pathway with its document (public).
#[utoipa::path(get, path = "/api/v1/pathway-presets/{id}", operation_id = "presets_show", tag = "pathways",
    params(("id" = String, Path, description = "The preset's id, e.g. `bsanz-leader`")),
    responses(
        (status = 200, description = "The preset", body = PresetView),
        (status = 404, description = "No such preset", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(path: web::Path<String>) -> Result<web::Json<PresetView>, ApiError> {
    let id = path.into_inner();
    let preset = presets::get(&id).ok_or_else(|| ApiError::NotFound(format!("preset {id}")))?;
    Ok(web::Json(PresetView::try_from(&preset)?))
}
