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

use super::DbConnection;

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
/// being kept. Their logins' sessions end. Call it inside a write.
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
