//! The OpenAPI document and the docs page made from it.

use serde_json::Value;

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

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target),
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_names_the_schema_of_its_own_type() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, document) = app.get("/api/v1/openapi.json", None).await;
    let schemas = &document["components"]["schemas"];
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(found.len() > 100, "{} references", found.len());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a schema"));
        assert!(schemas.get(name).is_some(), "{target} names no schema");
    }
    // An attestation is decided with confirm or reject (an application
    // with grant or decline), and a record's decision is an attestation's.
    let decision = &schemas["AttestationInput"]["properties"]["decision"]["$ref"];
    assert_eq!(decision, "#/components/schemas/AttestationDecision");
    assert_eq!(
        schemas["AttestationDecision"]["enum"],
        json!(["confirm", "reject"])
    );
    assert_eq!(schemas["DecisionKind"]["enum"], json!(["grant", "decline"]));
    let recorded =
        serde_json::to_string(&schemas["ActivityView"]["properties"]["decision"]).unwrap();
    assert!(
        recorded.contains("#/components/schemas/AttestationView"),
        "{recorded}"
    );
}

#[tokio::test]
async fn every_operation_has_its_own_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, document) = app.get("/api/v1/openapi.json", None).await;
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(seen.insert(id.to_owned()), "{method} {path}: {id} twice");
        }
    }
}

/// What Schemathesis found the document saying wrongly (tests/schemathesis/run).
#[tokio::test]
async fn the_document_says_what_the_server_answers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, document) = app.get("/api/v1/openapi.json", None).await;
    // A body that is not JSON is 400: every operation taking one says so.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation.get("requestBody").is_some() {
                assert!(
                    operation["responses"].get("400").is_some(),
                    "{method} {path} does not document 400"
                );
            }
        }
    }
    let (status, body) = app
        .send(
            app.builder(reqwest::Method::POST, "/api/v1/auth/login", None)
                .header("content-type", "text/plain")
                .body("x"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The JSON export is an object, not a string.
    let export = &document["paths"]["/api/v1/societies/{society}/register/export"]["get"];
    assert_eq!(
        export["responses"]["200"]["content"]["application/json"]["schema"]["type"],
        "object"
    );
    // The registrar's view of an entry holds every field of the public
    // one, so an answer matches both: anyOf, not oneOf.
    let answer = &document["components"]["schemas"]["EntryAnswer"];
    assert!(answer.get("oneOf").is_none(), "{answer}");
    assert_eq!(answer["anyOf"].as_array().unwrap().len(), 2, "{answer}");
}
