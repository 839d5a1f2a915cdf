//! `balint-accredit retention`: sessions that ended and throttle counters
//! older than the policy allows are deleted, and nothing younger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db;
use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

#[derive(diesel::QueryableByName)]
struct Left {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[test]
fn ended_sessions_and_old_counters_go_and_nothing_else() {
    let dir = std::env::temp_dir().join(format!("balint-ret-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("balint.db").display());
    let pool = db::pool(&DatabaseSettings::new(url.clone()));
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let day = |days: i64| {
        (db::now() + chrono::Duration::days(days))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, password_hash, is_platform_admin, created_at) \
         VALUES ('u-1', 'u@example.org', 'x', 0, '{now}');
         INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) VALUES
           ('expired-long-ago', 'u-1', '{old}', '{old}', NULL),
           ('expired-lately', 'u-1', '{recent}', '{recent}', NULL),
           ('signed-out-long-ago', 'u-1', '{old}', '{later}', '{old}'),
           ('live', 'u-1', '{now}', '{later}', NULL);
         INSERT INTO login_throttle (subject, failures, last_attempt_at) VALUES
           ('email:old@example.org', 3, '{old}'),
           ('email:new@example.org', 3, '{now}');",
        now = day(0),
        old = day(-40),
        recent = day(-5),
        later = day(1),
    ))
    .unwrap();

    let out = Command::new(BIN)
        .args(["retention", "--sessions-days", "30", "--throttle-days", "7"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Deleted 2 ended sessions (older than each society's period, 30 days where it set none) \
         and 1 login throttle counters (older than 7 days).\n\
         Removed 0 logins that were never used.\n\
         Deleted 0 webhook deliveries, 0 e-mails and 0 outbox events told before each society's period.\n"
    );
    let sessions: Vec<String> =
        diesel::sql_query("SELECT token_hash AS name FROM sessions ORDER BY 1")
            .load::<Left>(&mut **conn)
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect();
    assert_eq!(sessions, ["expired-lately", "live"]);
    let counters: Vec<String> = diesel::sql_query("SELECT subject AS name FROM login_throttle")
        .load::<Left>(&mut **conn)
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(counters, ["email:new@example.org"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A period that deletes at once, or one longer than ten years, is refused
/// before anything is read, as the registrar's setting is.
#[test]
fn a_period_out_of_range_is_refused() {
    for (flag, value) in [
        ("--notifications-days", "0"),
        ("--unused-logins-days", "3651"),
        ("--sessions-days", "0"),
        ("--sessions-days", "3651"),
        ("--throttle-days", "0"),
        ("--throttle-days", "3651"),
    ] {
        let out = Command::new(BIN)
            .args(["retention", flag, value])
            .env("DATABASE_URL", "sqlite:///nonexistent/never-opened.db")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(&format!("invalid value '{value}' for '{flag}"))
                && said.contains("1..=3650"),
            "{said}"
        );
    }
}
