//! The pathway's use cases as the registrar's pages and the API call them:
//! adopting a preset, reading an uploaded document, publishing it.

use balint_accredit_api::actions::pathways::{self, read_document, DocumentFormat};
use balint_accredit_api::day::Day;
use balint_accredit_api::ApiError;

use crate::fixture::{Fixture, SLUG};

#[tokio::test]
async fn the_registrar_adopts_a_preset_as_the_next_version_and_it_is_audited() {
    let f = Fixture::new();
    let (_, stored) = pathways::adopt(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "uk-2016",
        Day::parse("2030-01-01").ok(),
    )
    .await
    .unwrap();
    assert_eq!(stored.summary.number, 2);
    assert_eq!(stored.summary.preset.as_deref(), Some("uk-2016"));
    assert_eq!(stored.summary.uploaded_by.as_deref(), Some("registrar"));
    assert_eq!(stored.pathway.society().as_str(), SLUG);
    assert_eq!(
        f.audit()[0],
        (
            "pathway".to_owned(),
            stored.summary.id.clone(),
            "create".to_owned()
        )
    );

    for (caller, refused) in [(&f.trainee, "forbidden"), (&f.stranger, "not found")] {
        let err = pathways::adopt(&f.state, caller, SLUG.to_owned(), "uk-2016", None)
            .await
            .unwrap_err();
        match (refused, err) {
            ("forbidden", ApiError::Forbidden) | ("not found", ApiError::NotFound(_)) => {}
            (_, other) => panic!("{refused}: {other:?}"),
        }
    }
    let unknown = pathways::adopt(&f.state, &f.registrar, SLUG.to_owned(), "nope", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, ApiError::Unprocessable { errors, .. } if errors[0].field == "preset"),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn an_uploaded_document_is_read_checked_and_published_as_the_next_version() {
    let f = Fixture::new();
    let unreadable = read_document(DocumentFormat::Toml, b"id = = 1", SLUG).unwrap_err();
    assert!(
        matches!(unreadable, ApiError::BadRequest { .. }),
        "{unreadable:?}"
    );

    let v1 = pathways::version(&f.state, SLUG.to_owned(), 1)
        .await
        .unwrap();
    let mut document = serde_json::to_value(&v1.pathway).unwrap();
    document["title"] = "Revised".into();
    document["tiers"][1]["requirements"][0]["min"] = "many".into();
    let refused =
        read_document(DocumentFormat::Json, document.to_string().as_bytes(), SLUG).unwrap_err();
    let ApiError::Unprocessable { errors, .. } = refused else {
        panic!("{refused:?}")
    };
    assert!(
        errors
            .iter()
            .any(|p| p.field.starts_with("tiers[1].requirements[0]")),
        "{errors:?}"
    );

    document["tiers"][1]["requirements"][0] =
        serde_json::to_value(&v1.pathway.tiers()[1].requirements[0]).unwrap();
    let pathway =
        read_document(DocumentFormat::Json, document.to_string().as_bytes(), SLUG).unwrap();
    let publisher = pathways::publisher(&f.state, &f.registrar, SLUG.to_owned())
        .await
        .unwrap();
    let stored = pathways::publish(&f.state, publisher, pathway, None)
        .await
        .unwrap();
    assert_eq!(stored.summary.number, 2);
    assert_eq!(stored.summary.title, "Revised");
    assert_eq!(stored.summary.preset, None);
}
