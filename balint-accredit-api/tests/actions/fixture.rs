//! A society on a fresh SQLite database: the BSANZ pathway, a trainee, a
//! supervisor who attests, the registrar and a login of another society,
//! each as the caller an adapter would pass.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use balint_accredit_api::auth::{AuthenticatedUser, Caller, Role};
use balint_accredit_api::config::Settings;
use balint_accredit_api::db::{self, people::Person, societies::Society, users::User};
use balint_accredit_api::public_register::PublicRegisters;
use balint_accredit_api::vc::Issuer;
use balint_accredit_api::AppState;
use chrono::NaiveDate;

/// The society's slug.
pub const SLUG: &str = "bsanz";
/// The trainee's person id.
pub const TRAINEE: &str = "trainee";
/// The supervisor's person id: the attestor of the trainee's records.
pub const SUPERVISOR: &str = "supervisor";

/// A seeded society and its callers.
pub struct Fixture {
    /// What the adapters pass to the use cases.
    pub state: AppState,
    /// The society.
    pub society: Society,
    /// The registrar (a login with no person in the society).
    pub registrar: Caller,
    /// The trainee, signed in.
    pub trainee: Caller,
    /// The supervisor, signed in.
    pub supervisor: Caller,
    /// A login of another society.
    pub stranger: Caller,
    dir: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A day, written as people write it.
pub fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn person(id: &str, society_id: &str, entered: Option<NaiveDate>) -> Person {
    let now = db::now();
    Person {
        id: id.to_owned(),
        society_id: society_id.to_owned(),
        title: None,
        given_name: Some("Alex".to_owned()),
        family_name: id.to_owned(),
        display_name: None,
        backgrounds: vec![],
        city: None,
        region: None,
        email: None,
        public_listing: true,
        entered_pathway_on: entered,
        created_at: now,
        updated_at: now,
    }
}

/// A fresh, migrated SQLite database in a directory of its own, and the
/// state an adapter would pass to the use cases on it.
pub fn database() -> (PathBuf, AppState) {
    let dir =
        std::env::temp_dir().join(format!("balint-actions-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("balint.db").display());
    let settings = Settings::for_database(url);
    let pool = db::pool(&settings.database);
    db::run_migrations(&mut pool.get().unwrap()).unwrap();
    let key = settings
        .credentials
        .load_key(&settings.database.database_url)
        .unwrap();
    let issuer = Issuer::new(
        "https://balint.test",
        None,
        key,
        chrono::Duration::minutes(10),
    )
    .unwrap();
    let state = AppState {
        issuer: Arc::new(issuer),
        pool,
        public_register: Arc::new(PublicRegisters::new(Duration::from_secs(1))),
        settings,
        bulk_jobs: Arc::default(),
        ledgers: Arc::default(),
        people_orders: Arc::default(),
        audit_counts: Arc::default(),
        due_counts: Arc::default(),
    };
    (dir, state)
}

impl Fixture {
    /// The society with the BSANZ pathway, the trainee (on the pathway
    /// since 1 February 2024) and the supervisor, and four logins.
    pub fn new() -> Self {
        let (dir, state) = database();
        let now = db::now();
        let society = Society {
            id: "s-1".to_owned(),
            slug: SLUG.to_owned(),
            name: "Balint Society of Australia and New Zealand".to_owned(),
            country: Some("AU".to_owned()),
            created_at: now,
        };
        let mut callers = Vec::new();
        {
            let mut conn = state.pool.get().unwrap();
            db::societies::insert(&mut conn, &society).unwrap();
            let other = Society {
                id: "s-2".to_owned(),
                slug: "other".to_owned(),
                name: "Another society".to_owned(),
                country: None,
                created_at: now,
            };
            db::societies::insert(&mut conn, &other).unwrap();
            let pathway = balint_core::presets::get("bsanz-leader").unwrap().pathway();
            db::pathways::insert(&mut conn, &society.id, &pathway, None, None, now).unwrap();
            db::people::insert(
                &mut conn,
                &person(TRAINEE, &society.id, Some(day("2024-02-01"))),
            )
            .unwrap();
            db::people::insert(&mut conn, &person(SUPERVISOR, &society.id, None)).unwrap();
            let logins = [
                ("registrar", "s-1", Role::Registrar, None),
                ("trainee", "s-1", Role::Member, Some(TRAINEE)),
                ("supervisor", "s-1", Role::Member, Some(SUPERVISOR)),
                ("stranger", "s-2", Role::Registrar, None),
            ];
            for (id, society_id, role, person_id) in logins {
                let email = format!("{id}@example.org");
                db::users::insert(
                    &mut conn,
                    &User {
                        id: id.to_owned(),
                        email: email.clone(),
                        password_hash: "not used".to_owned(),
                        is_platform_admin: false,
                        created_at: now,
                    },
                )
                .unwrap();
                db::users::grant_role(&mut conn, id, society_id, role, person_id, now).unwrap();
                let roles = db::users::roles_of(&mut conn, id).unwrap();
                callers.push(Caller::User(AuthenticatedUser {
                    user_id: id.to_owned(),
                    email,
                    is_platform_admin: false,
                    roles,
                    token_digest: String::new(),
                }));
            }
        }
        let mut callers = callers.into_iter();
        let mut next = || callers.next().unwrap();
        Self {
            state,
            society,
            registrar: next(),
            trainee: next(),
            supervisor: next(),
            stranger: next(),
            dir,
        }
    }

    /// The society's audit log, newest first, as (entity, entity id,
    /// action) triples.
    pub fn audit(&self) -> Vec<(String, String, String)> {
        let mut conn = self.state.pool.get().unwrap();
        let page = db::audit::list_for_society(
            &mut conn,
            &self.society.id,
            balint_accredit_api::pagination::PageRequest {
                page: 1,
                per_page: 100,
            },
        )
        .unwrap();
        page.items
            .into_iter()
            .map(|r| (r.entity_type, r.entity_id, r.action))
            .collect()
    }
}
