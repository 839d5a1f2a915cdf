//! A trainee's pages: progress towards a tier with the Apply button, the
//! ledger with the forms to add, change and withdraw a record, its CSV
//! download, and a printable portfolio.

mod apply;
mod ledger;
mod portfolio;
mod progress;

use std::collections::HashMap;

use actix_web::web;
use balint_core::pathway::Entry;
use balint_core::TierId;
use chrono::{NaiveDate, NaiveDateTime};

use crate::app::AppState;
use crate::db::applications::{Application, Status as ApplicationStatus};
use crate::db::{self, people::Person, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::pagination::PageRequest;
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
    )
    .service(
        web::resource(format!("{person}/activities/export")).route(web::get().to(portfolio::csv)),
    )
    .service(
        web::resource(format!("{person}/activities/{{activity}}/edit"))
            .route(web::get().to(ledger::edit_form))
            .route(web::post().to(ledger::edit)),
    )
    .service(
        web::resource(format!("{person}/activities/{{activity}}/withdraw"))
            .route(web::get().to(ledger::withdraw_form))
            .route(web::post().to(ledger::withdraw)),
    )
    .service(
        web::resource(format!("{person}/portfolio")).route(web::get().to(portfolio::portfolio)),
    )
    .service(web::resource(format!("{person}/applications")).route(web::post().to(apply::apply)));
}

/// Where a person stands with the society: their register entry (its
/// number, status, and the tiers reached) and their pending applications.
#[derive(Debug, Default)]
pub struct Standing {
    /// Registration number and status, when they are on the register.
    pub registration: Option<(String, balint_core::register::Status)>,
    /// The tiers reached, with the day each was first granted.
    pub reached: Vec<(String, NaiveDate)>,
    /// Pending applications: tier id and when applied.
    pub pending: Vec<(String, NaiveDateTime)>,
    /// The tiers held from the day of entering the pathway (enrolment),
    /// once the person has entered it.
    pub enrolled: Vec<String>,
}

impl Standing {
    /// Read from the database.
    pub fn read(
        conn: &mut DbConnection,
        society_id: &str,
        person_id: &str,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let entry = db::register::by_person(conn, society_id, person_id)?;
        let entered =
            db::people::find(conn, society_id, person_id)?.and_then(|p| p.entered_pathway_on);
        let enrolled = match entered {
            Some(day) => db::pathways::applicable(conn, society_id, day)?
                .map(|v| {
                    v.pathway
                        .tiers()
                        .iter()
                        .filter(|t| t.entry == Entry::Enrolment)
                        .map(|t| t.id.as_str().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let pending: Vec<Application> = db::applications::list_for_person(
            conn,
            society_id,
            person_id,
            Some(ApplicationStatus::Pending),
            PageRequest {
                page: 1,
                per_page: 100,
            },
        )?
        .items;
        Ok(Self {
            registration: entry
                .as_ref()
                .map(|e| (e.entry.registration().as_str().to_owned(), e.entry.status())),
            reached: entry
                .map(|e| {
                    e.entry
                        .tiers_reached_by(today)
                        .into_iter()
                        .map(|t| (t.tier.as_str().to_owned(), t.reached))
                        .collect()
                })
                .unwrap_or_default(),
            pending: pending
                .into_iter()
                .map(|a| (a.tier, a.applied_at))
                .collect(),
            enrolled,
        })
    }

    /// The day `tier` was reached, if it was.
    pub fn reached(&self, tier: &str) -> Option<NaiveDate> {
        self.reached
            .iter()
            .find(|(t, _)| t == tier)
            .map(|(_, day)| *day)
    }

    /// When the pending application for `tier` was made, if there is one.
    pub fn pending(&self, tier: &str) -> Option<NaiveDateTime> {
        self.pending
            .iter()
            .find(|(t, _)| t == tier)
            .map(|(_, at)| *at)
    }

    /// Whether `tier` is held: reached on the register, or held from
    /// entering the pathway.
    fn holds(&self, tier: &str) -> bool {
        self.reached(tier).is_some() || self.enrolled.iter().any(|t| t == tier)
    }

    /// Of `tiers` (in the pathway's order), those still ahead: after the
    /// highest tier held, and neither held nor applied for.
    pub fn ahead<'a, T>(&self, tiers: &'a [T], id: impl Fn(&T) -> &str) -> Vec<&'a T> {
        let highest = tiers
            .iter()
            .rposition(|t| self.holds(id(t)))
            .map_or(0, |i| i + 1);
        tiers[highest..]
            .iter()
            .filter(|t| !self.holds(id(t)) && self.pending(id(t)).is_none())
            .collect()
    }
}

/// A tier id as a page's parameter, checked.
fn tier_id(tier: &str) -> Result<TierId, ApiError> {
    tier.trim()
        .parse()
        .map_err(|e| ApiError::unprocessable("tier", format!("is not a tier id ({e})")))
}

/// The people a record may name as attestor, co-leader or supervisor:
/// those who can confirm a record (their login is linked to them in the
/// society). A member sees only those listed publicly; the registrar sees
/// all. Each with the words the form shows, unique among them.
pub struct Attestors(Vec<(String, String)>);

impl Attestors {
    /// Read for `viewer` in `society`, leaving out `owner` (nobody attests
    /// their own record).
    pub fn read(
        conn: &mut DbConnection,
        viewer: &Viewer,
        society_id: &str,
        owner: &str,
    ) -> Result<Self, ApiError> {
        let listed_only = !crate::auth::permissions::acts_as_registrar(&viewer.caller, society_id);
        let people: Vec<Person> = db::people::with_login(conn, society_id, listed_only)?
            .into_iter()
            .filter(|p| p.id != owner)
            .collect();
        let names: Vec<String> = people
            .iter()
            .map(|p| full_name(p.title.as_deref(), &p.name()))
            .collect();
        let out = people
            .iter()
            .zip(&names)
            .map(|(p, name)| {
                let shared = names.iter().filter(|n| *n == name).count() > 1;
                let label = match (&p.city, shared) {
                    (_, false) => name.clone(),
                    (Some(city), true) => format!("{name}, {city} ({})", p.id),
                    (None, true) => format!("{name} ({})", p.id),
                };
                (p.id.clone(), label)
            })
            .collect();
        Ok(Self(out))
    }

    /// Each person's id and words.
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }

    /// The person `typed` means: their id when it is one of them (by id or
    /// by their words, in any case), else `typed` as it is, for the
    /// ledger's rules to judge.
    pub fn resolve(&self, typed: &str) -> String {
        let typed = typed.trim();
        self.0
            .iter()
            .find(|(id, label)| id == typed || label.eq_ignore_ascii_case(typed))
            .map_or_else(|| typed.to_owned(), |(id, _)| id.clone())
    }

    /// The words shown for `id`: the person's when they are one of them.
    pub fn label_of(&self, id: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(pid, _)| pid == id)
            .map(|(_, label)| label.as_str())
    }
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
