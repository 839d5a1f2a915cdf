//! The public register held in memory is patched in place after a write
//! (only the entries the write touched read again); over random sequences
//! of every kind of write that reaches the public register, the patched
//! copy answers exactly as a copy read whole from the same database.
//!
//! The writes go through the service (its actions and the database's
//! triggers); the two copies are read in this process from the same
//! database: one kept and patched from write to write, one read whole
//! each time. The society's own details held with the register (its
//! details, its tiers' names) are compared too, and every listed entry's
//! standing on days before, on and after today as the verification page
//! reads it from memory, against the entry read from the database.

use std::sync::Arc;

use balint_accredit_api::actions::today;
use balint_accredit_api::public_register::{
    Listed, PublicRegisters, PublicSearch, Snapshot, SocietyFacts,
};
use balint_core::register::{PublicStatusChange, Status};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;

use super::register::{adopt_pathway, person};
use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";
const PEOPLE: usize = 8;

/// One write that may change the public register.
#[derive(Debug, Clone)]
enum Write {
    /// Grant person `.0` the tier on a day: long ago, lately, or ahead.
    Grant(usize, Effective),
    /// A status change of the `.0`th entry granted so far.
    Status(usize, &'static str, Effective, bool),
    /// A renewal of the `.0`th entry.
    Renew(usize),
    /// The lapse job, as of today.
    Lapse,
    /// A public field of person `.0`: (field, value).
    Edit(usize, &'static str, &'static str),
    /// Person `.0` agrees to be listed, or withdraws.
    Listing(usize, bool),
    /// A register file adding an entry of a new person.
    Import(&'static str, &'static str, bool),
    /// The society's details: its website and telephone.
    Profile(&'static str, &'static str),
    /// The society adopts its pathway again (a new version).
    Adopt,
}

#[derive(Debug, Clone, Copy)]
enum Effective {
    Past,
    Recent,
    Ahead,
}

impl Effective {
    fn day(self) -> String {
        let today = today();
        let day = match self {
            Self::Past => today - chrono::Days::new(500),
            Self::Recent => today - chrono::Days::new(3),
            Self::Ahead => today + chrono::Days::new(5),
        };
        day.to_string()
    }
}

const NAMES: [&str; 6] = ["Carter", "Ng", "Smith", "Smithers", "Adams", "O'Brien"];
const CITIES: [&str; 4] = ["Hobart", "Perth", "Sydney", "Newcastle"];

fn effective() -> impl Strategy<Value = Effective> {
    prop_oneof![
        Just(Effective::Past),
        Just(Effective::Recent),
        Just(Effective::Ahead)
    ]
}

fn write() -> impl Strategy<Value = Write> {
    let who = 0..PEOPLE;
    prop_oneof![
        3 => (who.clone(), effective()).prop_map(|(p, e)| Write::Grant(p, e)),
        3 => (
            0..PEOPLE,
            prop::sample::select(vec!["suspend", "reinstate", "revoke", "retire"]),
            effective(),
            any::<bool>()
        )
            .prop_map(|(n, a, e, public)| Write::Status(n, a, e, public)),
        1 => (0..PEOPLE).prop_map(Write::Renew),
        1 => Just(Write::Lapse),
        2 => (who.clone(), prop::sample::select(NAMES.to_vec()))
            .prop_map(|(p, v)| Write::Edit(p, "family_name", v)),
        1 => (who.clone(), prop::sample::select(vec!["Ann", "Zoe", "Mia"]))
            .prop_map(|(p, v)| Write::Edit(p, "given_name", v)),
        1 => (who.clone(), prop::sample::select(CITIES.to_vec()))
            .prop_map(|(p, v)| Write::Edit(p, "city", v)),
        1 => (who.clone(), prop::sample::select(vec!["TAS", "WA", "NSW"]))
            .prop_map(|(p, v)| Write::Edit(p, "region", v)),
        1 => (who.clone(), prop::sample::select(vec!["Dr", "Prof", "Ms"]))
            .prop_map(|(p, v)| Write::Edit(p, "title", v)),
        2 => (who, any::<bool>()).prop_map(|(p, listed)| Write::Listing(p, listed)),
        1 => (
            prop::sample::select(NAMES.to_vec()),
            prop::sample::select(CITIES.to_vec()),
            any::<bool>()
        )
            .prop_map(|(family, city, listed)| Write::Import(family, city, listed)),
        2 => (
            prop::sample::select(vec!["https://bsanz.example", "https://balint.example", ""]),
            prop::sample::select(vec!["+61 2 5550 0000", ""])
        )
            .prop_map(|(website, phone)| Write::Profile(website, phone)),
        1 => Just(Write::Adopt),
    ]
}

/// Everything the public can ask of a copy: every entry in order with its
/// history, and searches by name, place, tier and status.
#[derive(Debug, PartialEq)]
struct Answers {
    entries: Vec<(Listed, Vec<PublicStatusChange>)>,
    searches: Vec<(Vec<Listed>, usize)>,
    society: SocietyFacts,
    /// Each entry's standing on days around today, as verification reads
    /// it from memory: (status, tier, valid until).
    standings: Vec<Vec<DayStanding>>,
}

/// An entry's standing on a day: (status, tier, valid until); none before
/// its first grant.
type DayStanding = Option<(Status, String, Option<chrono::NaiveDate>)>;

/// The days a standing is asked for: long ago, the day before and after
/// a recent change, today, and ahead (around the changes the writes date).
fn days() -> Vec<chrono::NaiveDate> {
    let today = today();
    [-600_i64, -501, -500, -4, -3, 0, 4, 5, 6, 400]
        .iter()
        .map(|&n| today + chrono::Duration::days(n))
        .collect()
}

fn standings(snapshot: &Snapshot, registration: &str) -> Vec<DayStanding> {
    let entry = snapshot.entry(registration).expect("listed");
    days()
        .into_iter()
        .map(|day| {
            entry
                .standing_on(day)
                .map(|s| (s.status, s.tier.to_owned(), s.valid_until))
        })
        .collect()
}

fn answers(snapshot: &Snapshot) -> Answers {
    let (all, _) = snapshot.search(&PublicSearch::default(), 0, usize::MAX);
    let entries: Vec<(Listed, Vec<PublicStatusChange>)> = all
        .into_iter()
        .map(|listed| {
            let history = snapshot
                .entry(&listed.registration)
                .expect("a listed entry is found by its number")
                .history()
                .map(|change| change.to_public())
                .collect();
            (listed, history)
        })
        .collect();
    let mut searches = Vec::new();
    for q in ["a", "smith", "ann carter", "o'b", "zoe"] {
        searches.push(PublicSearch {
            q: Some(q.into()),
            ..PublicSearch::default()
        });
    }
    for place in ["hobart", "wa", "sydney"] {
        searches.push(PublicSearch {
            place: Some(place.into()),
            ..PublicSearch::default()
        });
    }
    for status in [Status::Accredited, Status::Suspended, Status::Lapsed] {
        searches.push(PublicSearch {
            status: Some(status),
            q: Some("e".into()),
            ..PublicSearch::default()
        });
    }
    searches.push(PublicSearch {
        tier: Some("accredited-leader".into()),
        ..PublicSearch::default()
    });
    let searches = searches
        .iter()
        .map(|search| snapshot.search(search, 1, 3))
        .collect();
    let standings = entries
        .iter()
        .map(|(listed, _)| standings(snapshot, &listed.registration))
        .collect();
    Answers {
        entries,
        searches,
        society: (**snapshot.society()).clone(),
        standings,
    }
}

/// Every listed entry's standing on [`days`] and first grant as the
/// database's entry has it (what verification read before it read memory).
fn standings_in_database(
    conn: &mut balint_accredit_api::db::DbConnection,
    snapshot: &Snapshot,
) -> Vec<Vec<DayStanding>> {
    let (all, _) = snapshot.search(&PublicSearch::default(), 0, usize::MAX);
    all.iter()
        .map(|listed| {
            let (_, stored, _) =
                balint_accredit_api::db::register::in_society(conn, "bsanz", &listed.registration)
                    .unwrap()
                    .expect("a listed entry is in the database");
            assert_eq!(
                snapshot
                    .entry(&listed.registration)
                    .unwrap()
                    .first_granted(),
                stored.entry.first_accredited()
            );
            days()
                .into_iter()
                .map(|day| {
                    stored
                        .entry
                        .standing_on(day)
                        .map(|s| (s.status, s.tier.as_str().to_owned(), s.valid_until))
                })
                .collect()
        })
        .collect()
}

/// The patched copy and a copy read whole, as answers; and the kept
/// registers' (rebuilds, patches) so far.
async fn both(app: &TestApp, kept: &Arc<PublicRegisters>) -> (Answers, Answers, (u64, u64)) {
    let database = app.settings.database.clone();
    let kept = Arc::clone(kept);
    tokio::task::spawn_blocking(move || {
        let mut conn = balint_accredit_api::db::open_existing(&database).unwrap();
        let patched = kept.current(&mut conn, "bsanz", today()).unwrap();
        let whole = PublicRegisters::default()
            .current(&mut conn, "bsanz", today())
            .unwrap();
        let answered = answers(&patched);
        assert_eq!(
            answered.standings,
            standings_in_database(&mut conn, &patched),
            "verification from memory and from the database"
        );
        let society =
            SocietyFacts::read(&mut conn, &patched.society().society.id, today()).unwrap();
        assert_eq!(answered.society, society, "the society's details as stored");
        (answered, answers(&whole), kept.reads())
    })
    .await
    .unwrap()
}

struct World<'a> {
    app: &'a TestApp,
    cast: &'a Cast,
    people: Vec<String>,
    registrations: Vec<String>,
    imported: usize,
}

