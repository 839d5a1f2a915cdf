//! People in a society's records. The registrar keeps them; a member reads
//! their own record and changes their contact details, place and listing
//! consent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use validator::ValidateEmail;

use crate::auth::{permissions, Caller};
use crate::day::{self, Day};
use crate::db::people::{PeopleOrder, Person, PersonFilter};
use crate::db::{self, audit, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// Whose edit it is: the registrar changes anything, a member only their
/// own contact details, place and listing consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Editor {
    Registrar,
    Member,
}

const MEMBER_FIELDS: [&str; 4] = ["email", "city", "region", "public_listing"];

/// The fields a request sets; `Some(None)` clears a field.
#[derive(Debug, Default)]
struct Changes {
    title: Option<Option<String>>,
    given_name: Option<Option<String>>,
    family_name: Option<String>,
    display_name: Option<Option<String>>,
    backgrounds: Option<Vec<String>>,
    city: Option<Option<String>>,
    region: Option<Option<String>>,
    email: Option<Option<String>>,
    public_listing: Option<bool>,
    entered_pathway_on: Option<Option<NaiveDate>>,
}

/// Reads a body's fields one by one, so every problem is reported at once.
struct Fields {
    problems: Vec<FieldProblem>,
}

impl Fields {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(FieldProblem::new(field, message));
    }

    fn text(&mut self, field: &str, value: &Value, max: usize) -> Option<Option<String>> {
        match value {
            Value::Null => Some(None),
            Value::String(s) => {
                let s = s.trim();
                if s.is_empty() || s.chars().count() > max {
                    self.problem(field, format!("must be between 1 and {max} characters"));
                    None
                } else {
                    Some(Some(s.to_owned()))
                }
            }
            _ => {
                self.problem(field, "must be a string or null");
                None
            }
        }
    }

    fn required_text(&mut self, field: &str, value: &Value, max: usize) -> Option<String> {
        match self.text(field, value, max) {
            Some(Some(s)) => Some(s),
            Some(None) => {
                self.problem(field, "is required");
                None
            }
            None => None,
        }
    }

    fn email(&mut self, value: &Value) -> Option<Option<String>> {
        let email = self.text("email", value, 254)?;
        match email {
            Some(e) if !e.validate_email() => {
                self.problem("email", "must be an email address");
                None
            }
            other => Some(other),
        }
    }

    fn flag(&mut self, field: &str, value: &Value) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.problem(field, "must be true or false");
                None
            }
        }
    }

    fn date(&mut self, field: &str, value: &Value, today: NaiveDate) -> Option<Option<NaiveDate>> {
        match value {
            Value::Null => Some(None),
            Value::String(s) if day::after(s, today).is_some() => {
                self.problem(field, "must not be in the future");
                None
            }
            Value::String(s) => match Day::parse(s) {
                Ok(day) => Some(Some(day.date())),
                Err(e) => {
                    self.problem(field, e.to_string());
                    None
                }
            },
            _ => {
                self.problem(field, "must be a date (YYYY-MM-DD) or null");
                None
            }
        }
    }

    fn labels(&mut self, field: &str, value: &Value) -> Option<Vec<String>> {
        let Value::Array(items) = value else {
            self.problem(field, "must be a list of labels");
            return None;
        };
        let before = self.problems.len();
        let mut labels: Vec<String> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{field}[{i}]");
            match item.as_str().map(str::trim) {
                Some(s) if !s.is_empty() && s.len() <= 64 => {
                    if labels.iter().any(|l| l == s) {
                        self.problem(&path, "is listed twice");
                    } else {
                        labels.push(s.to_owned());
                    }
                }
                _ => self.problem(&path, "must be a label of 1 to 64 characters"),
            }
        }
        (self.problems.len() == before).then_some(labels)
    }
}

/// Read `body` into changes, checking every field (and that `editor` may
/// change it); `creating` requires the family name.
fn read_changes(
    body: &Map<String, Value>,
    editor: Editor,
    creating: bool,
    today: NaiveDate,
) -> (Changes, Vec<FieldProblem>) {
    let mut f = Fields {
        problems: Vec::new(),
    };
    let mut c = Changes::default();
    for (key, value) in body {
        let known = matches!(
            key.as_str(),
            "title"
                | "given_name"
                | "family_name"
                | "display_name"
                | "backgrounds"
                | "city"
                | "region"
                | "email"
                | "public_listing"
                | "entered_pathway_on"
        );
        if !known {
            f.problem(key, "unknown field");
            continue;
        }
        if editor == Editor::Member && !MEMBER_FIELDS.contains(&key.as_str()) {
            f.problem(key, "only the registrar may change this");
            continue;
        }
        match key.as_str() {
            "title" => c.title = f.text(key, value, 50),
            "given_name" => c.given_name = f.text(key, value, 100),
            "family_name" => c.family_name = f.required_text(key, value, 100),
            "display_name" => c.display_name = f.text(key, value, 200),
            "backgrounds" => c.backgrounds = f.labels(key, value),
            "city" => c.city = f.text(key, value, 100),
            "region" => c.region = f.text(key, value, 100),
            "email" => c.email = f.email(value),
            "public_listing" => c.public_listing = f.flag(key, value),
            _ => c.entered_pathway_on = f.date(key, value, today),
        }
    }
    if creating && !body.contains_key("family_name") {
        f.problem("family_name", "is required");
    }
    (c, f.problems)
}

