//! A group's sessions planned ahead: a leader or the registrar plans,
//! moves and cancels them; a member cannot; recording a session on a
//! planned day holds to the plan.

use chrono::{Duration, FixedOffset, Utc};
use serde_json::Value;

use super::groups::{group, groups_path, sessions_path};
use super::ledger_setup::*;
use super::*;

pub(super) fn plans_path(group: &str) -> String {
    format!("{}/{group}/planned-sessions", groups_path("bsanz"))
}

/// A start `days` ahead at 19:00 in Auckland's summer offset.
pub(super) fn ahead(days: i64) -> String {
    let day = Utc::now().date_naive() + Duration::days(days);
    format!("{day}T19:00:00+13:00")
}

/// A group led by a leader with a login, with one member with a login.
pub(super) struct Planned {
    pub cast: Cast,
    pub group: String,
    pub leader: (String, Login),
    pub member: (String, Login),
}

pub(super) async fn planned_group(app: &TestApp) -> Planned {
    let cast = Cast::assemble(app).await;
    let leader = person_with_login(app, &cast.registrar, "bsanz", "Leader").await;
    let member = person_with_login(app, &cast.registrar, "bsanz", "Member").await;
    let group = group(
        app,
        &cast.registrar,
        &[(&leader.0, "leader")],
        std::slice::from_ref(&member.0),
    )
    .await;
    Planned {
        cast,
        group,
        leader,
        member,
    }
}

