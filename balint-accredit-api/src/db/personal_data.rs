//! Everything held about one person, table by table, for a data-protection
//! request; and the erasure of what a society may erase.
//!
//! [`PERSON_TABLES`] names every table that holds something about a
//! person, with the rows that are theirs; [`NOT_ABOUT_PEOPLE`] every other
//! table. A test holds the two against the database's own list of tables,
//! so a new table is exported, or said to hold nothing about anyone,
//! before it can be merged. Rows are read whole, every column (but the
//! secrets in [`WITHHELD`]) as the database's own JSON object, so a new
//! column is exported without a change here.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::Value;

use super::{audit, DbConnection};

/// The logins of person `$1` of society `$2`.
const LOGINS: &str = "SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2";

/// Each table holding something about person `$1` of society `$2`, with
/// the condition that picks their rows.
pub const PERSON_TABLES: &[(&str, &str)] = &[
    ("people", "id = $1 AND society_id = $2"),
    ("society_roles", "person_id = $1 AND society_id = $2"),
    (
        "users",
        "id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "sessions",
        "user_id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "disabled_logins",
        "user_id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "password_resets",
        "user_id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "login_throttle",
        "subject IN (SELECT 'email:' || email FROM users WHERE id IN \
         (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2))",
    ),
    // Their ledger, and the records they attested, co-led, supervised or
    // decided.
    (
        "activities",
        "society_id = $2 AND (person_id = $1 OR attestor_id = $1 OR co_leader_id = $1 \
         OR supervisor_id = $1 OR decided_by_person_id = $1)",
    ),
    // The version of their ledger (a number moved on by every write to it).
    (
        "ledger_versions",
        "person_id IN (SELECT id FROM people WHERE id = $1 AND society_id = $2)",
    ),
    ("applications", "person_id = $1 AND society_id = $2"),
    // The groups they lead or belong to, the sessions they recorded or
    // were at (counts only: no session holds case content), and the
    // records those sessions stand for.
    (
        "group_leaders",
        "person_id = $1 AND group_id IN (SELECT id FROM groups WHERE society_id = $2)",
    ),
    (
        "group_members",
        "person_id = $1 AND group_id IN (SELECT id FROM groups WHERE society_id = $2)",
    ),
    (
        "group_sessions",
        "society_id = $2 AND (recorded_by_person_id = $1 \
         OR id IN (SELECT session_id FROM group_session_people WHERE person_id = $1))",
    ),
    (
        "group_session_people",
        "person_id = $1 AND session_id IN (SELECT id FROM group_sessions WHERE society_id = $2)",
    ),
    (
        "group_session_records",
        "person_id = $1 AND session_id IN (SELECT id FROM group_sessions WHERE society_id = $2)",
    ),
    ("requirement_overrides", "person_id = $1 AND society_id = $2"),
    // The certificates of attendance issued to them.
    ("attendance_certificates", "person_id = $1 AND society_id = $2"),
    // The training programmes they are a trainee of.
    (
        "programme_trainees",
        "person_id = $1 AND programme_id IN (SELECT id FROM training_programmes WHERE society_id = $2)",
    ),
    ("register_entries", "person_id = $1 AND society_id = $2"),
    // Their calendar links (the token itself is never kept).
    ("calendar_feeds", "person_id = $1 AND society_id = $2"),
    // The events told about them (their register entry, their records
    // waiting for an attestor).
    ("outbox_events", "person_id = $1 AND society_id = $2"),
    // The e-mail sent to them, each try of it, and the kinds they no
    // longer receive.
    ("mail_messages", "person_id = $1 AND society_id = $2"),
    (
        "mail_attempts",
        "message_id IN (SELECT id FROM mail_messages WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "mail_unsubscribes",
        "society_id = $2 AND recipient IN (SELECT email FROM people WHERE id = $1 AND society_id = $2 \
         UNION SELECT email FROM users WHERE id IN \
         (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2))",
    ),
    // The watchlists their logins made, or told at their address (of any
    // society's register), and the numbers those watch. A watcher who is
    // no person of the society (an employer who typed an address on the
    // public page) is not a person here: their address goes when they
    // stop watching through the manage link; an export or erasure by
    // address alone is not offered.
    (
        "watchlists",
        "owner_user_id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2) \
         OR email IN (SELECT email FROM people WHERE id = $1 AND society_id = $2)",
    ),
    (
        "watchlist_entries",
        "watchlist_id IN (SELECT id FROM watchlists WHERE \
         owner_user_id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2) \
         OR email IN (SELECT email FROM people WHERE id = $1 AND society_id = $2))",
    ),
    (
        "register_changes",
        "entry_id IN (SELECT id FROM register_entries WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "credential_statuses",
        "entry_id IN (SELECT id FROM register_entries WHERE person_id = $1 AND society_id = $2)",
    ),
    (
        "credentials",
        "entry_id IN (SELECT id FROM register_entries WHERE person_id = $1 AND society_id = $2)",
    ),
    // What the audit log says of them, of their records, and of what their
    // logins did.
    (
        "audit_log",
        "society_id = $2 AND (entity_id = $1 \
         OR entity_id IN (SELECT id FROM activities WHERE person_id = $1) \
         OR entity_id IN (SELECT id FROM applications WHERE person_id = $1) \
         OR entity_id IN (SELECT id FROM register_entries WHERE person_id = $1) \
         OR entity_id IN (SELECT id FROM requirement_overrides WHERE person_id = $1) \
         OR entity_id IN (SELECT id FROM attendance_certificates WHERE person_id = $1) \
         OR actor_user_id IN (SELECT user_id FROM society_roles WHERE person_id = $1 AND society_id = $2))",
    ),
];

