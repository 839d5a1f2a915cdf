//! The OpenAPI document and the docs page made from it.

use super::*;

#[tokio::test]
async fn the_openapi_document_is_unchanged() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, document) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    // An accidental API change fails here; review and accept a deliberate
    // one with `cargo insta review` (or INSTA_UPDATE=always).
    insta::assert_json_snapshot!("openapi", document);
}

#[tokio::test]
async fn the_docs_page_lists_every_endpoint_without_the_internet() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, document) = app.get("/api/v1/openapi.json", None).await;
    let response = app.get_response("/api/v1/docs", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(!page.contains("<script"), "the page needs no scripts");
    assert!(
        !page.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    for path in document["paths"].as_object().unwrap().keys() {
        assert!(
            page.contains(&format!("<code>{path}</code>")),
            "{path} missing from the docs page"
        );
    }
    assert!(page.contains("LoginRequest"));
}
