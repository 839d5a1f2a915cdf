//! Storing an imported register, all or nothing: new people and entries
//! in batches, histories extended where the file goes on from what is
//! stored, conflicts reported by entry.

use super::*;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Entries put on the register.
    pub created: usize,
    /// Entries whose history was extended by the file.
    pub extended: usize,
    /// Entries already on the register exactly as in the file.
    pub unchanged: usize,
    /// People added to the society's records.
    pub people_created: usize,
}

/// New entries from which an import refreshes the planner's statistics.
const REFRESH_STATISTICS_AFTER: usize = 1000;

/// Store `entries` in `society`'s register, all or nothing; `progress` is
/// called after each entry is checked. Call it inside [`crate::db::write`].
///
/// What is on the register already is read in a few queries up front, and
/// new people, entries, their histories and the audit records are written
/// in batches: no round trip per row for a fresh register.
pub fn apply(
    conn: &mut DbConnection,
    society: &Society,
    entries: Vec<ImportedEntry>,
    actor: Option<&str>,
    progress: &mut dyn FnMut(),
) -> Result<ImportReport, ApiError> {
    stored_register::lock_for_import(conn, &society.id)?;
    let now = db::now();
    let mut report = ImportReport::default();
    let mut problems = Vec::new();

    // Who and what is there already (once any import before this one
    // has committed).
    let on_register = stored_register::registrations(conn, &society.id)?;
    let mut registered_people: HashSet<String> = on_register.values().cloned().collect();
    let mut known_people: HashSet<String> =
        db::people::ids(conn, &society.id)?.into_iter().collect();
    let again: Vec<&str> = entries
        .iter()
        .map(|imported| imported.entry.registration().as_str())
        .filter(|registration| on_register.contains_key(*registration))
        .collect();
    let mut existing = stored_register::by_registrations(conn, &society.id, &again)?;

    let mut new_people = Vec::new();
    let mut new_entries = Vec::new();
    for imported in entries {
        let at = imported.at.clone();
        let registration = imported.entry.registration().as_str().to_owned();
        let outcome = match existing.remove(&registration) {
            Some(stored) => apply_again(conn, stored, imported, actor, now, &mut report),
            None => plan_new(
                society,
                imported,
                now,
                &mut registered_people,
                &mut known_people,
                &mut new_people,
                &mut new_entries,
            ),
        };
        match outcome {
            Ok(()) => {}
            Err(ApiError::Conflict(message)) => problems.push(FieldProblem::new(at, message)),
            Err(ApiError::Unprocessable { detail, errors }) if errors.is_empty() => {
                problems.push(FieldProblem::new(at, detail));
            }
            Err(ApiError::Unprocessable { errors, .. }) => problems.extend(
                errors
                    .into_iter()
                    .map(|p| FieldProblem::new(format!("{at}.{}", p.field), p.message)),
            ),
            Err(other) => return Err(other),
        }
        progress();
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }

    db::people::insert_all(conn, &new_people)?;
    let numbers: HashMap<&str, &str> = new_entries
        .iter()
        .map(|e| (e.person().as_str(), e.registration().as_str()))
        .collect();
    let people_audit: Vec<(String, serde_json::Value)> = new_people
        .iter()
        .map(|person| {
            let with = numbers.get(person.id.as_str());
            (
                person.id.clone(),
                json!({ "family_name": person.family_name, "imported_with": with }),
            )
        })
        .collect();
    audit::record_all(
        conn,
        people_audit
            .iter()
            .map(|(id, after)| audit::Change {
                actor_user_id: actor,
                society_id: Some(&society.id),
                action: audit::Action::Create,
                entity: audit::Entity::Person,
                entity_id: id,
                before: None,
                after: Some(after.clone()),
                at: now,
            })
            .collect(),
    )?;
    report.people_created += new_people.len();
    stored_register::insert_all(conn, &society.id, &new_entries, actor, now)?;
    stored_register::reserve_past(
        conn,
        society,
        new_entries.iter().map(RegisterEntry::registration),
    )?;
    report.created += new_entries.len();
    if new_entries.len() >= REFRESH_STATISTICS_AFTER {
        // A bulk load changes the tables' shape: without fresh statistics
        // both planners walk the whole register for a name search.
        diesel::sql_query("ANALYZE").execute(conn)?;
    }
    Ok(report)
}

/// An entry already on the register: unchanged, extended by the file, or
/// in conflict with it.
fn apply_again(
    conn: &mut DbConnection,
    existing: StoredEntry,
    imported: ImportedEntry,
    actor: Option<&str>,
    now: chrono::NaiveDateTime,
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    let registration = imported.entry.registration().clone();
    if imported.person_named && existing.entry.person() != imported.entry.person() {
        return Err(ApiError::Conflict(format!(
            "{registration} is on the register for person {}, not {}",
            existing.entry.person(),
            imported.entry.person()
        )));
    }
    let ours = existing.entry.history();
    let theirs = imported.entry.history();
    if ours == theirs {
        report.unchanged += 1;
        return Ok(());
    }
    if theirs.len() < ours.len() || &theirs[..ours.len()] != ours {
        return Err(ApiError::Conflict(format!(
            "{registration} is on the register with a different history"
        )));
    }
    let extended = RegisterEntry::from_history(
        registration.clone(),
        existing.entry.person().clone(),
        theirs.to_vec(),
    )
    .map_err(stored_register::refused)?;
    stored_register::update(conn, existing, actor, now, move |entry| {
        *entry = extended;
        Ok(())
    })?;
    report.extended += 1;
    Ok(())
}

/// A new entry: checked now, stored with the others at the end.
fn plan_new(
    society: &Society,
    imported: ImportedEntry,
    now: chrono::NaiveDateTime,
    registered_people: &mut HashSet<String>,
    known_people: &mut HashSet<String>,
    new_people: &mut Vec<Person>,
    new_entries: &mut Vec<RegisterEntry>,
) -> Result<(), ApiError> {
    let person_id = imported.entry.person().as_str().to_owned();
    if registered_people.contains(&person_id) {
        return Err(ApiError::Conflict(format!(
            "registration {} or person {} is already on the register",
            imported.entry.registration(),
            person_id
        )));
    }
    if !known_people.contains(&person_id) {
        let record = &imported.person;
        if record.family_name.trim().is_empty() {
            return Err(ApiError::unprocessable("person.family_name", "is required"));
        }
        new_people.push(Person {
            id: person_id.clone(),
            society_id: society.id.clone(),
            title: record.title.clone(),
            given_name: record.given_name.clone(),
            family_name: record.family_name.clone(),
            display_name: record.display_name.clone(),
            backgrounds: record.backgrounds.clone(),
            city: record.city.clone(),
            region: record.region.clone(),
            email: record.email.clone(),
            public_listing: record.public_listing,
            entered_pathway_on: record.entered_pathway_on,
            created_at: now,
            updated_at: now,
        });
        known_people.insert(person_id.clone());
    }
    registered_people.insert(person_id);
    new_entries.push(imported.entry);
    Ok(())
}
