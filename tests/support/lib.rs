//! The end-to-end test harness: start the real application in-process on a
//! random port against a fresh database, and talk to it over HTTP.
//!
//! ```text
//! e2e_test!(async fn societies_are_public(app: TestApp) {
//!     let admin = app.create_admin().await;
//!     app.create_society(&admin, "bsanz").await;
//!     let (status, body) = app.get("/api/v1/societies/bsanz", None).await;
//!     assert_eq!(status, 200);
//! });
//! ```
//!
//! Each scenario runs twice, on SQLite and on PostgreSQL
//! (`TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod proxy;

#[path = "../webhooks/receiver.rs"]
pub mod receiver;

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use balint_accredit_api::config::{PasswordHashing, Settings};
use balint_accredit_api::Application;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{json, Value};

pub use reqwest::StatusCode;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
///
/// Without an `sslmode` in the URL the tests ask for none: the server is on
/// loopback, and libpq's OpenSSL state torn down at process exit while pool
/// threads still hold TLS connections crashes the test binary after every
/// test has passed.
pub fn postgres_server_url() -> String {
    let url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    without_tls_unless_asked(&url)
}

/// `url` with `sslmode=disable` added, unless it names an `sslmode`.
pub fn without_tls_unless_asked(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..authority_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The `host:port` of a PostgreSQL URL (port 5432 when none is given).
pub fn host_and_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// `url` with its `host:port` replaced by `127.0.0.1:<port>`.
pub fn via_local_port(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user, _)) => format!("{user}@127.0.0.1:{port}"),
        None => format!("127.0.0.1:{port}"),
    };
    format!("{scheme}://{authority}{tail}")
}

/// A database that lives as long as one test.
#[derive(Debug)]
pub enum TestDatabase {
    /// A file in its own temporary directory.
    Sqlite { dir: PathBuf },
    /// `CREATE DATABASE t_<random>` on the test server, dropped at the end.
    Postgres { server_url: String, name: String },
}

impl TestDatabase {
    /// Create a fresh, empty database.
    pub fn create(backend: Backend) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("balint-e2e-{id}"));
                std::fs::create_dir_all(&dir).expect("creating a temporary directory");
                Self::Sqlite { dir }
            }
            Backend::Postgres => {
                let server_url = postgres_server_url();
                let name = format!("t_{id}");
                let mut conn = PgConnection::establish(&server_url).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at {server_url} ({e}).\n\
                         The end-to-end tests need it. Start it with:\n  \
                         pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
                         or point TEST_POSTGRES_URL at a server (trust auth) where tests may create databases."
                    )
                });
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("creating a test database");
                Self::Postgres { server_url, name }
            }
        }
    }

    /// The `DATABASE_URL` for the application.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { dir } => format!("sqlite://{}", dir.join("balint.db").display()),
            Self::Postgres { server_url, name } => with_database(server_url, name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { server_url, name } => {
                let (url, name) = (server_url.clone(), name.clone());
                // Best effort, on a plain thread: Drop may run inside a runtime.
                let _ = std::thread::spawn(move || {
                    if let Ok(mut conn) = PgConnection::establish(&url) {
                        let _ = conn
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                    }
                })
                .join();
            }
        }
    }
}

/// A login the harness made, with its token.
#[derive(Debug, Clone)]
pub struct Login {
    pub email: String,
    pub password: String,
    pub token: String,
}

/// A running application and a client for it.
#[derive(Debug)]
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub settings: Settings,
    handle: ServerHandle,
    // Dropped after the server is told to stop.
    _database: Option<TestDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop at once; nothing waits for it.
        drop(self.handle.stop(false));
    }
}

/// Settings for a test server on `database_url`: a random port, one
/// worker, cheap password hashing, short database waits.
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::for_database(database_url);
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.workers = 1;
    settings.password_hashing = PasswordHashing::Fast;
    settings.database.pool_size = 4;
    settings.database.db_timeout_ms = 1500;
    // A credential key of its own, and no key file beside the database.
    settings.credentials.credential_key =
        Some(balint_accredit_api::vc::CredentialKey::generate().to_hex());
    settings
}

/// The password every harness-made login gets.
pub const PASSWORD: &str = "a long enough password";