impl Changes {
    /// Apply to `p`; returns the changed fields' values before and after.
    fn apply(self, p: &mut Person) -> (Map<String, Value>, Map<String, Value>) {
        let mut before = Map::new();
        let mut after = Map::new();
        fn set<T: PartialEq + Serialize>(
            name: &str,
            field: &mut T,
            new: Option<T>,
            before: &mut Map<String, Value>,
            after: &mut Map<String, Value>,
        ) {
            if let Some(new) = new {
                if *field != new {
                    before.insert(name.to_owned(), json!(field));
                    after.insert(name.to_owned(), json!(new));
                    *field = new;
                }
            }
        }
        let (b, a) = (&mut before, &mut after);
        set("title", &mut p.title, self.title, b, a);
        set("given_name", &mut p.given_name, self.given_name, b, a);
        set("family_name", &mut p.family_name, self.family_name, b, a);
        set("display_name", &mut p.display_name, self.display_name, b, a);
        set("backgrounds", &mut p.backgrounds, self.backgrounds, b, a);
        set("city", &mut p.city, self.city, b, a);
        set("region", &mut p.region, self.region, b, a);
        set("email", &mut p.email, self.email, b, a);
        set(
            "public_listing",
            &mut p.public_listing,
            self.public_listing,
            b,
            a,
        );
        set(
            "entered_pathway_on",
            &mut p.entered_pathway_on,
            self.entered_pathway_on,
            b,
            a,
        );
        (before, after)
    }
}

/// Where the pathway that applies to `person` declares backgrounds, every
/// background must be one of them.
fn check_backgrounds(
    conn: &mut db::DbConnection,
    person: &Person,
    today: NaiveDate,
    problems: &mut Vec<FieldProblem>,
) -> Result<(), ApiError> {
    let entered = person.entered_pathway_on.unwrap_or(today);
    let Some(version) = db::pathways::applicable(conn, &person.society_id, entered)? else {
        return Ok(());
    };
    let declared = version.pathway.backgrounds();
    if declared.is_empty() {
        return Ok(());
    }
    for (i, label) in person.backgrounds.iter().enumerate() {
        if !declared.contains(label) {
            problems.push(FieldProblem::new(
                format!("backgrounds[{i}]"),
                format!(
                    "is not a background the pathway declares ({})",
                    declared.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn refused(mut problems: Vec<FieldProblem>) -> ApiError {
    problems.sort_by(|a, b| a.field.cmp(&b.field));
    ApiError::Unprocessable {
        detail: "the request has invalid fields".to_owned(),
        errors: problems,
    }
}

fn audit_change<'a>(
    actor: &'a str,
    person: &'a Person,
    action: audit::Action,
    before: Option<Value>,
    after: Value,
) -> audit::Change<'a> {
    audit::Change {
        actor_user_id: Some(actor),
        society_id: Some(&person.society_id),
        action,
        entity: audit::Entity::Person,
        entity_id: &person.id,
        before,
        after: Some(after),
        at: person.updated_at,
    }
}

/// Add a person to the records of society `slug` (registrar or platform
/// administrator), from their fields as a person's record names them
/// (`title`, `given_name`, `family_name`, `display_name`, `backgrounds`,
/// `city`, `region`, `email`, `public_listing`, `entered_pathway_on`);
/// every problem is refused at once. The audit log keeps the new record.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    slug: String,
    body: Map<String, Value>,
) -> Result<(Society, Person), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let today = Utc::now().date_naive();
    let (changes, problems) = read_changes(&body, Editor::Registrar, true, today);
    let now = db::now();
    let mut person = Person {
        id: uuid::Uuid::new_v4().to_string(),
        society_id: society.id.clone(),
        title: None,
        given_name: None,
        family_name: String::new(),
        display_name: None,
        backgrounds: Vec::new(),
        city: None,
        region: None,
        email: None,
        public_listing: false,
        entered_pathway_on: None,
        created_at: now,
        updated_at: now,
    };
    changes.apply(&mut person);
    let person = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let mut problems = problems;
            check_backgrounds(conn, &person, today, &mut problems)?;
            if !problems.is_empty() {
                return Err(refused(problems));
            }
            db::people::insert(conn, &person)?;
            let after = json!({
                "title": person.title, "given_name": person.given_name,
                "family_name": person.family_name, "display_name": person.display_name,
                "backgrounds": person.backgrounds, "city": person.city, "region": person.region,
                "email": person.email, "public_listing": person.public_listing,
                "entered_pathway_on": person.entered_pathway_on,
            });
            audit::record(
                conn,
                audit_change(&actor, &person, audit::Action::Create, None, after),
            )?;
            Ok(person)
        })
    })
    .await?;
    Ok((society, person))
}