/// The tables that hold nothing about any one person.
pub const NOT_ABOUT_PEOPLE: &[&str] = &[
    "__diesel_schema_migrations",
    "societies",
    "pathway_versions",
    "registration_counters",
    "register_versions",
    "register_touches",
    // How often a society's list of people changed: a number per society.
    "people_versions",
    "society_profiles",
    "society_retention",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "training_programmes",
    "groups",
    // When and where a group will meet: no person's data.
    "group_planned_sessions",
    "issuer_keys",
    "audit_chain_head",
];

/// Columns never exported: secrets, not information about the person.
pub const WITHHELD: &[&str] = &[
    "password_hash",
    "token_hash",
    "manage_token",
    "confirm_token",
];

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

/// `sql` with `$1`, `$2` as the connection's backend numbers them.
fn numbered(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => sql.replace('$', "?"),
        DbConnection::Postgres(_) => sql.to_owned(),
    }
}

/// The tables of the database, by name.
pub fn tables(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        DbConnection::Postgres(_) => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    Ok(diesel::sql_query(sql)
        .load::<Named>(conn)?
        .into_iter()
        .map(|n| n.name)
        .collect())
}

fn columns(conn: &mut DbConnection, table: &str) -> QueryResult<Vec<String>> {
    let sql = numbered(
        conn,
        match conn {
            DbConnection::Sqlite(_) => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
            DbConnection::Postgres(_) => {
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position"
            }
        },
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(table)
        .load::<Named>(conn)?
        .into_iter()
        .map(|n| n.name)
        .filter(|n| !WITHHELD.contains(&n.as_str()))
        .collect())
}

