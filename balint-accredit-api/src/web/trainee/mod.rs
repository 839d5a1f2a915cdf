//! A trainee's pages: progress towards a tier, and the ledger with the form
//! to add a record.

mod ledger;
mod progress;

use std::collections::HashMap;

use actix_web::web;

use crate::app::AppState;
use crate::db::{people::Person, societies::Society};
use crate::web::public::full_name;
use crate::web::{PageError, Viewer};

/// Register a trainee's pages: progress, and the ledger with its form.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let person = "/societies/{society}/people/{person}";
    cfg.service(
        web::resource(format!("{person}/progress")).route(web::get().to(progress::progress)),
    )
    .service(
        web::resource(format!("{person}/activities"))
            .route(web::get().to(ledger::ledger))
            .route(web::post().to(ledger::record)),
    );
}

/// The society and person of a trainee page, once the viewer may see it:
/// the person themself or the society's registrar, as in the API.
async fn trainee(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    person_id: String,
) -> Result<(Society, Person), PageError> {
    Ok(crate::actions::ledger::owner(state, &viewer.caller, slug, person_id).await?)
}

/// People's names (title and name) by id, for the people a page mentions.
struct PeopleNames(HashMap<String, String>);

impl PeopleNames {
    fn new(people: Vec<Person>) -> Self {
        Self(
            people
                .into_iter()
                .map(|p| {
                    let name = full_name(p.title.as_deref(), &p.name());
                    (p.id, name)
                })
                .collect(),
        )
    }

    /// The name of `id`, or the id itself for someone not found.
    fn name(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}
