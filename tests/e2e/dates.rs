//! Dates the service takes, wherever they come from (body fields, query
//! parameters, files): 1900-01-01 to 2199-12-31, refused outside with the
//! field and the bounds (422 in a body or file, 400 in a query string),
//! the same on both databases, never a 500 (PostgreSQL cannot store
//! chrono's year -262143).

use serde_json::Value;

use super::ledger_setup::ledger_path;
use super::register::{adopt_pathway, grant, person};
use super::*;

const BOUNDS: &str = "must be a day from 1900-01-01 to 2199-12-31";
const OUTSIDE: [&str; 5] = [
    "-262143-01-01",
    "0000-06-15",
    "1899-12-31",
    "2200-01-01",
    "9999-12-31",
];

fn invalid_fields(detail: &str, errors: Value) -> Value {
    let mut body = problem(422, "invalid-input", "Invalid input", detail);
    body["errors"] = errors;
    body
}

fn invalid_query(field: &str) -> Value {
    let mut body = problem(
        400,
        "bad-request",
        "Bad request",
        "invalid query parameters",
    );
    body["errors"] = json!([{ "field": field, "message": BOUNDS }]);
    body
}

e2e_test!(
    async fn query_dates_outside_the_bounds_are_400_naming_the_parameter(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "public_listing": true }),
        )
        .await;
        grant(&app, &cast, &ann, "2024-03-01").await;
        let ledger = ledger_path("bsanz", &cast.member_person);
        let registrar = Some(cast.registrar.token.as_str());
        for day in OUTSIDE {
            for (path, field, token) in [
                (format!("{ledger}?from={day}"), "from", registrar),
                (format!("{ledger}?to={day}"), "to", registrar),
                (format!("{ledger}/export?from={day}"), "from", registrar),
                (
                    format!(
                        "/api/v1/societies/bsanz/people/{}/progress?tier=accredited-leader&as_of={day}",
                        cast.member_person
                    ),
                    "as_of",
                    registrar,
                ),
                (
                    format!("/api/v1/verify/bsanz/BSANZ-0001?as_of={day}"),
                    "as_of",
                    None,
                ),
                (
                    format!("/api/v1/societies/bsanz/register/due?as_of={day}"),
                    "as_of",
                    registrar,
                ),
            ] {
                let (status, body) = app.get(&path, token).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
                assert_eq!(body, invalid_query(field), "{path}");
            }
            let path = format!("/api/v1/societies/bsanz/register/lapse?as_of={day}");
            let (status, body) = app.post_json(&path, registrar, &json!({})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(body, invalid_query("as_of"));
        }
        // The bounds themselves are days like any other.
        for day in ["1900-01-01", "2199-12-31"] {
            let (status, body) = app
                .get(
                    &format!("/api/v1/verify/bsanz/BSANZ-0001?as_of={day}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{day}: {body}");
            assert_eq!(body["as_of"], day);
        }
    }
);