impl TestApp {
    /// Start the application on a fresh database of `backend`.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// As [`TestApp::spawn`], with the test settings changed by `adjust`.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create(backend);
        let mut settings = test_settings(&database.url());
        adjust(&mut settings);
        let mut app = Self::start(settings, backend).await;
        app._database = Some(database);
        app
    }

    /// A client whose requests come from `address`, one of the loopback
    /// network's (`127.0.0.2`, `127.0.0.3`, ...): for what the server
    /// counts by client address. Requests go to `self.base_url`.
    pub fn client_from(&self, address: &str) -> reqwest::Client {
        client()
            .local_address(address.parse::<std::net::IpAddr>().expect("an IP address"))
            .build()
            .expect("a client")
    }

    /// Send `request` as it is over a new connection and read the answers
    /// until the server closes it, for what an HTTP client will not send.
    pub async fn raw(&self, request: &[u8]) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.base_url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connecting");
        // The server may answer and close before it has read everything.
        let _ = stream.write_all(request).await;
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Start the application with the given settings (the database is the
    /// caller's to create and drop).
    pub async fn start(settings: Settings, backend: Backend) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            balint_accredit_api::telemetry::init("info", settings.log_format);
        }
        let app = Application::build(settings.clone())
            .await
            .expect("starting the application");
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Self {
            base_url,
            client: client().build().expect("a client"),
            backend,
            settings,
            handle,
            _database: None,
        }
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{path}", self.base_url));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Send a request and read the JSON answer (`Value::Null` when empty
    /// or not JSON).
    pub async fn send(&self, builder: reqwest::RequestBuilder) -> (StatusCode, Value) {
        answer(builder).await
    }

    /// Send every request at the same moment (each on its own task) and
    /// read their answers, in the order they arrive.
    pub async fn send_all(
        &self,
        builders: Vec<reqwest::RequestBuilder>,
    ) -> Vec<(StatusCode, Value)> {
        let mut running = tokio::task::JoinSet::new();
        for builder in builders {
            running.spawn(answer(builder));
        }
        let mut answers = Vec::new();
        while let Some(done) = running.join_next().await {
            answers.push(done.expect("a request task"));
        }
        answers
    }

    /// The raw response of a GET.
    pub async fn get_response(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, token)
            .send()
            .await
            .expect("sending a request")
    }

    /// GET `path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::GET, path, token))
            .await
    }

    /// POST `body` as JSON to `path`.
    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::POST, path, token).json(body))
            .await
    }

    /// POST a raw body with a JSON content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        body: &'static str,
    ) -> (StatusCode, Value) {
        self.send(
            self.request(reqwest::Method::POST, path, token)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// A request builder, for other methods.
    pub fn builder(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        self.request(method, path, token)
    }

    /// Log in; panics unless it succeeds.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {email} failed: {body}");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// Create a platform administrator the way `balint-accredit admin
    /// create` does, and log in.
    pub async fn create_admin(&self) -> Login {
        let email = format!("admin-{}@example.org", short_id());
        let database = self.settings.database.clone();
        let for_db = email.clone();
        tokio::task::spawn_blocking(move || {
            balint_accredit_api::admin::create_platform_admin(
                &database,
                &for_db,
                PASSWORD,
                PasswordHashing::Fast,
            )
        })
        .await
        .unwrap()
        .expect("creating a platform administrator");
        let token = self.login(&email, PASSWORD).await;
        Login {
            email,
            password: PASSWORD.to_owned(),
            token,
        }
    }

    /// Create a society as `admin`; panics unless it succeeds.
    pub async fn create_society(&self, admin: &Login, slug: &str) -> Value {
        let (status, body) = self
            .post_json(
                "/api/v1/societies",
                Some(&admin.token),
                &json!({ "slug": slug, "name": format!("Society {slug}") }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "creating {slug}: {body}");
        body
    }

    /// Create a login with `role` in `society` as `by`, and log it in.
    pub async fn create_user(
        &self,
        by: &Login,
        society: &str,
        role: &str,
        person_id: Option<&str>,
    ) -> Login {
        let email = format!("{role}-{}@example.org", short_id());
        let (status, body) = self
            .post_json(
                &format!("/api/v1/societies/{society}/users"),
                Some(&by.token),
                &json!({ "email": email, "password": PASSWORD, "role": role, "person_id": person_id }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "creating a {role}: {body}");
        let token = self.login(&email, PASSWORD).await;
        Login {
            email,
            password: PASSWORD.to_owned(),
            token,
        }
    }
}

impl TestApp {
    /// Add a person with `family_name` to `society` as `by`; returns the
    /// person's id. Panics unless it succeeds.
    pub async fn create_person(&self, by: &Login, society: &str, family_name: &str) -> String {
        let (status, body) = self
            .post_json(
                &format!("/api/v1/societies/{society}/people"),
                Some(&by.token),
                &json!({ "family_name": family_name }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "adding {family_name}: {body}");
        body["id"].as_str().expect("a person id").to_owned()
    }
}

/// A client for the server under test. A connection idle for a while is
/// not used again: the server closes one idle for five seconds (its
/// keep-alive), and a request sent on it as it closes fails to send (seen
/// when a test waits a few seconds on a loaded machine).
fn client() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(2))
}

/// Send a request and read the JSON answer (`Value::Null` when empty or
/// not JSON).
async fn answer(builder: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = builder.send().await.expect("sending a request");
    let status = response.status();
    let text = response.text().await.expect("reading a response");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A short random id for unique names.
pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// The callers of a role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Member,
    OtherRegistrar,
    Registrar,
    PlatformAdmin,
}

/// Two societies with a registrar and a member each, and a platform
/// administrator: the cast of the permission tables.
#[derive(Debug)]
pub struct Cast {
    pub admin: Login,
    /// Slug of the society under test.
    pub society: String,
    /// Slug of the second society, which must stay invisible.
    pub other_society: String,
    pub registrar: Login,
    pub member: Login,
    /// The person record of `member`, in the society under test.
    pub member_person: String,
    pub other_registrar: Login,
    pub other_member: Login,
    /// The person record of `other_member`, in the second society.
    pub other_member_person: String,
}

impl Cast {
    /// Set the cast up on `app`.
    pub async fn assemble(app: &TestApp) -> Self {
        let admin = app.create_admin().await;
        app.create_society(&admin, "bsanz").await;
        app.create_society(&admin, "dbg").await;
        let registrar = app.create_user(&admin, "bsanz", "registrar", None).await;
        let member_person = app.create_person(&registrar, "bsanz", "Member").await;
        let member = app
            .create_user(&registrar, "bsanz", "member", Some(&member_person))
            .await;
        let other_registrar = app.create_user(&admin, "dbg", "registrar", None).await;
        let other_member_person = app.create_person(&other_registrar, "dbg", "Other").await;
        let other_member = app
            .create_user(
                &other_registrar,
                "dbg",
                "member",
                Some(&other_member_person),
            )
            .await;
        Self {
            admin,
            society: "bsanz".to_owned(),
            other_society: "dbg".to_owned(),
            registrar,
            member,
            member_person,
            other_registrar,
            other_member,
            other_member_person,
        }
    }

    /// The token of `who` (none for anonymous).
    pub fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Member => Some(&self.member.token),
            Who::OtherRegistrar => Some(&self.other_registrar.token),
            Who::Registrar => Some(&self.registrar.token),
            Who::PlatformAdmin => Some(&self.admin.token),
        }
    }
}

