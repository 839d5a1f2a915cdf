//! Reading the audit log through its filter, as the audit log page and
//! `GET /api/v1/societies/{society}/audit` do.

use balint_accredit_api::actions::audit::{self, FilterInput};
use balint_accredit_api::actions::pathways;
use balint_accredit_api::pagination::PageRequest;
use balint_accredit_api::ApiError;

use crate::fixture::{Fixture, SLUG};

const PAGE: PageRequest = PageRequest {
    page: 1,
    per_page: 100,
};

#[tokio::test]
async fn the_filter_names_every_problem_by_its_parameter() {
    let problems = audit::filter(FilterInput {
        entity_type: Some("people".to_owned()),
        action: Some("remove".to_owned()),
        from: Some("2026-03-02".to_owned()),
        to: Some("2026-03-01".to_owned()),
        ..FilterInput::default()
    })
    .unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["entity_type", "action", "to"]);
    let blank = audit::filter(FilterInput {
        actor: Some("  ".to_owned()),
        from: Some(String::new()),
        ..FilterInput::default()
    })
    .unwrap();
    assert_eq!(blank, Default::default(), "blank parts mean any");
}

#[tokio::test]
async fn the_log_is_read_through_the_filter_by_its_registrar_only() {
    let f = Fixture::new();
    pathways::adopt(&f.state, &f.registrar, SLUG.to_owned(), "uk-2016", None)
        .await
        .unwrap();
    let today = balint_accredit_api::actions::today().to_string();
    let filter = audit::filter(FilterInput {
        actor: Some("registrar".to_owned()),
        entity_type: Some("pathway".to_owned()),
        action: Some("create".to_owned()),
        from: Some(today.clone()),
        to: Some(today),
        ..FilterInput::default()
    })
    .unwrap();
    let found = audit::list(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        Ok((PAGE, filter.clone())),
    )
    .await
    .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].entity_type, "pathway");
    let nothing = audit::filter(FilterInput {
        action: Some("delete".to_owned()),
        ..FilterInput::default()
    })
    .unwrap();
    let none = audit::list(&f.state, &f.registrar, SLUG.to_owned(), Ok((PAGE, nothing)))
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    let refused = audit::list(&f.state, &f.trainee, SLUG.to_owned(), Ok((PAGE, filter)))
        .await
        .unwrap_err();
    assert!(matches!(refused, ApiError::Forbidden), "{refused:?}");
    let actors = audit::actors(&f.state, &f.registrar, SLUG.to_owned())
        .await
        .unwrap();
    assert_eq!(
        actors,
        [("registrar".to_owned(), "registrar@example.org".to_owned())]
    );
}