/// A page of the people of society `slug` matching `filter` (registrar or
/// platform administrator), by family name, then given name. `page` is
/// the paging as the adapter read it, refused once the caller is known to
/// be signed in.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    page: Result<PageRequest, ApiError>,
    filter: PersonFilter,
) -> Result<(Society, Page<Person>), ApiError> {
    permissions::require_user(caller)?;
    let page = page?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_registrar(caller, &society.id)?;
    let society_id = society.id.clone();
    let orders = Arc::clone(&state.people_orders);
    let found = db::run(&state.pool, move |conn| {
        if filter.q.is_none() && filter.region.is_none() {
            let order = orders.order(conn, &society_id)?;
            db::people::page_in_order(conn, &society_id, &order, page)
        } else {
            db::people::list(conn, &society_id, &filter, page)
        }
    })
    .await?;
    Ok((society, found))
}

/// The societies' lists of people as [`db::people::order`] read them (how
/// many people, where each page begins), each kept while its version has
/// not moved: a page of the list reads one row for the version and its own
/// rows, not a count of every person and the rows before it. A write by
/// anyone that adds, removes or renames a person moves the version, and
/// the list is read again at its next page.
#[derive(Debug, Default)]
pub struct PeopleOrders {
    held: Mutex<HashMap<String, (i64, Arc<PeopleOrder>)>>,
    /// Taken to read a list again, so requests arriving together read it
    /// once.
    reading: Mutex<()>,
}

impl PeopleOrders {
    /// `society_id`'s list: from memory while its version has not moved.
    pub fn order(
        &self,
        conn: &mut DbConnection,
        society_id: &str,
    ) -> Result<Arc<PeopleOrder>, ApiError> {
        // The version before the list: a write landing in between leaves
        // the copy newer than its version (read again next time), never
        // older.
        let version = db::people::order_version(conn, society_id)?;
        if let Some(order) = self.kept(society_id, version) {
            return Ok(order);
        }
        let _reading = self.reading.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(order) = self.kept(society_id, version) {
            return Ok(order);
        }
        let order = Arc::new(db::people::order(conn, society_id)?);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let newer = held
            .get(society_id)
            .is_some_and(|(kept, _)| *kept > version);
        if !newer {
            held.insert(society_id.to_owned(), (version, Arc::clone(&order)));
        }
        Ok(order)
    }

    fn kept(&self, society_id: &str, version: i64) -> Option<Arc<PeopleOrder>> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(society_id)
            .filter(|(at, _)| *at == version)
            .map(|(_, order)| Arc::clone(order))
    }
}

/// Person `person_id` of society `slug`: the registrar (or a platform
/// administrator), or the member whose record it is.
pub async fn one(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
) -> Result<(Society, Person), ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    let society_id = society.id.clone();
    let person = db::run(&state.pool, move |conn| {
        db::people::find(conn, &society_id, &person_id)?
            .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))
    })
    .await?;
    Ok((society, person))
}

/// Change person `person_id` of society `slug`: the registrar (or a
/// platform administrator) any field; the member whose record it is, only
/// `email`, `city`, `region` and `public_listing`. Only the fields in
/// `body` change (a `null` clears one). Every change is in the audit log
/// with the values before and after.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    body: Map<String, Value>,
) -> Result<(Society, Person), ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    let actor = permissions::require_member_or_registrar(caller, &society.id, &person_id)?
        .user_id
        .clone();
    let editor = if permissions::acts_as_registrar(caller, &society.id) {
        Editor::Registrar
    } else {
        Editor::Member
    };
    let today = Utc::now().date_naive();
    let (changes, problems) = read_changes(&body, editor, false, today);
    let society_id = society.id.clone();
    let person = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let mut person = db::people::find(conn, &society_id, &person_id)?
                .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
            let mut problems = problems;
            let backgrounds_given = changes.backgrounds.is_some();
            let (before, after) = changes.apply(&mut person);
            // Only backgrounds being set now are checked: a later pathway
            // must not block someone from changing their address.
            if backgrounds_given || after.contains_key("entered_pathway_on") {
                check_backgrounds(conn, &person, today, &mut problems)?;
            }
            if !problems.is_empty() {
                return Err(refused(problems));
            }
            if after.is_empty() {
                return Ok(person);
            }
            person.updated_at = db::now();
            db::people::update(conn, &person)?;
            audit::record(
                conn,
                audit_change(
                    &actor,
                    &person,
                    audit::Action::Update,
                    Some(Value::Object(before)),
                    Value::Object(after),
                ),
            )?;
            Ok(person)
        })
    })
    .await?;
    Ok((society, person))
}
