//! A person's data-protection requests on the registrar's pages: what is
//! held about them, table by table, downloaded as one JSON document (the
//! API's `data-export`), and the erasure of what the society may erase,
//! asked twice. The same actions as the API.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::{people, personal_data};
use crate::app::AppState;
use crate::edge::{Form, Query};
use crate::web::layout::{self, csrf_field, notice};
use crate::web::public::full_name;
use crate::web::{finish, ok, see_other, Viewer};

/// `?erased=1` after an erasure.
#[derive(Debug, Default, Deserialize)]
pub struct ErasedQuery {
    erased: Option<String>,
}

/// `GET /societies/{society}/people/{person}/data`: what is held about
/// the person, how many rows in each table, the download, and the
/// erasure. Reading it is an export, and audited as one.
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<ErasedQuery>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = async {
        let (_, data) =
            personal_data::export(&state, &viewer.caller, slug.clone(), person_id.clone()).await?;
        let (_, person) = people::one(&state, &viewer.caller, slug.clone(), person_id.clone()).await?;
        let name = full_name(person.title.as_deref(), &person.name());
        let title = format!("Data held about {name}");
        let base = format!("/societies/{slug}/people/{person_id}");
        Ok(ok(layout::page(
            &viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "people"))
                @if query.erased.is_some() { (notice("What the society may erase was erased, and the erasure recorded in the audit log.")) }
                p { "For a data-protection request: everything the society holds about this person, as the database holds it (passwords and tokens withheld). Opening this page is recorded in the audit log." }
                p { a class="button" href={ (base) "/data/export.json" } download { "Download everything (JSON)" } }
                table class="stack" {
                    thead { tr { th scope="col" { "Kind of record" } th scope="col" { "Rows about them" } } }
                    tbody {
                        @for (table, rows) in &data.tables {
                            tr {
                                td data-label="Kind of record" { (crate::web::words(table)) }
                                td data-label="Rows about them" { (rows.len()) }
                            }
                        }
                    }
                }
                h2 id="erase" { "Erase what may be erased" }
                p { "Their email always, and their logins' sessions end. For someone never on the register also their city, region, ledger, applications and overrides; for someone on the register only the notes of their records, since the register's public history, and what it rests on, is kept. The audit log's lines about them lose the same details (what was done, by whom and when stays). The erasure is recorded in the audit log. It cannot be undone." }
                form class="stacked" method="post" action={ (base) "/data/erasure" } {
                    (csrf_field(&viewer.csrf().unwrap_or_default()))
                    div class="field checkbox" {
                        input type="checkbox" id="confirm" name="confirm" value="yes" required;
                        label for="confirm" { "I confirm the erasure of what may be erased about " (name) }
                    }
                    button type="submit" class="button-danger" { "Erase" }
                }
                p { a href=(base) { "Back to their record" } }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/people/{person}/data/export.json`: the same
/// document as the API's `data-export`, as a download.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = async {
        let (society, data) =
            personal_data::export(&state, &viewer.caller, slug, person_id.clone()).await?;
        // The shape of the API's PersonalDataView.
        let document = serde_json::json!({
            "society": society.slug,
            "person": person_id,
            "exported_at": data.exported_at.and_utc(),
            "tables": data.tables,
        });
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"personal-data-{person_id}.json\""),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(serde_json::to_vec_pretty(&document).unwrap_or_default()))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The erasure form.
#[derive(Debug, Default, Deserialize)]
pub struct ErasureForm {
    #[serde(default)]
    csrf: String,
    confirm: Option<String>,
}

/// `POST /societies/{society}/people/{person}/data/erasure`: erase, once
/// the box is ticked; without it, back to the page.
pub async fn erase(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ErasureForm>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let base = format!("/societies/{slug}/people/{person_id}/data");
        if form.confirm.is_none() {
            crate::actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
            return Ok(see_other(&format!("{base}#erase")));
        }
        personal_data::erase(&state, &viewer.caller, slug.clone(), person_id.clone()).await?;
        Ok(see_other(&format!("{base}?erased=1")))
    }
    .await;
    finish(&req, &viewer, result)
}
