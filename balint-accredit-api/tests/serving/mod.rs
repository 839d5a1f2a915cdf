//! `balint-accredit serve` run as an operator runs it, for the tests that
//! need the real binary: a fresh database (SQLite, or PostgreSQL on
//! `TEST_POSTGRES_URL`'s server), the server on a free port, the API
//! called over HTTP.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");
pub const PASSWORD: &str = "an administrator password";

/// A fresh database for one test: a SQLite file, or a PostgreSQL database
/// on `TEST_POSTGRES_URL`'s server, dropped at the end.
pub enum Database {
    Sqlite(std::path::PathBuf),
    Postgres { server: String, name: String },
}

impl Database {
    pub fn sqlite() -> Self {
        let dir =
            std::env::temp_dir().join(format!("balint-hooks-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self::Sqlite(dir)
    }

    pub fn postgres() -> Self {
        let server = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&server).expect("PostgreSQL at TEST_POSTGRES_URL");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        Self::Postgres { server, name }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.join("balint.db").display()),
            Self::Postgres { server, name } => {
                let (base, query) = server
                    .split_once('?')
                    .map_or((server.as_str(), None), |(b, q)| (b, Some(q)));
                let (root, _) = base.rsplit_once('/').unwrap();
                match query {
                    Some(q) => format!("{root}/{name}?{q}"),
                    None => format!("{root}/{name}"),
                }
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { server, name } => {
                if let Ok(mut conn) = PgConnection::establish(server) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// `balint-accredit serve` on a free port; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub async fn start(url: &str) -> Self {
        Self::start_with(url, &[]).await
    }

    /// As [`Server::start`], with more settings in its environment.
    pub async fn start_with(url: &str, settings: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(BIN)
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("WORKERS", "1")
            .env("PASSWORD_HASHING", "fast")
            .env("RUST_LOG", "warn")
            .env("WEBHOOK_ALLOW_PRIVATE", "true")
            .env("OUTBOX_POLL_MS", "50")
            .env("WEBHOOK_TIMEOUT_SECS", "2")
            .env("WEBHOOK_RETRY_SECS", "1,1,1,1,1")
            .env_remove("BACKUP_DIR")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{}/healthz", server.base))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// Killed at once (SIGKILL): no chance to finish what it was doing.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Value {
    let mut request = reqwest::Client::new().request(method, format!("{base}/api/v1{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Migrate the database at `url` and make its administrator; start a
/// server with `settings` on it, and sign in. Returns the server and the
/// administrator's token.
pub async fn admin_served(url: &str, settings: &[(&str, &str)]) -> (Server, String) {
    let migrated = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    let mut admin = Command::new(BIN)
        .args([
            "admin",
            "create",
            "--email",
            "admin@example.org",
            "--password-stdin",
        ])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(admin.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(admin.wait().unwrap().success());
    let server = Server::start_with(url, settings).await;
    let token = call(
        &server.base,
        reqwest::Method::POST,
        "/auth/login",
        None,
        json!({ "email": "admin@example.org", "password": PASSWORD }),
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    (server, token)
}