/// Every row about person `person_id` of society `society_id`, table by
/// table (every table of [`PERSON_TABLES`], empty ones too), each row an
/// object of its columns.
pub fn export(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> QueryResult<BTreeMap<String, Vec<Value>>> {
    let mut out = BTreeMap::new();
    for (table, condition) in PERSON_TABLES {
        let pairs: Vec<String> = columns(conn, table)?
            .iter()
            .map(|c| format!("'{c}', \"{c}\""))
            .collect();
        let object = match conn {
            DbConnection::Sqlite(_) => format!("json_object({})", pairs.join(", ")),
            DbConnection::Postgres(_) => {
                format!("CAST(json_build_object({}) AS TEXT)", pairs.join(", "))
            }
        };
        let sql = numbered(
            conn,
            &format!("SELECT {object} AS row FROM \"{table}\" WHERE {condition} ORDER BY 1"),
        );
        let rows: Vec<JsonRow> = diesel::sql_query(sql)
            .bind::<Text, _>(person_id)
            .bind::<Text, _>(society_id)
            .load(conn)?;
        let rows = rows
            .into_iter()
            .map(|r| serde_json::from_str(&r.row).unwrap_or(Value::String(r.row)))
            .collect();
        out.insert((*table).to_owned(), rows);
    }
    Ok(out)
}

/// What an erasure erased.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    /// Whether the person has (or had) an entry on the register, whose
    /// public history is kept.
    pub on_register: bool,
    /// The contact and place fields cleared (`email`, and `city`, `region`
    /// for someone never on the register, whose place the public register
    /// does not show).
    pub cleared: Vec<String>,
    /// Notes cleared from their ledger records and applications.
    pub notes_cleared: usize,
    /// Ledger records deleted (someone never on the register).
    pub ledger_records_deleted: usize,
    /// Applications deleted (someone never on the register).
    pub applications_deleted: usize,
    /// Overrides of their requirements deleted (someone never on the
    /// register).
    pub overrides_deleted: usize,
    /// Sessions of their logins ended.
    pub sessions_ended: usize,
    /// The audit records about them their details were taken out of, each
    /// with the digest of what it left (the erasure's own audit record
    /// names them, so that `balint-accredit check` tells them from a
    /// change behind the service's back; its name is
    /// [`audit::REDACTED_KEY`]).
    pub audit_redacted: Vec<audit::Redacted>,
}