impl World<'_> {
    fn token(&self) -> Option<&str> {
        Some(&self.cast.registrar.token)
    }

    /// Apply `write`; refusals (granting twice, reinstating what is not
    /// suspended) are part of the sequence and change nothing.
    async fn apply(&mut self, write: &Write) -> (StatusCode, Value) {
        let app = self.app;
        match write {
            Write::Grant(p, e) => {
                let (status, body) = app
                    .post_json(
                        REGISTER,
                        self.token(),
                        &json!({ "person_id": self.people[*p], "tier": "accredited-leader",
                                 "effective": e.day(), "reason": "council decision" }),
                    )
                    .await;
                if let Some(number) = body["registration"].as_str() {
                    self.registrations.push(number.to_owned());
                }
                (status, body)
            }
            Write::Status(n, action, e, public) => {
                let Some(number) = self.nth(*n) else {
                    return (StatusCode::NOT_FOUND, Value::Null);
                };
                app.post_json(
                    &format!("{REGISTER}/{number}/status"),
                    self.token(),
                    &json!({ "action": action, "effective": e.day(), "reason": "committee",
                             "visibility": if *public { "public" } else { "confidential" } }),
                )
                .await
            }
            Write::Renew(n) => {
                let Some(number) = self.nth(*n) else {
                    return (StatusCode::NOT_FOUND, Value::Null);
                };
                app.post_json(
                    &format!("{REGISTER}/{number}/renewals"),
                    self.token(),
                    &json!({ "effective": Effective::Recent.day(), "reason": "membership kept",
                             "override": { "reason": "committee's discretion" } }),
                )
                .await
            }
            Write::Lapse => {
                app.post_json(
                    &format!("{REGISTER}/lapse?as_of={}", today()),
                    self.token(),
                    &json!({}),
                )
                .await
            }
            Write::Edit(p, field, value) => {
                let mut body = json!({});
                body[*field] = json!(value);
                self.patch(*p, &body).await
            }
            Write::Listing(p, listed) => self.patch(*p, &json!({ "public_listing": listed })).await,
            Write::Import(family, city, listed) => {
                self.imported += 1;
                let csv = format!(
                    "registration,given_name,family_name,city,public_listing,entered_pathway_on,effective,action,tier,reason\n\
                     BSANZ-9{:03},Ivy,{family},{city},{listed},2020-01-01,{},grant,accredited-leader,council\n",
                    self.imported,
                    Effective::Past.day(),
                );
                app.send(
                    app.builder(
                        reqwest::Method::POST,
                        &format!("{REGISTER}/import"),
                        self.token(),
                    )
                    .header("content-type", "text/csv")
                    .body(csv),
                )
                .await
            }
            Write::Profile(website, phone) => {
                app.send(
                    app.builder(
                        reqwest::Method::PUT,
                        "/api/v1/societies/bsanz/profile",
                        self.token(),
                    )
                    .json(&json!({ "contact_email": "registrar@bsanz.example",
                                   "website": website, "phone": phone })),
                )
                .await
            }
            Write::Adopt => {
                app.post_json(
                    "/api/v1/societies/bsanz/pathway/adopt",
                    self.token(),
                    &json!({ "preset": "uk-2016" }),
                )
                .await
            }
        }
    }

    fn nth(&self, n: usize) -> Option<String> {
        (!self.registrations.is_empty())
            .then(|| self.registrations[n % self.registrations.len()].clone())
    }

    async fn patch(&self, p: usize, body: &Value) -> (StatusCode, Value) {
        let path = format!("/api/v1/societies/bsanz/people/{}", self.people[p]);
        self.app
            .send(
                self.app
                    .builder(reqwest::Method::PATCH, &path, self.token())
                    .json(body),
            )
            .await
    }
}