pub(super) async fn plan(app: &TestApp, token: &str, group: &str, body: Value) -> Value {
    let (status, plan) = app.post_json(&plans_path(group), Some(token), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    plan
}

e2e_test!(
    async fn a_leader_plans_moves_and_cancels_sessions_and_a_member_cannot(app: TestApp) {
        let p = planned_group(&app).await;
        let leader = p.leader.1.token.as_str();
        let first = plan(
            &app,
            leader,
            &p.group,
            json!({ "starts_at": ahead(7), "place": "Room 3, 12 Grey St", "note": "Bring tea" }),
        )
        .await;
        assert_eq!(first["starts_at"], ahead(7));
        assert_eq!(first["minutes"], 90, "the group's usual length");
        assert_eq!(first["delivery"], "in_person");
        assert_eq!(first["status"], "planned");
        assert_eq!(first["sequence"], 0);
        assert_eq!(first["place"], "Room 3, 12 Grey St");

        // The registrar plans too; a member cannot.
        let second = plan(
            &app,
            &p.cast.registrar.token,
            &p.group,
            json!({ "starts_at": ahead(14), "minutes": 60, "delivery": "online",
                    "place": "https://meet.example.org/tuesday" }),
        )
        .await;
        let (status, body) = app
            .post_json(
                &plans_path(&p.group),
                Some(&p.member.1.token),
                &json!({ "starts_at": ahead(21) }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // Refusals: a day planned already, a start in the past, no start.
        let (status, body) = app
            .post_json(
                &plans_path(&p.group),
                Some(leader),
                &json!({ "starts_at": ahead(7).replace("19:00", "08:00") }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, body) = app
            .post_json(
                &plans_path(&p.group),
                Some(leader),
                &json!({ "starts_at": "2025-06-01T19:00:00Z", "minutes": 0 }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["minutes", "starts_at"]);
        let (status, body) = app
            .post_json(&plans_path(&p.group), Some(leader), &json!({}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // Moving bumps the sequence; null clears the note.
        let first_path = format!("{}/{}", plans_path(&p.group), first["id"].as_str().unwrap());
        let (status, moved) = app
            .send(
                app.builder(reqwest::Method::PATCH, &first_path, Some(leader))
                    .json(
                        &json!({ "starts_at": ahead(8).replace("19:00", "18:30"), "note": null }),
                    ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["starts_at"], ahead(8).replace("19:00", "18:30"));
        assert_eq!(moved["sequence"], 1);
        assert_eq!(moved["note"], Value::Null);
        assert_eq!(moved["place"], "Room 3, 12 Grey St");
        // A member cannot move it.
        let (status, _) = app
            .send(
                app.builder(reqwest::Method::PATCH, &first_path, Some(&p.member.1.token))
                    .json(&json!({ "minutes": 10 })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Cancelled: listed as such, and not cancelled or moved again.
        let second_path = format!(
            "{}/{}",
            plans_path(&p.group),
            second["id"].as_str().unwrap()
        );
        let (status, cancelled) = app
            .post_json(&format!("{second_path}/cancel"), Some(leader), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["sequence"], 1);
        let (status, _) = app
            .post_json(&format!("{second_path}/cancel"), Some(leader), &json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // The member reads them, the earliest first.
        let (status, list) = app
            .get(&plans_path(&p.group), Some(&p.member.1.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["total"], 2);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items[0]["id"], first["id"]);
        assert_eq!(items[1]["status"], "cancelled");
        // Another society's registrar does not see the group.
        let (status, _) = app
            .get(&plans_path(&p.group), Some(&p.cast.other_registrar.token))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

/// A start later today (UTC), in an offset that keeps it on today's
/// local day.
fn later_today() -> (String, chrono::NaiveDate) {
    let today = Utc::now().date_naive();
    let start = Utc::now() + Duration::minutes(30);
    let hours = if start.date_naive() == today { 0 } else { -2 };
    let offset = FixedOffset::east_opt(hours * 3600).unwrap();
    let local = start.with_timezone(&offset);
    (local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(), today)
}

e2e_test!(
    async fn recording_a_session_on_a_planned_day_holds_to_the_plan(app: TestApp) {
        let p = planned_group(&app).await;
        let leader = p.leader.1.token.as_str();
        let (starts, today) = later_today();
        let planned = plan(
            &app,
            leader,
            &p.group,
            json!({ "starts_at": starts, "minutes": 75, "delivery": "online" }),
        )
        .await;
        assert_eq!(planned["date"], today.to_string());
        let (status, session) = app
            .post_json(
                &sessions_path(&p.group),
                Some(leader),
                &json!({ "date": today.to_string(), "attended": [p.member.0] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{session}");
        assert_eq!(session["minutes"], 75, "the plan's length");
        assert_eq!(session["delivery"], "online", "the plan's delivery");
        let (_, list) = app.get(&plans_path(&p.group), Some(leader)).await;
        let held = &list["items"][0];
        assert_eq!(held["status"], "held");
        assert_eq!(held["session"], session["id"]);
        assert_eq!(held["sequence"], 1);
        // Held: no longer moved or cancelled.
        let (status, _) = app
            .post_json(
                &format!(
                    "{}/{}/cancel",
                    plans_path(&p.group),
                    held["id"].as_str().unwrap()
                ),
                Some(leader),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
);

/// The calendar feed's URL path, made on the person's calendar page by
/// `cookie`'s login.
async fn new_feed(app: &TestApp, cookie: &str, person: &str) -> String {
    let path = format!("/societies/bsanz/people/{person}/calendar");
    let page = super::web::open(app, &path, Some(cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let made = super::web::submit(
        app,
        &path,
        Some(cookie),
        &[
            ("csrf", &super::web::csrf_of(&page.html)),
            ("action", "new"),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.html);
    assert!(made.html.contains("shown only this once"), "{}", made.html);
    let start = made.html.find("/calendar/").expect("the feed's URL");
    let end = start + made.html[start..].find(".ics").unwrap() + 4;
    made.html[start..end].to_owned()
}

async fn revoke_feed(app: &TestApp, cookie: &str, person: &str) {
    let path = format!("/societies/bsanz/people/{person}/calendar");
    let page = super::web::open(app, &path, Some(cookie)).await;
    let revoked = super::web::submit(
        app,
        &path,
        Some(cookie),
        &[
            ("csrf", &super::web::csrf_of(&page.html)),
            ("action", "revoke"),
        ],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.html);
}

/// The feed at `path` as the independent parser (`tests/ical/check.py`,
/// Python's `icalendar` from PyPI) reads it.
async fn parsed(app: &TestApp, path: &str) -> Value {
    static PYTHON: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ical");
    let python = PYTHON
        .get_or_init(|| balint_e2e::receiver::venv_python(&folder, "ical"))
        .clone();
    let url = format!("{}{path}", app.base_url);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(folder.join("check.py"))
            .arg(url)
            .output()
            .expect("running tests/ical/check.py")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "check.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check.py's JSON")
}

fn event<'a>(feed: &'a Value, uid_part: &str) -> Option<&'a Value> {
    feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uid"].as_str().unwrap().contains(uid_part))
}

e2e_test!(
    async fn a_members_feed_lists_their_groups_sessions_while_they_belong_and_a_revoked_link_is_404(
        app: TestApp,
    ) {
        let p = planned_group(&app).await;
        let leader = p.leader.1.token.as_str();
        let member = &p.member.0;
        // A session held without a plan, while the member belonged.
        let (status, held) = app
            .post_json(
                &sessions_path(&p.group),
                Some(leader),
                &json!({ "date": "2025-03-04", "attended": [member] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{held}");
        // Planned: in a week (moved: sequence 1), in two weeks
        // (cancelled), and in five weeks, after the member leaves.
        let week = plan(
            &app,
            leader,
            &p.group,
            json!({ "starts_at": ahead(7), "minutes": 90,
                    "place": "Room 3; 12 Grey St, Auckland", "note": "Ring the bell\\door 2" }),
        )
        .await;
        let week_path = format!("{}/{}", plans_path(&p.group), week["id"].as_str().unwrap());
        let (status, _) = app
            .send(
                app.builder(reqwest::Method::PATCH, &week_path, Some(leader))
                    .json(&json!({ "starts_at": ahead(8) })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let fortnight = plan(&app, leader, &p.group, json!({ "starts_at": ahead(14) })).await;
        let (status, _) = app
            .post_json(
                &format!(
                    "{}/{}/cancel",
                    plans_path(&p.group),
                    fortnight["id"].as_str().unwrap()
                ),
                Some(leader),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let later = plan(&app, leader, &p.group, json!({ "starts_at": ahead(35) })).await;
        let (_, detail) = app
            .get(
                &format!("{}/{}", groups_path("bsanz"), p.group),
                Some(leader),
            )
            .await;
        let membership = detail["members"][0]["id"].as_str().unwrap().to_owned();
        let last_day = (Utc::now().date_naive() + Duration::days(21)).to_string();
        let (status, body) = app
            .post_json(
                &format!(
                    "{}/{}/members/{membership}/end",
                    groups_path("bsanz"),
                    p.group
                ),
                Some(&p.cast.registrar.token),
                &json!({ "last_day": last_day }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Another group, which the member is not in.
        let other = person_with_login(&app, &p.cast.registrar, "bsanz", "Other").await;
        let (status, body) = app
            .post_json(
                &groups_path("bsanz"),
                Some(&p.cast.registrar.token),
                &json!({ "name": "Thursday group", "term": "ongoing", "delivery": "online", "usual_minutes": 60 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let thursday = body["id"].as_str().unwrap().to_owned();
        let (status, _) = app
            .post_json(
                &format!("{}/{thursday}/leaders", groups_path("bsanz")),
                Some(&p.cast.registrar.token),
                &json!({ "person": other.0, "role": "leader", "from": "2025-01-01" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let elsewhere = plan(
            &app,
            &other.1.token,
            &thursday,
            json!({ "starts_at": ahead(9) }),
        )
        .await;

        // The member's feed, read by the independent parser.
        let cookie = super::web::sign_in(&app, &p.member.1).await;
        let path = new_feed(&app, &cookie, member).await;
        let feed = parsed(&app, &path).await;
        assert_eq!(feed["status"], 200, "{feed}");
        assert_eq!(feed["content_type"], "text/calendar; charset=utf-8");
        assert_eq!(feed["crlf"], true);
        assert!(feed["max_octets"].as_u64().unwrap() <= 75, "{feed}");
        assert_eq!(feed["version"], "2.0");
        assert_eq!(feed["events"].as_array().unwrap().len(), 3, "{feed}");
        let moved = event(&feed, week["id"].as_str().unwrap()).expect("the moved session");
        // 19:00 at +13:00 is 06:00 UTC.
        let day = Utc::now().date_naive() + Duration::days(8);
        assert_eq!(moved["start"], format!("{day}T06:00:00Z"));
        assert_eq!(moved["end"], format!("{day}T07:30:00Z"));
        assert_eq!(moved["status"], "CONFIRMED");
        assert_eq!(moved["sequence"], 1);
        assert_eq!(moved["summary"], "Tuesday GP group");
        assert_eq!(moved["location"], "Room 3; 12 Grey St, Auckland");
        assert!(
            moved["description"]
                .as_str()
                .unwrap()
                .ends_with("\nRing the bell\\door 2"),
            "{moved}"
        );
        let cancelled = event(&feed, fortnight["id"].as_str().unwrap()).expect("the cancelled one");
        assert_eq!(cancelled["status"], "CANCELLED");
        assert_eq!(cancelled["sequence"], 1);
        let past = event(&feed, held["id"].as_str().unwrap()).expect("the held session");
        assert_eq!(past["all_day"], true);
        assert_eq!(past["start"], "2025-03-04");
        assert_eq!(past["end"], "2025-03-05");
        // Not after they leave, and not another group's.
        assert!(event(&feed, later["id"].as_str().unwrap()).is_none());
        assert!(event(&feed, elsewhere["id"].as_str().unwrap()).is_none());
        // The same feed again: the same UIDs and stamps.
        assert_eq!(parsed(&app, &path).await["events"], feed["events"]);

        // The leader's own feed lists the later session too.
        let leader_cookie = super::web::sign_in(&app, &p.leader.1).await;
        let leader_feed = parsed(&app, &new_feed(&app, &leader_cookie, &p.leader.0).await).await;
        assert!(event(&leader_feed, later["id"].as_str().unwrap()).is_some());
        assert!(event(&leader_feed, elsewhere["id"].as_str().unwrap()).is_none());

        // A new link ends the old; a revoked one is not found.
        let renewed = new_feed(&app, &cookie, member).await;
        assert_ne!(renewed, path);
        assert_eq!(parsed(&app, &path).await["status"], 404);
        assert_eq!(parsed(&app, &renewed).await["status"], 200);
        revoke_feed(&app, &cookie, member).await;
        assert_eq!(parsed(&app, &renewed).await["status"], 404);
        assert_eq!(
            parsed(&app, "/calendar/0123456789abcdef.ics").await["status"],
            404
        );

        // Nobody else manages the member's link: not the registrar, not
        // another member.
        let registrar = super::web::sign_in(&app, &p.cast.registrar).await;
        let page = super::web::open(
            &app,
            &format!("/societies/bsanz/people/{member}/calendar"),
            Some(&registrar),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn my_pages_show_my_next_planned_session(app: TestApp) {
        let p = planned_group(&app).await;
        let leader = p.leader.1.token.as_str();
        let cookie = super::web::sign_in(&app, &p.member.1).await;
        let before = super::web::open(&app, "/me", Some(&cookie)).await;
        assert!(
            !before.html.contains("My next group session"),
            "{}",
            before.html
        );
        let soon = plan(
            &app,
            leader,
            &p.group,
            json!({ "starts_at": ahead(3), "delivery": "online", "place": "https://meet.example.org/t" }),
        )
        .await;
        let (status, _) = app
            .post_json(
                &format!(
                    "{}/{}/cancel",
                    plans_path(&p.group),
                    soon["id"].as_str().unwrap()
                ),
                Some(leader),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        plan(
            &app,
            leader,
            &p.group,
            json!({ "starts_at": ahead(10), "place": "Room 3" }),
        )
        .await;
        let page = super::web::open(&app, "/me", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("My next group session"), "{}", page.html);
        let section = &page.html[page.html.find("My next group session").unwrap()..];
        assert!(section.contains("Tuesday GP group"), "{section}");
        assert!(section.contains("19:00 (UTC+13:00)"), "{section}");
        assert!(section.contains("in person"), "{section}");
        assert!(section.contains("Room 3"), "{section}");
        assert!(
            !section.contains("meet.example.org"),
            "the cancelled one: {section}"
        );
        assert!(page.html.contains("My calendar of group sessions"));
    }
);

e2e_test!(
    async fn a_leader_plans_moves_and_cancels_a_session_on_the_groups_pages(app: TestApp) {
        let p = planned_group(&app).await;
        let cookie = super::web::sign_in(&app, &p.leader.1).await;
        let base = format!("/societies/bsanz/groups/{}", p.group);
        let group_page = super::web::open(&app, &base, Some(&cookie)).await;
        assert!(
            group_page.html.contains("No sessions planned ahead."),
            "{}",
            group_page.html
        );
        assert!(group_page.html.contains("/planned-sessions/new"));
        let form =
            super::web::open(&app, &format!("{base}/planned-sessions/new"), Some(&cookie)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        let csrf = super::web::csrf_of(&form.html);
        let day = (Utc::now().date_naive() + Duration::days(6)).to_string();
        // A bad offset is named next to its field, and nothing is planned.
        let refused = super::web::submit(
            &app,
            &format!("{base}/planned-sessions/new"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("date", &day),
                ("time", "19:00"),
                ("utc_offset", "13"),
                ("minutes", "90"),
                ("delivery", "in_person"),
                ("place", ""),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.html.contains("Must be a sign, hours and minutes"),
            "{}",
            refused.html
        );
        let planned = super::web::submit(
            &app,
            &format!("{base}/planned-sessions/new"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("date", &day),
                ("time", "19:00"),
                ("utc_offset", "+13:00"),
                ("minutes", "75"),
                ("delivery", "hybrid"),
                ("place", "Room 3"),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.html);
        let (_, list) = app
            .get(&plans_path(&p.group), Some(&p.leader.1.token))
            .await;
        let plan = &list["items"][0];
        assert_eq!(plan["starts_at"], format!("{day}T19:00:00+13:00"));
        assert_eq!(plan["minutes"], 75);
        assert_eq!(plan["delivery"], "hybrid");
        let plan_path = format!("{base}/planned-sessions/{}", plan["id"].as_str().unwrap());
        let group_page = super::web::open(&app, &base, Some(&cookie)).await;
        assert!(group_page.html.contains(&plan_path), "{}", group_page.html);
        assert!(group_page.html.contains("19:00 (UTC+13:00)"));
        // Moved an hour later, then cancelled.
        let page = super::web::open(&app, &plan_path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let moved = super::web::submit(
            &app,
            &plan_path,
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("action", "move"),
                ("date", &day),
                ("time", "20:00"),
                ("utc_offset", "+13:00"),
                ("minutes", "75"),
                ("delivery", "hybrid"),
                ("place", "Room 3"),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
        let cancelled = super::web::submit(
            &app,
            &plan_path,
            Some(&cookie),
            &[("csrf", &csrf), ("action", "cancel")],
        )
        .await;
        assert_eq!(
            cancelled.status,
            StatusCode::SEE_OTHER,
            "{}",
            cancelled.html
        );
        let (_, list) = app
            .get(&plans_path(&p.group), Some(&p.leader.1.token))
            .await;
        assert_eq!(
            list["items"][0]["starts_at"],
            format!("{day}T20:00:00+13:00")
        );
        assert_eq!(list["items"][0]["status"], "cancelled");
        assert_eq!(list["items"][0]["sequence"], 2);
        // A member sees the plans, but not the form.
        let member = super::web::sign_in(&app, &p.member.1).await;
        let page =
            super::web::open(&app, &format!("{base}/planned-sessions/new"), Some(&member)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = super::web::open(&app, &base, Some(&member)).await;
        assert!(page.html.contains("Cancelled"), "{}", page.html);
        assert!(!page.html.contains("/planned-sessions/new"));
    }
);

e2e_test!(
    async fn a_members_calendar_link_is_made_shown_and_revoked_through_the_api(app: TestApp) {
        let p = planned_group(&app).await;
        let member = &p.member.0;
        let token = p.member.1.token.as_str();
        let week = plan(
            &app,
            &p.leader.1.token,
            &p.group,
            json!({ "starts_at": ahead(7) }),
        )
        .await;
        let path = format!("/api/v1/societies/bsanz/people/{member}/calendar");
        let post = |token: &str| app.send(app.builder(reqwest::Method::POST, &path, Some(token)));
        let delete =
            |token: &str| app.send(app.builder(reqwest::Method::DELETE, &path, Some(token)));

        let (status, none) = app.get(&path, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{none}");
        assert_eq!(none, json!({ "in_use": false, "made_at": null }));

        let (status, made) = post(token).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let feed = made["feed"].as_str().unwrap().to_owned();
        assert!(
            feed.starts_with("/calendar/") && feed.ends_with(".ics"),
            "{made}"
        );
        let read = parsed(&app, &feed).await;
        assert_eq!(read["status"], 200, "{read}");
        assert!(
            event(&read, week["id"].as_str().unwrap()).is_some(),
            "{read}"
        );
        let (status, shown) = app.get(&path, Some(token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown, json!({ "in_use": true, "made_at": made["made_at"] }));
        assert!(
            !shown.to_string().contains(&feed[10..feed.len() - 4]),
            "the secret is shown only when made"
        );

        // A new link ends the old one.
        let (status, again) = post(token).await;
        assert_eq!(status, StatusCode::CREATED);
        let renewed = again["feed"].as_str().unwrap().to_owned();
        assert_ne!(renewed, feed);
        assert_eq!(parsed(&app, &feed).await["status"], 404);
        assert_eq!(parsed(&app, &renewed).await["status"], 200);

        // The link is the member's own secret: not the leader's, not the
        // registrar's to make, see or revoke.
        for other in [p.leader.1.token.as_str(), p.cast.registrar.token.as_str()] {
            assert_eq!(post(other).await.0, StatusCode::FORBIDDEN);
            assert_eq!(app.get(&path, Some(other)).await.0, StatusCode::FORBIDDEN);
            assert_eq!(delete(other).await.0, StatusCode::FORBIDDEN);
        }
        assert_eq!(parsed(&app, &renewed).await["status"], 200);

        let (status, _) = delete(token).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(parsed(&app, &renewed).await["status"], 404);
        let (_, after) = app.get(&path, Some(token)).await;
        assert_eq!(after["in_use"], false);
        let (status, problem) = delete(token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(problem["type"], "/problems/not-found");
    }
);