/// The audit records about person `person_id` of society `society_id`:
/// of their record, their ledger records, applications, overrides of their
/// requirements, certificates of attendance, register entries (with their
/// renewals and credentials) and their logins; not the data-protection
/// requests' own records, nor what their logins did to others' things.
fn audit_records_about(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> QueryResult<Vec<audit::AuditRecord>> {
    use super::schema::{
        activities, applications, attendance_certificates, audit_log, register_entries,
        requirement_overrides, society_roles,
    };
    use audit::Entity;

    let entries = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(register_entries::person_id.eq(person_id))
        .select(register_entries::id);
    audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .filter(
            audit_log::entity_type
                .eq(Entity::Person.as_str())
                .and(audit_log::entity_id.eq(person_id))
                .or(audit_log::entity_type.eq(Entity::Activity.as_str()).and(
                    audit_log::entity_id.eq_any(
                        activities::table
                            .filter(activities::society_id.eq(society_id))
                            .filter(activities::person_id.eq(person_id))
                            .select(activities::id),
                    ),
                ))
                .or(audit_log::entity_type.eq(Entity::Application.as_str()).and(
                    audit_log::entity_id.eq_any(
                        applications::table
                            .filter(applications::society_id.eq(society_id))
                            .filter(applications::person_id.eq(person_id))
                            .select(applications::id),
                    ),
                ))
                .or(audit_log::entity_type
                    .eq(Entity::RequirementOverride.as_str())
                    .and(
                        audit_log::entity_id.eq_any(
                            requirement_overrides::table
                                .filter(requirement_overrides::society_id.eq(society_id))
                                .filter(requirement_overrides::person_id.eq(person_id))
                                .select(requirement_overrides::id),
                        ),
                    ))
                .or(audit_log::entity_type
                    .eq(Entity::AttendanceCertificate.as_str())
                    .and(
                        audit_log::entity_id.eq_any(
                            attendance_certificates::table
                                .filter(attendance_certificates::society_id.eq(society_id))
                                .filter(attendance_certificates::person_id.eq(person_id))
                                .select(attendance_certificates::id),
                        ),
                    ))
                .or(audit_log::entity_type
                    .eq_any([
                        Entity::RegisterEntry.as_str(),
                        Entity::Renewal.as_str(),
                        Entity::PrerequisiteOverride.as_str(),
                        Entity::Credential.as_str(),
                    ])
                    .and(audit_log::entity_id.eq_any(entries)))
                .or(audit_log::entity_type.eq(Entity::User.as_str()).and(
                    audit_log::entity_id.eq_any(
                        society_roles::table
                            .filter(society_roles::society_id.eq(society_id))
                            .filter(society_roles::person_id.eq(person_id))
                            .select(society_roles::user_id),
                    ),
                )),
        )
        .order(audit_log::id.asc())
        .select(audit::AuditRecord::as_select())
        .load(conn)
}

/// Take person's details out of the audit records about them (`records`,
/// read before the erasure's other changes): the values of `keys` and any
/// of their e-mail addresses wherever they appear, or, for a record of a
/// thing the erasure deleted (their ledger, applications, overrides and
/// certificates when they never reached the register), every value it
/// recorded of it (the names of the fields stay). Each record keeps its time, actor, action and entity.
fn redact_audit_records(
    conn: &mut DbConnection,
    records: &[audit::AuditRecord],
    keys: &[&str],
    emails: &[String],
    deleted_kinds: &[&str],
) -> QueryResult<Vec<audit::Redacted>> {
    let mut redacted = Vec::new();
    for record in records {
        let whole = deleted_kinds.contains(&record.entity_type.as_str());
        let mut changed = false;
        let mut redact = |json: &Option<String>| -> Option<String> {
            let json = json.as_ref()?;
            let mut value =
                serde_json::from_str::<Value>(json).unwrap_or_else(|_| Value::from(json.as_str()));
            if whole {
                changed |= audit::erase_all(&mut value);
            } else {
                changed |= audit::erase_details(&mut value, keys, emails);
            }
            Some(value.to_string())
        };
        let before = redact(&record.before_json);
        let after = redact(&record.after_json);
        if changed {
            redacted.push(audit::redact(conn, record, before, after)?);
        }
    }
    Ok(redacted)
}

fn execute(conn: &mut DbConnection, sql: &str, person: &str, society: &str) -> QueryResult<usize> {
    let sql = numbered(conn, sql);
    diesel::sql_query(sql)
        .bind::<Text, _>(person)
        .bind::<Text, _>(society)
        .execute(conn)
}

/// Erase what the society may erase of person `person_id` (who must be
/// there): their email always; their place, ledger, applications and
/// overrides (and the certificates of attendance and programme places made
/// from the ledger) when they never reached the register; otherwise only the
/// notes of their records, the register's history and what it rests on
/// being kept. Their logins' sessions end. The audit records about them
/// lose the same details (their e-mail, notes, and place), or, for the
/// things deleted, all they recorded of them ([`Erased::audit_redacted`]);
/// the e-mail sent to them loses its address (one not yet sent is
/// withdrawn).
/// Call it inside a write, whose audit record must carry what this
/// returns.
pub fn erase(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<Erased> {
    use super::schema::{people, register_entries};

    let on_register = register_entries::table
        .filter(register_entries::person_id.eq(person_id))
        .filter(register_entries::society_id.eq(society_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    let mut erased = Erased {
        on_register,
        ..Erased::default()
    };
    let target = people::table
        .filter(people::id.eq(person_id))
        .filter(people::society_id.eq(society_id));
    // What the audit log says of them is read before their records go, and
    // redacted with the same rules as the records themselves.
    let about = audit_records_about(conn, society_id, person_id)?;
    let mut emails: Vec<String> = target
        .select(people::email)
        .first::<Option<String>>(conn)?
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect();
    for record in &about {
        for json in [&record.before_json, &record.after_json]
            .into_iter()
            .flatten()
        {
            if let Ok(value) = serde_json::from_str::<Value>(json) {
                emails.extend(
                    value
                        .get("email")
                        .and_then(Value::as_str)
                        .filter(|e| !e.is_empty() && *e != audit::ERASED)
                        .map(str::to_owned),
                );
            }
        }
    }
    let (keys, deleted_kinds): (&[&str], &[&str]) = if on_register {
        (&["email", "notes", "note"], &[])
    } else {
        (
            &["email", "notes", "note", "city", "region"],
            &[
                audit::Entity::Activity.as_str(),
                audit::Entity::Application.as_str(),
                audit::Entity::RequirementOverride.as_str(),
                audit::Entity::AttendanceCertificate.as_str(),
            ],
        )
    };
    erased.audit_redacted = redact_audit_records(conn, &about, keys, &emails, deleted_kinds)?;
    // The e-mail sent to them keeps no address: the mail log's recipient is
    // marked as erased, a message not yet sent is withdrawn, and the kinds
    // their address no longer received are forgotten with it.
    execute(
        conn,
        "DELETE FROM mail_unsubscribes WHERE society_id = $2 AND recipient IN \
         (SELECT email FROM people WHERE id = $1 AND society_id = $2 AND email IS NOT NULL)",
        person_id,
        society_id,
    )?;
    execute(
        conn,
        &format!(
            "UPDATE mail_messages SET recipient = '{erased}', \
             state = CASE WHEN state = 'pending' THEN 'withdrawn' ELSE state END \
             WHERE person_id = $1 AND society_id = $2 AND recipient <> '{erased}'",
            erased = audit::ERASED
        ),
        person_id,
        society_id,
    )?;
    if on_register {
        diesel::update(target)
            .set((people::email.eq(None::<String>), people::updated_at.eq(now)))
            .execute(conn)?;
        erased.cleared = vec!["email".to_owned()];
        erased.notes_cleared = execute(
            conn,
            "UPDATE activities SET notes = NULL WHERE person_id = $1 AND society_id = $2 \
             AND notes IS NOT NULL",
            person_id,
            society_id,
        )? + execute(
            conn,
            "UPDATE applications SET note = NULL WHERE person_id = $1 AND society_id = $2 \
             AND note IS NOT NULL",
            person_id,
            society_id,
        )?;
    } else {
        diesel::update(target)
            .set((
                people::email.eq(None::<String>),
                people::city.eq(None::<String>),
                people::region.eq(None::<String>),
                people::updated_at.eq(now),
            ))
            .execute(conn)?;
        erased.cleared = vec!["email".to_owned(), "city".to_owned(), "region".to_owned()];
        erased.applications_deleted = execute(
            conn,
            "DELETE FROM applications WHERE person_id = $1 AND society_id = $2",
            person_id,
            society_id,
        )?;
        // One statement: corrections point at the records they correct.
        erased.ledger_records_deleted = execute(
            conn,
            "DELETE FROM activities WHERE person_id = $1 AND society_id = $2",
            person_id,
            society_id,
        )?;
        erased.overrides_deleted = execute(
            conn,
            "DELETE FROM requirement_overrides WHERE person_id = $1 AND society_id = $2",
            person_id,
            society_id,
        )?;
        // What was made from the ledger goes with it: the certificates of
        // attendance (a code checked afterwards is not found) and the
        // training programmes that followed it.
        execute(
            conn,
            "DELETE FROM attendance_certificates WHERE person_id = $1 AND society_id = $2",
            person_id,
            society_id,
        )?;
        execute(
            conn,
            "DELETE FROM programme_trainees WHERE person_id = $1 AND programme_id IN \
             (SELECT id FROM training_programmes WHERE society_id = $2)",
            person_id,
            society_id,
        )?;
    }
    erased.sessions_ended = execute(
        conn,
        &format!("DELETE FROM sessions WHERE user_id IN ({LOGINS})"),
        person_id,
        society_id,
    )?;
    // A password link still open would let someone sign in as them.
    execute(
        conn,
        &format!("DELETE FROM password_resets WHERE user_id IN ({LOGINS}) AND used_at IS NULL"),
        person_id,
        society_id,
    )?;
    // A calendar link would go on telling where their groups meet.
    execute(
        conn,
        "DELETE FROM calendar_feeds WHERE person_id = $1 AND society_id = $2",
        person_id,
        society_id,
    )?;
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erasure_names_what_it_redacted_where_check_reads_it() {
        let erased = Erased {
            audit_redacted: vec![audit::Redacted {
                id: 7,
                content_hash: "d".into(),
            }],
            ..Erased::default()
        };
        let value = serde_json::to_value(&erased).unwrap_or_default();
        assert_eq!(
            value[audit::REDACTED_KEY],
            serde_json::json!([{ "id": 7, "content_hash": "d" }])
        );
    }
}
