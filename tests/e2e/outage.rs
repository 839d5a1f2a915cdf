//! The database goes away under a running server and comes back.
//!
//! The server reaches PostgreSQL through a proxy this test owns, so cutting
//! it disturbs no other test.

use super::*;
use balint_e2e::proxy::Proxy;

fn unavailable() -> serde_json::Value {
    problem(
        503,
        "unavailable",
        "Service unavailable",
        "the database is unavailable",
    )
}

// Several threads, so the proxy closes its connections while requests wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_gives_503_then_recovers_without_a_restart() {
    let database = TestDatabase::create(Backend::Postgres);
    let direct = database.url();
    let target = tokio::net::lookup_host(host_and_port(&direct))
        .await
        .unwrap()
        .next()
        .expect("an address for the PostgreSQL server");
    let mut proxy = Proxy::start(target).await;
    let mut settings = test_settings(&via_local_port(&direct, proxy.port()));
    settings.database.db_timeout_ms = 500;
    let app = TestApp::start(settings, Backend::Postgres).await;

    let admin = app.create_admin().await;
    app.create_society(&admin, "bsanz").await;
    assert_eq!(app.get("/readyz", None).await.0, StatusCode::OK);

    proxy.cut();

    let response = app.get_response("/readyz", None).await;
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
        app.get("/api/v1/societies/bsanz", None).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&admin.token)).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    let (status, _) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({ "email": admin.email, "password": admin.password }),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // The process itself is fine.
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);

    proxy.restore().await;

    assert_eq!(app.get("/readyz", None).await.0, StatusCode::OK);
    let (status, society) = app.get("/api/v1/societies/bsanz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(society["slug"], "bsanz");
    let (status, me) = app.get("/api/v1/auth/me", Some(&admin.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], admin.email);
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
