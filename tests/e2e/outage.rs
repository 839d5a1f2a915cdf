//! The database goes away under a running server and comes back: closed
//! (connections reset, new ones refused) or silent (a network partition or
//! a frozen database: connections stay open, nothing answers). Either way
//! requests are answered 503 within the timeouts, `/readyz` within two
//! seconds, the public register from the copy the server holds, and the
//! server recovers without a restart.
//!
//! The server reaches PostgreSQL through a proxy this test owns, so taking
//! it away disturbs no other test.

use std::future::Future;
use std::time::Duration;

use balint_e2e::proxy::Proxy;

use super::register::{adopt_pathway, grant, person};
use super::*;

/// The longest a request may take while the database is away: the
/// settings below give 0.5 s for a connection and 1 s for the work.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// What `/readyz` promises.
const READY_WITHIN: Duration = Duration::from_secs(2);

const REGISTER: &str = "/api/v1/societies/bsanz/register";

fn unavailable() -> serde_json::Value {
    problem(
        503,
        "unavailable",
        "Service unavailable",
        "the database is unavailable",
    )
}

/// `answer`, which must come within `limit`.
async fn within<T>(limit: Duration, what: &str, answer: impl Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let answered = tokio::time::timeout(limit, answer)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {limit:?}"));
    eprintln!("{what}: answered in {:?}", started.elapsed());
    answered
}

/// A server on a fresh PostgreSQL database reached through a proxy, with a
/// society, its cast and one public register entry (BSANZ-0001, Dr Ann
/// Carter), the public register read once so the server holds a copy.
async fn behind_a_proxy() -> (TestDatabase, Proxy, TestApp, Cast) {
    let database = TestDatabase::create(Backend::Postgres);
    let direct = database.url();
    let target = tokio::net::lookup_host(host_and_port(&direct))
        .await
        .unwrap()
        .next()
        .expect("an address for the PostgreSQL server");
    let proxy = Proxy::start(target).await;
    let mut settings = test_settings(&via_local_port(&direct, proxy.port()));
    settings.database.db_timeout_ms = 500;
    settings.database.db_statement_timeout_ms = 1000;
    settings.database.db_connect_timeout_secs = 2;
    // Every public register request asks the database whether it changed.
    settings.public_register_refresh_ms = 0;
    let app = TestApp::start(settings, Backend::Postgres).await;

    let cast = Cast::assemble(&app).await;
    adopt_pathway(&app, &cast).await;
    let carter = person(
        &app,
        &cast,
        "Ann",
        "Carter",
        json!({ "city": "Hobart", "public_listing": true }),
    )
    .await;
    grant(&app, &cast, &carter, "2025-03-01").await;
    let (status, page) = app.get(&format!("{REGISTER}?q=carter"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"][0]["registration"], "BSANZ-0001", "{page}");
    assert_eq!(app.get("/readyz", None).await.0, StatusCode::OK);
    (database, proxy, app, cast)
}

/// While the database is away: 503 in time for what needs it, the public
/// register from its copy, the process itself fine.
async fn answers_while_the_database_is_away(app: &TestApp, cast: &Cast) {
    let response = within(READY_WITHIN, "/readyz", app.get_response("/readyz", None)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        unavailable()
    );

    assert_eq!(
        within(
            ANSWER_WITHIN,
            "a society",
            app.get("/api/v1/societies/bsanz", None)
        )
        .await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    assert_eq!(
        within(
            ANSWER_WITHIN,
            "who am I",
            app.get("/api/v1/auth/me", Some(&cast.admin.token))
        )
        .await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    let (status, body) = within(
        ANSWER_WITHIN,
        "adding a person",
        app.post_json(
            "/api/v1/societies/bsanz/people",
            Some(&cast.registrar.token),
            &json!({ "family_name": "Outage" }),
        ),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    let (status, _) = within(
        ANSWER_WITHIN,
        "a login",
        app.post_json(
            "/api/v1/auth/login",
            None,
            &json!({ "email": cast.admin.email, "password": cast.admin.password }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    // The public register answers from the copy held, again and again.
    for round in 0..3 {
        let (status, page) = within(
            ANSWER_WITHIN,
            "the public register's search",
            app.get(&format!("{REGISTER}?q=carter"), None),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "round {round}: {page}");
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["registration"], "BSANZ-0001");
        let (status, entry) = within(
            ANSWER_WITHIN,
            "a public entry",
            app.get(&format!("{REGISTER}/BSANZ-0001"), None),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "round {round}: {entry}");
        assert_eq!(entry["name"], "Ann Carter");
    }
    // The process itself is fine.
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
}

/// Once the database is back: everything answers again, and the write
/// answered 503 did not land.
async fn recovers_without_a_restart(app: &TestApp, cast: &Cast) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.get("/readyz", None).await.0 != StatusCode::OK {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not become ready again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, society) = app.get("/api/v1/societies/bsanz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(society["slug"], "bsanz");
    let (status, me) = app.get("/api/v1/auth/me", Some(&cast.admin.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], cast.admin.email);
    let (status, page) = app.get(&format!("{REGISTER}?q=carter"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 1);
    let (status, _) = app
        .post_json(
            "/api/v1/societies/bsanz/people",
            Some(&cast.registrar.token),
            &json!({ "family_name": "Afterwards" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, people) = app
        .get(
            "/api/v1/societies/bsanz/people?per_page=100",
            Some(&cast.registrar.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["family_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Afterwards"), "{names:?}");
    assert!(
        !names.contains(&"Outage"),
        "answered 503, yet stored: {names:?}"
    );
}

// Several threads, so the proxy closes its connections while requests wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_resets_connections_gives_503_then_recovers_without_a_restart() {
    let (database, mut proxy, app, cast) = behind_a_proxy().await;

    proxy.cut();
    answers_while_the_database_is_away(&app, &cast).await;

    proxy.restore().await;
    recovers_without_a_restart(&app, &cast).await;
    drop(app);
    drop(database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_stops_answering_gives_503_in_time_then_recovers() {
    let (database, mut proxy, app, cast) = behind_a_proxy().await;

    proxy.black_hole();
    answers_while_the_database_is_away(&app, &cast).await;

    proxy.restore().await;
    recovers_without_a_restart(&app, &cast).await;
    drop(app);
    drop(database);
}

#[test]
fn database_urls_are_rewritten_to_the_proxy() {
    assert_eq!(
        host_and_port("postgres://postgres@127.0.0.1:5432/t_1"),
        "127.0.0.1:5432"
    );
    assert_eq!(
        host_and_port("postgres://u:p@db/x?sslmode=disable"),
        "db:5432"
    );
    assert_eq!(
        via_local_port("postgres://u:p@db:6543/x?sslmode=disable", 7000),
        "postgres://u:p@127.0.0.1:7000/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
        "postgres://postgres@127.0.0.1:5432/t_1"
    );
}