e2e_test!(
    async fn body_dates_outside_the_bounds_are_422_naming_the_field(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        grant(&app, &cast, &ann, "2024-03-01").await;
        let registrar = Some(cast.registrar.token.as_str());
        let society = "/api/v1/societies/bsanz";
        // Where a field must not be in the future, that is what is said of
        // a day after today; a day before the bounds is refused for them.
        let today = chrono::Utc::now().date_naive();
        let past = |day: &str, future: &str| {
            if day.starts_with('-') || day < "1900" {
                BOUNDS.to_owned()
            } else {
                future.to_owned()
            }
        };
        let not_yet = "must not be in the future";
        let activity_not_yet = format!("must not be in the future (today is {today})");
        let activity_not_yet = activity_not_yet.as_str();
        for day in OUTSIDE {
            let typed = [
                (
                    format!("{society}/register"),
                    json!({ "person_id": ann, "tier": "accredited-leader", "effective": day, "reason": "council" }),
                    "effective",
                ),
                (
                    format!("{society}/register/BSANZ-0001/status"),
                    json!({ "action": "suspend", "effective": day, "reason": "x", "visibility": "public" }),
                    "effective",
                ),
                (
                    format!("{society}/register/BSANZ-0001/renewals"),
                    json!({ "effective": day, "reason": "x" }),
                    "effective",
                ),
                (
                    format!("{society}/applications/nothing/decision"),
                    json!({ "decision": "grant", "effective": day, "reason": "x" }),
                    "effective",
                ),
                (
                    format!("{society}/pathway/adopt"),
                    json!({ "preset": "uk-2016", "effective_from": day }),
                    "effective_from",
                ),
            ];
            for (path, body, field) in typed {
                let (status, answer) = app.post_json(&path, registrar, &body).await;
                assert_eq!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{path} {body}: {answer}"
                );
                assert_eq!(
                    answer,
                    invalid_fields(
                        "the request has invalid fields",
                        json!([{ "field": field, "message": BOUNDS }])
                    ),
                    "{path}"
                );
            }
            // People: on creation and on change.
            let (status, answer) = app
                .post_json(
                    &format!("{society}/people"),
                    registrar,
                    &json!({ "family_name": "Dunn", "entered_pathway_on": day }),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(
                answer["errors"],
                json!([{ "field": "entered_pathway_on", "message": past(day, not_yet) }])
            );
            let (status, answer) = app
                .send(
                    app.builder(
                        reqwest::Method::PATCH,
                        &format!("{society}/people/{ann}"),
                        registrar,
                    )
                    .json(&json!({ "entered_pathway_on": day })),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(
                answer["errors"],
                json!([{ "field": "entered_pathway_on", "message": past(day, not_yet) }])
            );
            // An activity, alone and in a logbook.
            let ledger = ledger_path("bsanz", &cast.member_person);
            let record =
                json!({ "kind": "participation", "date": day, "amount": 1, "unit": "sessions" });
            let (status, answer) = app
                .post_json(&ledger, Some(&cast.member.token), &record)
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(
                answer["errors"],
                json!([{ "field": "date", "message": past(day, activity_not_yet) }])
            );
            let (status, answer) = app
                .post_json(
                    &format!("{ledger}/bulk"),
                    Some(&cast.member.token),
                    &json!([record]),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(
                answer["errors"],
                json!([{ "field": "rows[1].date", "message": past(day, activity_not_yet) }])
            );
        }
        // A day that does not exist is a broken rule too, named the same way.
        let (status, answer) = app
            .post_json(
                &format!("{society}/register"),
                registrar,
                &json!({ "person_id": ann, "tier": "accredited-leader", "effective": "2025-02-30", "reason": "x" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([{ "field": "effective", "message": "must be a date (YYYY-MM-DD)" }])
        );
        // The rules that were there hold on top: an activity is not dated
        // after today, whatever the bounds allow.
        let (status, answer) = app
            .post_json(
                &ledger_path("bsanz", &cast.member_person),
                Some(&cast.member.token),
                &json!({ "kind": "participation", "date": "2199-12-31", "amount": 1, "unit": "sessions" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("must not be in the future"));
        // The first day is taken.
        let (status, answer) = app
            .post_json(
                &ledger_path("bsanz", &cast.member_person),
                Some(&cast.member.token),
                &json!({ "kind": "participation", "date": "1900-01-01", "amount": 1, "unit": "sessions" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["date"], "1900-01-01");
    }
);

e2e_test!(
    async fn files_with_dates_outside_the_bounds_are_refused_whole(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let import = |content_type: &'static str, body: String| {
            app.send(
                app.builder(
                    reqwest::Method::POST,
                    "/api/v1/societies/bsanz/register/import",
                    Some(&cast.registrar.token),
                )
                .header("content-type", content_type)
                .body(body),
            )
        };
        let csv = "registration,family_name,entered_pathway_on,effective,action,tier,reason\n\
                   BSANZ-0100,Abbott,1850-01-01,-262143-01-01,grant,accredited-leader,council\n";
        let (status, answer) = import("text/csv", csv.to_owned()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([
                { "field": "rows[1].effective", "message": format!("\"-262143-01-01\": {BOUNDS}") },
                { "field": "rows[1].entered_pathway_on", "message": format!("\"1850-01-01\": {BOUNDS}") },
            ])
        );
        let file = json!({ "society": "bsanz", "entries": [{
            "registration": "BSANZ-0100",
            "person": { "family_name": "Abbott", "entered_pathway_on": "2020-01-01" },
            "history": [{
                "effective": "9999-03-01", "action": "grant", "from": null, "to": "accredited",
                "reason": "council", "visibility": "public", "tier": "accredited-leader",
                "cycle": { "valid_until": "-262143-01-01", "grace_days": 0 },
            }],
        }]});
        let (status, answer) = import("application/json", file.to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([
                { "field": "entries[0].history[0].effective", "message": format!("9999-03-01: {BOUNDS}") },
                { "field": "entries[0].history[0].cycle.valid_until", "message": format!("-262143-01-01: {BOUNDS}") },
            ])
        );
        // Nothing was imported.
        let (_, register) = app.get("/api/v1/societies/bsanz/register", None).await;
        assert_eq!(register["total"], 0);

        // A pathway document dated outside the bounds.
        let (_, current) = app
            .get(
                "/api/v1/societies/bsanz/pathway",
                Some(&cast.registrar.token),
            )
            .await;
        let mut document = current["document"].clone();
        document["effective_from"] = json!("9999-01-01");
        let (status, answer) = app
            .send(
                app.builder(
                    reqwest::Method::PUT,
                    "/api/v1/societies/bsanz/pathway",
                    Some(&cast.registrar.token),
                )
                .json(&document),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([{ "field": "effective_from", "message": BOUNDS }])
        );
    }
);