e2e_test!(
    async fn the_public_register_patched_in_place_answers_as_one_read_whole(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let mut people = Vec::new();
        for (n, family) in NAMES.iter().cycle().take(PEOPLE).enumerate() {
            let listed = n % 3 != 2;
            let extra = json!({ "city": CITIES[n % CITIES.len()], "public_listing": listed });
            people.push(person(&app, &cast, "Ann", family, extra).await);
        }
        let mut world = World {
            app: &app,
            cast: &cast,
            people,
            registrations: Vec::new(),
            imported: 0,
        };
        let kept = Arc::new(PublicRegisters::new(std::time::Duration::ZERO));
        let (first, whole, _) = both(&app, &kept).await;
        assert_eq!(first, whole);

        let mut runner = TestRunner::default();
        let sequences = prop::collection::vec((write(), any::<bool>()), 12..24);
        let mut applied = Vec::new();
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..4 {
            let sequence = sequences.new_tree(&mut runner).unwrap().current();
            for (write, check) in sequence {
                let (status, _) = world.apply(&write).await;
                if status.is_success() {
                    kinds.insert(format!("{write:?}").split('(').next().unwrap().to_owned());
                }
                applied.push((write, status.as_u16()));
                if check {
                    let (patched, whole, _) = both(&app, &kept).await;
                    assert_eq!(patched, whole, "after {applied:#?}");
                }
            }
            let (patched, whole, _) = both(&app, &kept).await;
            assert_eq!(patched, whole, "after {applied:#?}");
        }
        let (_, _, (rebuilds, patches)) = both(&app, &kept).await;
        // Read whole once, then only patched: the day did not move and
        // nothing wrote much.
        assert_eq!(rebuilds, 1, "{applied:#?}");
        assert!(patches > 10, "{patches} patches");
        // The writes that succeeded cover every kind (the sequences are
        // long enough that each kind succeeds at least once).
        for kind in ["Grant", "Status", "Edit", "Listing", "Import", "Profile"] {
            assert!(kinds.contains(kind), "no {kind} succeeded: {applied:#?}");
        }
    }
);