/// Every caller of a role table, in order.
pub const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Member,
    Who::OtherRegistrar,
    Who::Registrar,
    Who::PlatformAdmin,
];

/// Run one scenario on both databases:
/// `e2e_test!(async fn name(app: TestApp) { ... });` becomes
/// `mod name { fn sqlite(); fn postgres(); }`;
/// `e2e_test!(async fn name(app: TestApp) with |s| { ... }; { ... });`
/// changes the test settings first.
#[macro_export]
macro_rules! e2e_test {
    (async fn $name:ident($app:ident : TestApp $(,)?) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($app: $crate::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                scenario($crate::TestApp::spawn($crate::Backend::Sqlite).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                scenario($crate::TestApp::spawn($crate::Backend::Postgres).await).await;
            }
        }
    };
    // The same, on test settings changed by `$configure` (a closure taking
    // `&mut Settings`).
    (async fn $name:ident($app:ident : TestApp $(,)?) with $configure:expr; $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($app: $crate::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                scenario($crate::TestApp::spawn_with($crate::Backend::Sqlite, $configure).await)
                    .await;
            }

            #[tokio::test]
            async fn postgres() {
                scenario($crate::TestApp::spawn_with($crate::Backend::Postgres, $configure).await)
                    .await;
            }
        }
    };
}

/// The problem+json body the API answers for `status` with `detail`.
pub fn problem(status: u16, kind: &str, title: &str, detail: &str) -> Value {
    json!({ "type": format!("/problems/{kind}"), "title": title, "status": status, "detail": detail })
}
