//! Balint groups and their sessions: a leader records a session once and
//! every attendee's progress moves; a trainee co-leader's own record waits
//! for the other leader; a record an attendee logged themself is linked,
//! not counted twice; corrections flow to the records; and an attestor
//! decides many records at once, each answered on its own.

use serde_json::Value;

use super::ledger_setup::*;
use super::*;

const GROUP_NAME: &str = "Tuesday GP group";

pub(super) fn groups_path(society: &str) -> String {
    format!("/api/v1/societies/{society}/groups")
}

/// A group of the society, with `leaders` (person, role) and `members`,
/// all from 2025-01-01.
pub(super) async fn group(
    app: &TestApp,
    registrar: &Login,
    leaders: &[(&str, &str)],
    members: &[String],
) -> String {
    let (status, created) = app
        .post_json(
            &groups_path("bsanz"),
            Some(&registrar.token),
            &json!({ "name": GROUP_NAME, "audience": "GP trainees", "term": "ongoing",
                     "delivery": "in_person", "usual_minutes": 90 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    for (person, role) in leaders {
        let (status, body) = app
            .post_json(
                &format!("{}/{id}/leaders", groups_path("bsanz")),
                Some(&registrar.token),
                &json!({ "person": person, "role": role, "from": "2025-01-01" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    for person in members {
        let (status, body) = app
            .post_json(
                &format!("{}/{id}/members", groups_path("bsanz")),
                Some(&registrar.token),
                &json!({ "person": person, "joined_on": "2025-01-01" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    id
}

pub(super) fn sessions_path(group: &str) -> String {
    format!("{}/{group}/sessions", groups_path("bsanz"))
}

/// The requirement `id` anywhere in `value` (branches included).
fn find_requirement<'a>(value: &'a Value, id: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            if map.get("id").and_then(Value::as_str) == Some(id) && map.contains_key("achieved") {
                return Some(value);
            }
            map.values().find_map(|v| find_requirement(v, id))
        }
        Value::Array(items) => items.iter().find_map(|v| find_requirement(v, id)),
        _ => None,
    }
}

/// Sessions of group membership counted for `person` under the UK
/// pathway (without psychodynamic training: 20 needed).
async fn membership(app: &TestApp, token: &str, person: &str) -> Value {
    let (status, body) = app
        .get(
            &format!(
                "/api/v1/societies/bsanz/people/{person}/progress?tier=accredited-leader&as_of=2025-12-31"
            ),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    find_requirement(&body["assessment"], "membership-20-sessions")
        .unwrap_or_else(|| panic!("no membership requirement in {body}"))["achieved"]
        .clone()
}

async fn adopt_uk(app: &TestApp, registrar: &Login) {
    let (status, body) = app
        .post_json(
            "/api/v1/societies/bsanz/pathway/adopt",
            Some(&registrar.token),
            &json!({ "preset": "uk-2016" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn record_of<'a>(session: &'a Value, person: &str) -> &'a Value {
    session["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["person"] == person)
        .unwrap_or_else(|| panic!("no record of {person} in {session}"))
}

e2e_test!(
    async fn a_leader_records_a_session_of_eight_and_each_ones_progress_moves(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_uk(&app, &cast.registrar).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let mut members = Vec::new();
        for i in 0..9 {
            members.push(
                person_with_login(&app, &cast.registrar, "bsanz", &format!("Member{i}")).await,
            );
        }
        let ids: Vec<String> = members.iter().map(|(p, _)| p.clone()).collect();
        let group = group(&app, &cast.registrar, &[(&leader, "leader")], &ids).await;
        // The ninth member's last day is the day before the session.
        let (_, detail) = app
            .get(
                &format!("{}/{group}", groups_path("bsanz")),
                Some(&leader_login.token),
            )
            .await;
        let ninth = detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["person"] == ids[8].as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, body) = app
            .post_json(
                &format!("{}/{group}/members/{ninth}/end", groups_path("bsanz")),
                Some(&cast.registrar.token),
                &json!({ "last_day": "2025-03-03" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        for (person, login) in &members[..8] {
            assert_eq!(membership(&app, &login.token, person).await, 0);
        }
        let session = json!({
            "date": "2025-03-04", "attended": ids[..8], "apologies": [],
            "presenters": [ids[0], ids[1]], "cases_presented": 2, "follow_ups": 1,
        });
        // Only a leader of the group on that day records it.
        for (who, token, expected) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            (
                "a member",
                Some(members[0].1.token.as_str()),
                StatusCode::FORBIDDEN,
            ),
            (
                "the registrar",
                Some(cast.registrar.token.as_str()),
                StatusCode::FORBIDDEN,
            ),
            (
                "another society's registrar",
                Some(cast.other_registrar.token.as_str()),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let (status, body) = app.post_json(&sessions_path(&group), token, &session).await;
            assert_eq!(status, expected, "{who}: {body}");
        }
        // The member who left the day before is not in the group that day.
        let mut with_ninth = session.clone();
        with_ninth["attended"] = json!(ids);
        let (status, body) = app
            .post_json(
                &sessions_path(&group),
                Some(&leader_login.token),
                &with_ninth,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "attended[8]");

        let (status, recorded) = app
            .post_json(&sessions_path(&group), Some(&leader_login.token), &session)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["cases_presented"], 2);
        assert_eq!(recorded["follow_ups"], 1);
        assert_eq!(recorded["records"].as_array().unwrap().len(), 9);
        for (person, login) in &members[..8] {
            let record = record_of(&recorded, person);
            assert_eq!(record["kind"], "participation");
            assert_eq!(record["status"], "confirmed");
            assert_eq!(record["attestor"], leader.as_str());
            assert_eq!(membership(&app, &login.token, person).await, 1, "{person}");
        }
        // The sole leader's own record waits: nobody attests their own.
        let own = record_of(&recorded, &leader);
        assert_eq!(own["kind"], "leading");
        assert_eq!(own["status"], "pending");
        // Recorded once: the same day again is a conflict.
        let (status, body) = app
            .post_json(&sessions_path(&group), Some(&leader_login.token), &session)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        // A member reads the group's sessions; the list holds it.
        let (status, list) = app
            .get(&sessions_path(&group), Some(&members[0].1.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["total"], 1);

        // A correction: the session ran 60 minutes, and one member sent
        // apologies rather than attending. Her confirmed record cannot be
        // taken off; the others' confirmed records are corrected by new
        // ones, which replace them; the leader's pending one changes.
        let path = format!(
            "{}/{}",
            sessions_path(&group),
            recorded["id"].as_str().unwrap()
        );
        let (status, body) = app
            .send(
                app.builder(reqwest::Method::PATCH, &path, Some(&leader_login.token))
                    .json(&json!({ "attended": ids[1..8], "apologies": [ids[0]], "presenters": [ids[1]] })),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, corrected) = app
            .send(
                app.builder(reqwest::Method::PATCH, &path, Some(&leader_login.token))
                    .json(&json!({ "minutes": 60 })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{corrected}");
        assert_eq!(corrected["minutes"], 60);
        for (person, login) in &members[..8] {
            let now = record_of(&corrected, person);
            assert_ne!(now["activity"], record_of(&recorded, person)["activity"]);
            assert_eq!(now["status"], "confirmed");
            let (_, record) = app
                .get(
                    &record_path("bsanz", now["activity"].as_str().unwrap()),
                    Some(&login.token),
                )
                .await;
            assert_eq!(record["duration_minutes"], 60);
            assert_eq!(record["corrects"], record_of(&recorded, person)["activity"]);
            // Still one session: the correction replaces the record.
            assert_eq!(membership(&app, &login.token, person).await, 1, "{person}");
        }
        let own_now = record_of(&corrected, &leader);
        assert_eq!(own_now["activity"], own["activity"]);
        let (_, record) = app
            .get(
                &record_path("bsanz", own_now["activity"].as_str().unwrap()),
                Some(&leader_login.token),
            )
            .await;
        assert_eq!(record["duration_minutes"], 60);
        assert_eq!(record["status"], "pending");
    }
);

e2e_test!(
    async fn a_trainee_co_leaders_record_waits_for_the_other_leader(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let (trainee, trainee_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Trainee").await;
        let (member, _) = person_with_login(&app, &cast.registrar, "bsanz", "Member1").await;
        let group = group(
            &app,
            &cast.registrar,
            &[(&leader, "leader"), (&trainee, "co_leader")],
            std::slice::from_ref(&member),
        )
        .await;
        let (status, recorded) = app
            .post_json(
                &sessions_path(&group),
                Some(&trainee_login.token),
                &json!({ "date": "2025-03-04", "attended": [member], "cases_presented": 1, "presenters": [member] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        let own = record_of(&recorded, &trainee);
        assert_eq!(own["kind"], "co_leading");
        assert_eq!(own["status"], "pending");
        assert_eq!(own["attestor"], leader.as_str());
        assert_eq!(record_of(&recorded, &leader)["status"], "confirmed");
        assert_eq!(record_of(&recorded, &member)["status"], "confirmed");
        assert_eq!(record_of(&recorded, &member)["attestor"], trainee.as_str());

        // It waits for the leader, who sees it and confirms it.
        let (_, waiting) = app
            .get(
                "/api/v1/me/attestations?status=pending",
                Some(&leader_login.token),
            )
            .await;
        let ids: Vec<&Value> = waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["id"])
            .collect();
        assert_eq!(ids, [&own["activity"]]);
        let (_, record) = app
            .get(
                &record_path("bsanz", own["activity"].as_str().unwrap()),
                Some(&trainee_login.token),
            )
            .await;
        assert_eq!(record["co_leader"], leader.as_str());
        assert_eq!(record["cases"], 1);
        let (status, body) = decide(
            &app,
            Some(&leader_login.token),
            "bsanz",
            own["activity"].as_str().unwrap(),
            "confirm",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "confirmed");
    }
);

e2e_test!(
    async fn a_duplicate_self_logged_record_is_linked_not_double_counted(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_uk(&app, &cast.registrar).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let (ada, ada_login) = person_with_login(&app, &cast.registrar, "bsanz", "Ada").await;
        let (ben, ben_login) = person_with_login(&app, &cast.registrar, "bsanz", "Ben").await;
        let group = group(
            &app,
            &cast.registrar,
            &[(&leader, "leader")],
            &[ada.clone(), ben.clone()],
        )
        .await;
        // Ada logged the meeting herself, pending; Ben logged his and had
        // it confirmed already. Each names the group in their own way.
        let logged = record(
            &app,
            &ada_login.token,
            "bsanz",
            &ada,
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions",
                    "group": " tuesday gp GROUP", "attestor": leader, "notes": "my own words" }),
        )
        .await;
        let confirmed = record(
            &app,
            &ben_login.token,
            "bsanz",
            &ben,
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions",
                    "group": GROUP_NAME, "attestor": leader }),
        )
        .await;
        let (status, _) = decide(
            &app,
            Some(&leader_login.token),
            "bsanz",
            confirmed["id"].as_str().unwrap(),
            "confirm",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(membership(&app, &ben_login.token, &ben).await, 1);

        let (status, recorded) = app
            .post_json(
                &sessions_path(&group),
                Some(&leader_login.token),
                &json!({ "date": "2025-03-04", "attended": [ada, ben] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        for (person, own, login) in [(&ada, &logged, &ada_login), (&ben, &confirmed, &ben_login)] {
            let r = record_of(&recorded, person);
            assert_eq!(r["activity"], own["id"], "{person}");
            assert_eq!(r["linked"], true);
            assert_eq!(r["status"], "confirmed");
            let (_, ledger) = app
                .get(
                    &format!("{}?kind=participation", ledger_path("bsanz", person)),
                    Some(&login.token),
                )
                .await;
            assert_eq!(ledger["total"], 1, "{ledger}");
            assert_eq!(membership(&app, &login.token, person).await, 1, "{person}");
        }
        // Ada's record now says what the session says, in her own notes.
        let (_, record) = app
            .get(
                &record_path("bsanz", logged["id"].as_str().unwrap()),
                Some(&ada_login.token),
            )
            .await;
        assert_eq!(record["duration_minutes"], 90);
        assert_eq!(record["group"], GROUP_NAME);
        assert_eq!(record["notes"], "my own words");
    }
);

e2e_test!(
    async fn bulk_attestation_of_105_records_with_one_refused(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let (other, _) = person_with_login(&app, &cast.registrar, "bsanz", "Other").await;
        let trainee = cast.member_person.as_str();
        let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let rows: Vec<Value> = (0..105)
            .map(|i| {
                let date = first + chrono::Days::new(i);
                // The last names someone else as its attestor.
                let attestor = if i == 104 { &other } else { &leader };
                json!({ "kind": "participation", "date": date.to_string(), "amount": 1,
                        "unit": "sessions", "attestor": attestor, "group": GROUP_NAME })
            })
            .collect();
        let (status, uploaded) = app
            .post_json(
                &format!("{}/bulk", ledger_path("bsanz", trainee)),
                Some(&cast.member.token),
                &json!(rows),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        let ids: Vec<String> = uploaded["ids"]
            .as_array()
            .unwrap_or_else(|| panic!("{uploaded}"))
            .iter()
            .map(|id| id.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 105);
        let decisions: Vec<Value> = ids
            .iter()
            .map(|id| json!({ "activity": id, "decision": "confirm" }))
            .collect();
        let path = "/api/v1/societies/bsanz/attestations/bulk";
        let body = json!({ "decisions": decisions });
        for (who, token, expected) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            (
                "another society's registrar",
                Some(cast.other_registrar.token.as_str()),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let (status, answer) = app.post_json(path, token, &body).await;
            assert_eq!(status, expected, "{who}: {answer}");
        }
        let (status, answer) = app.post_json(path, Some(&leader_login.token), &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["decided"], 104);
        assert_eq!(answer["refused"], 1);
        let results = answer["results"].as_array().unwrap();
        assert_eq!(results.len(), 105);
        for (result, id) in results.iter().zip(&ids) {
            assert_eq!(result["activity"], id.as_str());
        }
        assert_eq!(results[103]["record"]["status"], "confirmed");
        assert_eq!(results[104]["decided"], false);
        assert_eq!(results[104]["problem"]["status"], 403);
        let (_, ledger) = app
            .get(
                &format!(
                    "{}?status=confirmed&per_page=1",
                    ledger_path("bsanz", trainee)
                ),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(ledger["total"], 104, "{ledger}");
        // Sent again: every one is answered, each decided already.
        let (status, again) = app.post_json(path, Some(&leader_login.token), &body).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["decided"], 0);
        assert_eq!(again["results"][0]["problem"]["status"], 409);
    }
);

e2e_test!(
    async fn the_registrar_sets_a_group_up_and_its_leader_records_a_session_on_the_pages(
        app: TestApp,
    ) {
        use super::web::{csrf_of, open, sign_in, submit};
        let cast = Cast::assemble(&app).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let (ada, ada_login) = person_with_login(&app, &cast.registrar, "bsanz", "Ada").await;
        let (ben, _) = person_with_login(&app, &cast.registrar, "bsanz", "Ben").await;

        // The registrar creates the group; a missing length is named.
        let registrar = sign_in(&app, &cast.registrar).await;
        let list = open(&app, "/societies/bsanz/groups", Some(&registrar)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.html.contains("never recorded here"), "{}", list.html);
        let csrf = csrf_of(&list.html);
        let refused = submit(
            &app,
            "/societies/bsanz/groups",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("name", GROUP_NAME),
                ("term", "ongoing"),
                ("delivery", "in_person"),
                ("usual_minutes", "0"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.html.contains("Usual length: Must be from 1 to 600"),
            "{}",
            refused.html
        );
        let created = submit(
            &app,
            "/societies/bsanz/groups",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("name", GROUP_NAME),
                ("audience", "GP trainees"),
                ("term", "ongoing"),
                ("delivery", "in_person"),
                ("usual_minutes", "90"),
            ],
        )
        .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
        let page = created.location.unwrap();
        for (person, role) in [(&leader, "leader"), (&ada, "member"), (&ben, "member")] {
            let added = submit(
                &app,
                &format!("{page}/people"),
                Some(&registrar),
                &[
                    ("csrf", &csrf),
                    ("action", "add"),
                    ("person", person),
                    ("role", role),
                    ("from", "2025-01-01"),
                ],
            )
            .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
        }

        // The registrar changes the usual length; an ongoing group with a
        // last day is refused, naming it.
        let change = |minutes: &'static str, ends_on: &'static str| {
            [
                ("csrf", csrf.clone()),
                ("name", GROUP_NAME.to_owned()),
                ("term", "ongoing".to_owned()),
                ("delivery", "in_person".to_owned()),
                ("usual_minutes", minutes.to_owned()),
                ("ends_on", ends_on.to_owned()),
            ]
        };
        let form: Vec<(&str, String)> = change("75", "2026-01-01").to_vec();
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = submit(&app, &page, Some(&registrar), &form).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.html.contains("Last day: Is only for a fixed term"),
            "{}",
            refused.html
        );
        let form: Vec<(&str, String)> = change("75", "").to_vec();
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let changed = submit(&app, &page, Some(&registrar), &form).await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.html);
        let (_, group) = app
            .get(&format!("/api/v1{page}"), Some(&cast.registrar.token))
            .await;
        assert_eq!(group["usual_minutes"], 75);

        // The leader records a session: Ada came, Ben sent apologies.
        let session = sign_in(&app, &leader_login).await;
        let form = open(&app, &format!("{page}/sessions/new"), Some(&session)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        let csrf = csrf_of(&form.html);
        let (att_ada, att_ben, presented) = (
            format!("att-{ada}"),
            format!("att-{ben}"),
            format!("presented-{ada}"),
        );
        let recorded = submit(
            &app,
            &format!("{page}/sessions/new"),
            Some(&session),
            &[
                ("csrf", &csrf),
                ("date", "2025-03-04"),
                ("minutes", "90"),
                ("delivery", "in_person"),
                (&att_ada, "attended"),
                (&presented, "yes"),
                (&att_ben, "apologies"),
                ("cases_presented", "1"),
                ("follow_ups", "0"),
            ],
        )
        .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
        let group_page = open(&app, &format!("{page}?done=session"), Some(&session)).await;
        assert!(
            group_page.html.contains("The session was recorded"),
            "{}",
            group_page.html
        );
        // Ada's record is there, confirmed.
        let (_, ledger) = app
            .get(&ledger_path("bsanz", &ada), Some(&ada_login.token))
            .await;
        assert_eq!(ledger["total"], 1);
        assert_eq!(ledger["items"][0]["status"], "confirmed");
        // A member who is not a leader does not get the form.
        let member = sign_in(&app, &ada_login).await;
        let denied = open(&app, &format!("{page}/sessions/new"), Some(&member)).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn a_leader_corrects_a_session_on_its_page_and_its_records_follow(app: TestApp) {
        use super::web::{csrf_of, open, sign_in, submit};
        let cast = Cast::assemble(&app).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let (ada, ada_login) = person_with_login(&app, &cast.registrar, "bsanz", "Ada").await;
        let (ben, _) = person_with_login(&app, &cast.registrar, "bsanz", "Ben").await;
        let (cy, cy_login) = person_with_login(&app, &cast.registrar, "bsanz", "Cy").await;
        let group = group(
            &app,
            &cast.registrar,
            &[(&leader, "leader")],
            &[ada.clone(), ben.clone(), cy.clone()],
        )
        .await;
        // Recorded: Ada (who presented) and Ben came, Cy sent apologies.
        let (status, recorded) = app
            .post_json(
                &sessions_path(&group),
                Some(&leader_login.token),
                &json!({ "date": "2025-03-04", "attended": [ada, ben], "apologies": [cy],
                         "presenters": [ada], "cases_presented": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        let id = recorded["id"].as_str().unwrap();
        let page = format!("/societies/bsanz/groups/{group}/sessions/{id}");

        // The group's page links the session's page, which shows who came,
        // their records, and the form filled in.
        let cookie = sign_in(&app, &leader_login).await;
        let group_page = open(
            &app,
            &format!("/societies/bsanz/groups/{group}"),
            Some(&cookie),
        )
        .await;
        assert!(
            group_page.html.contains(&format!("href=\"{page}\"")),
            "{}",
            group_page.html
        );
        let shown = open(&app, &page, Some(&cookie)).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.html);
        for text in [
            "Correct the session",
            "Led the session",
            "Waiting for a signature",
            "Sent apologies",
            "Confirmed",
        ] {
            assert!(shown.html.contains(text), "{text:?} in {}", shown.html);
        }
        for (person, value) in [(&ada, "attended"), (&ben, "attended"), (&cy, "apologies")] {
            let checked =
                format!(r#"id="att-{person}-{value}" name="att-{person}" value="{value}" checked"#);
            assert!(shown.html.contains(&checked), "{checked} in {}", shown.html);
        }
        assert!(shown
            .html
            .contains(&format!(r#"name="presented-{ada}" value="yes" checked"#)));
        let csrf = csrf_of(&shown.html);
        let (att_ada, att_ben, att_cy, presented) = (
            format!("att-{ada}"),
            format!("att-{ben}"),
            format!("att-{cy}"),
            format!("presented-{ada}"),
        );
        let form = |minutes: &str, ada_came: &str| -> Vec<(String, String)> {
            let came = ada_came != "absent";
            [
                ("csrf", csrf.as_str()),
                ("date", "2025-03-04"),
                ("minutes", minutes),
                ("delivery", "in_person"),
                (att_ada.as_str(), ada_came),
                (presented.as_str(), if came { "yes" } else { "" }),
                (att_ben.as_str(), "attended"),
                (att_cy.as_str(), "attended"),
                ("cases_presented", if came { "1" } else { "0" }),
                ("follow_ups", "0"),
            ]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
        };
        let send = |fields: Vec<(String, String)>| {
            let (app, page, cookie) = (&app, page.clone(), cookie.clone());
            async move {
                let fields: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                submit(app, &page, Some(&cookie), &fields).await
            }
        };

        // A length out of range is named on the form; taking off Ada,
        // whose record is confirmed, is refused; nothing changes.
        let refused = send(form("0", "attended")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.html.contains("Length: Must be from 1 to 600"),
            "{}",
            refused.html
        );
        let conflict = send(form("60", "absent")).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        assert!(
            conflict
                .html
                .contains("a decided record is corrected by a new one, not removed"),
            "{}",
            conflict.html
        );
        let (_, unchanged) = app
            .get(
                &format!("{}/{id}", sessions_path(&group)),
                Some(&leader_login.token),
            )
            .await;
        assert_eq!(unchanged["minutes"], 90);

        // The correction: 60 minutes, and Cy came after all.
        let corrected = send(form("60", "attended")).await;
        assert_eq!(
            corrected.status,
            StatusCode::SEE_OTHER,
            "{}",
            corrected.html
        );
        let back = corrected.location.unwrap();
        assert_eq!(back, format!("{page}?done=corrected"));
        let after = open(&app, &back, Some(&cookie)).await;
        assert!(
            after.html.contains("The session was corrected"),
            "{}",
            after.html
        );
        assert!(after.html.contains("60 minutes"), "{}", after.html);
        let (_, now) = app
            .get(
                &format!("{}/{id}", sessions_path(&group)),
                Some(&leader_login.token),
            )
            .await;
        assert_eq!(now["minutes"], 60);
        // Ada's confirmed record is corrected by a new one, which replaces
        // it; Cy has a record now.
        let ada_now = record_of(&now, &ada);
        assert_ne!(ada_now["activity"], record_of(&recorded, &ada)["activity"]);
        let (_, record) = app
            .get(
                &record_path("bsanz", ada_now["activity"].as_str().unwrap()),
                Some(&ada_login.token),
            )
            .await;
        assert_eq!(record["duration_minutes"], 60);
        assert_eq!(record["corrects"], record_of(&recorded, &ada)["activity"]);
        assert_eq!(record_of(&now, &cy)["status"], "confirmed");
        let (_, cy_ledger) = app
            .get(&ledger_path("bsanz", &cy), Some(&cy_login.token))
            .await;
        assert_eq!(cy_ledger["total"], 1);

        // A member reads the session's page, without the form, and cannot
        // correct it.
        let member = sign_in(&app, &ada_login).await;
        let read = open(&app, &page, Some(&member)).await;
        assert_eq!(read.status, StatusCode::OK);
        assert!(!read.html.contains("Correct the session"), "{}", read.html);
        let csrf = csrf_of(&read.html);
        let denied = submit(
            &app,
            &page,
            Some(&member),
            &[("csrf", &csrf), ("date", "2025-03-04"), ("minutes", "30")],
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
);
