//! `balint-accredit sessions import` as a group's leader's paper sheet is
//! entered, on SQLite and PostgreSQL: every bad row named by its line and
//! nothing written; a dry run writes nothing; the sheet's sessions write
//! their people's records as the leader's recording does (a self-logged
//! record linked, not counted twice; the trainee co-leader's own record
//! waiting for the other leader); the same sheet imported again records
//! nothing, and a changed one only its new session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::{
    self,
    activities::{LedgerFilter, Status},
    groups::{Delivery, Group, Leader, LeaderRole, Member, Term},
    people::Person,
    societies::Society,
};
use chrono::NaiveDate;
use diesel::{Connection, PgConnection, RunQueryDsl};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("balint-sheet-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn person(id: &str) -> Person {
    let now = db::now();
    Person {
        id: id.to_owned(),
        society_id: "s-1".to_owned(),
        title: None,
        given_name: Some("Dr".to_owned()),
        family_name: id.to_owned(),
        display_name: None,
        backgrounds: vec![],
        city: None,
        region: None,
        email: Some(format!("{id}@example.org")),
        public_listing: false,
        entered_pathway_on: None,
        created_at: now,
        updated_at: now,
    }
}

/// Society `bsanz` with the Tuesday group: `lead` leads it, `colead` (a
/// trainee) co-leads it, `m1` to `m4` belong to it, all since 2025.
fn seed(url: &str) {
    let pool = db::pool(&DatabaseSettings::new(url.to_owned()));
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let since = day("2025-01-01");
    db::write(&mut conn, |conn| {
        db::societies::insert(
            conn,
            &Society {
                id: "s-1".into(),
                slug: "bsanz".into(),
                name: "BSANZ".into(),
                country: None,
                created_at: db::now(),
            },
        )?;
        for id in ["lead", "colead", "m1", "m2", "m3", "m4", "outsider"] {
            db::people::insert(conn, &person(id))?;
        }
        db::groups::insert(
            conn,
            &Group {
                id: "g-1".into(),
                society_id: "s-1".into(),
                name: "Tuesday group".into(),
                audience: None,
                term: Term::Ongoing,
                starts_on: Some(since),
                ends_on: None,
                delivery: Delivery::InPerson,
                usual_minutes: 90,
                created_at: db::now(),
                updated_at: db::now(),
            },
        )?;
        for (id, role) in [
            ("lead", LeaderRole::Leader),
            ("colead", LeaderRole::CoLeader),
        ] {
            db::groups::insert_leader(
                conn,
                &Leader {
                    id: format!("l-{id}"),
                    group_id: "g-1".into(),
                    person_id: id.into(),
                    role,
                    from_on: since,
                    to_on: None,
                },
            )?;
        }
        for id in ["m1", "m2", "m3", "m4"] {
            db::groups::insert_member(
                conn,
                &Member {
                    id: format!("gm-{id}"),
                    group_id: "g-1".into(),
                    person_id: id.into(),
                    joined_on: since,
                    left_on: None,
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
}

fn run(url: &str, args: &[&str], file: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg(file)
        .env("DATABASE_URL", url)
        .output()
        .unwrap()
}

fn import(url: &str, dir: &TempDir, name: &str, sheet: &str, more: &[&str]) -> Output {
    let path = dir.0.join(name);
    std::fs::write(&path, sheet).unwrap();
    let mut args = vec![
        "sessions",
        "import",
        "--society",
        "bsanz",
        "--group",
        "tuesday group",
        "--leader",
        "colead@example.org",
    ];
    args.extend_from_slice(more);
    run(url, &args, &path)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Each person's records: (kind, date, status, attestor) in date order.
fn records(url: &str, id: &str) -> Vec<(String, String, Status, Option<String>)> {
    let pool = db::pool(&DatabaseSettings::new(url.to_owned()));
    let mut conn = pool.get().unwrap();
    db::activities::list_all(&mut conn, id, &LedgerFilter::default())
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.activity.kind.to_string(),
                s.activity.date.to_string(),
                s.status,
                s.activity.attestor.map(|a| a.to_string()),
            )
        })
        .collect()
}

fn sessions(url: &str) -> i64 {
    let pool = db::pool(&DatabaseSettings::new(url.to_owned()));
    let mut conn = pool.get().unwrap();
    db::groups::sessions(
        &mut conn,
        "g-1",
        balint_accredit_api::pagination::PageRequest {
            page: 1,
            per_page: 100,
        },
    )
    .unwrap()
    .total
}

const HEADER: &str = "date,minutes,delivery,attendee,attendance,cases\n";

/// Two sessions: a hybrid one of 4 March (m3 by video, m4 sent
/// apologies, m1 presented a case) and one of 11 March, 60 minutes.
fn good_rows() -> String {
    "2025-03-04,90,hybrid,m1@example.org,present,1\n\
     2025-03-04,,,m2,present,\n\
     2025-03-04,,,M3@Example.org,online,0\n\
     2025-03-04,,,m4,apologies,\n\
     2025-03-11,60,in_person,m1,present,\n\
     2025-03-11,,,m2,present,2\n\
     2025-03-11,60,,m3,present,\n\
     2025-03-11,,,m4,present,\n"
        .to_owned()
}

fn scenario(url: &str) {
    seed(url);
    let dir = TempDir::new();
    // m1 had logged the 4 March meeting themself.
    let own = dir.0.join("own.csv");
    std::fs::write(
        &own,
        "kind,date,amount,unit,attestor,group\n\
         participation,2025-03-04,1,sessions,lead,Tuesday group\n",
    )
    .unwrap();
    let logged = run(
        url,
        &["ledger", "import", "--society", "bsanz", "--person", "m1"],
        &own,
    );
    assert!(logged.status.success(), "{logged:?}");

    // Bad rows, the last on the sheet's last line: nothing written.
    let bad = format!(
        "{HEADER}{}2025-03-18,,,m1,late,\n2025-03-18,,,colead,present,\n2025-03-18,,,m2,present,\n2025-03-18,,in_person,m3,online,\n2025-03-18,,,nobody@example.org,present,\n",
        good_rows()
    );
    let refused = import(url, &dir, "bad.csv", &bad, &[]);
    assert!(!refused.status.success(), "{refused:?}");
    let stderr = err(&refused);
    for line in [
        "nothing was recorded: 4 problems in the sheet\n",
        "  line 10: attendance: \"late\" must be one of: present, online, apologies\n",
        "  line 11: attendee: colead leads the group on 2025-03-18: leaders get leading records\n",
        "  line 13: attendance: is for a hybrid session: everyone attended an in-person session in person\n",
        "  line 14: attendee: nobody@example.org is not a leader or member of the group (by person id or e-mail)",
    ] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }
    assert_eq!(sessions(url), 0);
    assert_eq!(records(url, "m2"), vec![]);

    // A dry run checks and writes nothing.
    let sheet = format!("{HEADER}{}", good_rows());
    let dry = import(url, &dir, "sheet.csv", &sheet, &["--dry-run"]);
    assert!(dry.status.success(), "{dry:?}");
    assert_eq!(
        out(&dry),
        "Checked 8 rows: would record 2 sessions of Tuesday group in bsanz (7 attendances).\n\
         Nothing was written (--dry-run).\n"
    );
    assert_eq!(sessions(url), 0);

    let done = import(url, &dir, "sheet.csv", &sheet, &[]);
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        out(&done),
        "Recorded 2 sessions of Tuesday group in bsanz (7 attendances).\n"
    );
    assert_eq!(sessions(url), 2);
    let confirmed_by_colead = |date: &str| {
        (
            "participation".to_owned(),
            date.to_owned(),
            Status::Confirmed,
            Some("colead".to_owned()),
        )
    };
    // m1's own record of 4 March is the session's, confirmed: two, not three.
    assert_eq!(
        records(url, "m1"),
        vec![
            confirmed_by_colead("2025-03-04"),
            confirmed_by_colead("2025-03-11")
        ]
    );
    assert_eq!(records(url, "m4"), vec![confirmed_by_colead("2025-03-11")]);
    // The trainee co-leader's own records wait for the leader; the
    // leader's are confirmed by the co-leader who recorded them.
    let leading = |date: &str, status, by: &str| {
        (
            "co_leading".to_owned(),
            date.to_owned(),
            status,
            Some(by.to_owned()),
        )
    };
    assert_eq!(
        records(url, "colead"),
        vec![
            leading("2025-03-04", Status::Pending, "lead"),
            leading("2025-03-11", Status::Pending, "lead")
        ]
    );
    assert_eq!(
        records(url, "lead"),
        vec![
            leading("2025-03-04", Status::Confirmed, "colead"),
            leading("2025-03-11", Status::Confirmed, "colead")
        ]
    );

    // The same sheet again: nothing recorded twice.
    let again = import(url, &dir, "sheet.csv", &sheet, &[]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(
        out(&again),
        "Recorded 0 sessions of Tuesday group in bsanz (0 attendances).\n\
         Recorded already, left as they are: 2025-03-04, 2025-03-11.\n"
    );
    assert_eq!(sessions(url), 2);
    assert_eq!(records(url, "m1").len(), 2);

    // The sheet with a session more, and one recorded row changed: the new
    // session recorded, the recorded one left and named.
    let more = format!(
        "{HEADER}{}2025-03-18,,,m1,present,\n2025-03-18,,,m2,present,\n",
        good_rows().replace("2025-03-11,,,m4,present,", "2025-03-11,,,m4,apologies,")
    );
    let grown = import(url, &dir, "more.csv", &more, &[]);
    assert!(grown.status.success(), "{grown:?}");
    assert_eq!(
        out(&grown),
        "Recorded 1 session of Tuesday group in bsanz (2 attendances).\n\
         Recorded already, left as they are: 2025-03-04, 2025-03-11.\n\
         The sheet differs from the recorded session of 2025-03-11: correct that session on its page.\n"
    );
    assert_eq!(sessions(url), 3);
    assert_eq!(records(url, "m4"), vec![confirmed_by_colead("2025-03-11")]);
    assert_eq!(records(url, "m2").len(), 3);
}

#[test]
fn an_attendance_sheet_on_sqlite() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("balint.db").display());
    scenario(&url);
}

/// A PostgreSQL URL for `database` on the test server.
fn postgres_url(database: &str) -> String {
    let server = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let (base, _) = server.split_once('?').unwrap_or((server.as_str(), ""));
    let start = base.find("://").map_or(0, |i| i + 3);
    let end = base[start..].find('/').map_or(base.len(), |j| start + j);
    format!("{}/{database}?sslmode=disable", &base[..end])
}

#[test]
fn an_attendance_sheet_on_postgresql() {
    let name = format!("t_sheet_{}", uuid::Uuid::new_v4().simple());
    let mut server = PgConnection::establish(&postgres_url("postgres")).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut server)
        .unwrap();
    let outcome = std::panic::catch_unwind(|| scenario(&postgres_url(&name)));
    let _ = diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut server);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}
