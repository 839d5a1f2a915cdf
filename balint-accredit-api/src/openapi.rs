//! The OpenAPI 3 document, generated from the handlers.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::Method;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

/// The whole API, as served at `/api/v1/openapi.json`.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Balint accreditation API",
        version = "1",
        description = "Balint group leadership pathways, ledgers, applications and registers of accredited leaders. Errors are application/problem+json (RFC 9457). A signed-in caller with no role in a society is answered 404 for that society's non-public resources, as if they did not exist; 403 is for a caller with a role there that does not allow the action. Dates are days written YYYY-MM-DD, from 1900-01-01 to 2199-12-31: another is refused naming the field and the bounds (422 in a body or file, 400 in a query string). No text may hold a NUL character (U+0000): one in a path is 404, as for any unknown path; in a query string 400; in a body or file 422, naming every field that holds one. Limits are answered with problem+json too: a URL (path and query string) over 8192 bytes is 414, request headers over 128 KiB (or more than 96 of them) 431, a body over its limit 413 (JSON: --json-limit-bytes, 1 MiB by default; a register import 16 times that; a logbook 16 MiB).",
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::docs::openapi_json,
        routes::docs::docs_page,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::me,
        routes::societies::create,
        routes::societies::list,
        routes::societies::show,
        routes::societies::profile,
        routes::societies::set_profile,
        routes::societies::retention,
        routes::societies::set_retention,
        routes::users::create,
        routes::users::list,
        routes::users::disable,
        routes::users::enable,
        routes::users::password_reset,
        routes::users::set_password,
        routes::audit::list,
        routes::pathways::upload,
        routes::pathways::adopt,
        routes::pathways::current,
        routes::pathways::versions,
        routes::pathways::version,
        routes::presets::list,
        routes::presets::show,
        routes::people::create,
        routes::people::list,
        routes::people::show,
        routes::people::update,
        routes::people::data_export,
        routes::people::erasure,
        routes::activities::create,
        routes::activities::list,
        routes::activities::bulk,
        routes::activities::export,
        routes::activities::show,
        routes::activities::update,
        routes::activities::withdraw,
        routes::attestations::attest,
        routes::attestations::mine,
        routes::attestations::bulk,
        routes::progress::show,
        routes::register::list,
        routes::register::grant,
        routes::register::show,
        routes::register::change_status,
        routes::register::renew,
        routes::register::lapse,
        routes::register::due,
        routes::register::export,
        routes::register::import,
        routes::verify::verify,
        routes::applications::apply,
        routes::applications::list_for_person,
        routes::applications::list,
        routes::applications::show,
        routes::applications::decide,
        routes::overrides::record,
        routes::overrides::list,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::show,
        routes::webhooks::delete,
        routes::webhooks::enable,
        routes::webhooks::rotate_secret,
        routes::webhooks::deliveries,
        routes::webhooks::delivery,
        routes::webhooks::replay,
        routes::webhooks::outbox,
        routes::mail::list,
        routes::watchlists::create,
        routes::watchlists::list,
        routes::watchlists::show,
        routes::watchlists::delete,
        routes::watchlists::add,
        routes::watchlists::remove,
        routes::certificates::issue,
        routes::certificates::list,
        routes::certificates::verify,
        routes::certificates::schemes,
        routes::certificates::scheme,
        routes::programmes::create,
        routes::programmes::list,
        routes::programmes::add_trainee,
        routes::programmes::attendance,
        routes::programmes::export,
        routes::groups::create,
        routes::groups::list,
        routes::groups::show,
        routes::groups::update,
        routes::groups::add_leader,
        routes::groups::end_leader,
        routes::groups::add_member,
        routes::groups::end_member,
        routes::groups::record_session,
        routes::groups::sessions_list,
        routes::groups::session_show,
        routes::groups::session_correct,
        routes::groups::plan_schedule,
        routes::groups::plans_list,
        routes::groups::plan_change,
        routes::groups::plan_cancel,
        routes::calendars::make,
        routes::calendars::show,
        routes::calendars::revoke,
        routes::credentials::host_did,
        routes::credentials::society_did,
        routes::credentials::status_list,
        routes::credentials::download,
        routes::credentials::badge,
        routes::credentials::badge_png,
        routes::credentials::rotate_key,
        routes::credentials::verify,
        routes::credentials::standard,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Probes for operators"),
        (name = "auth", description = "Logging in and out"),
        (name = "societies", description = "Societies"),
        (name = "users", description = "Logins and their roles"),
        (name = "audit", description = "The append-only audit log"),
        (name = "pathways", description = "Societies' pathways (the rules as data, in versions) and the built-in presets"),
        (name = "people", description = "People in a society's records"),
        (name = "register", description = "The register of accredited leaders: public search, entries and their history, status changes, renewals, lapse, verification"),
        (name = "activities", description = "The ledger: activities, their attestation, and progress towards a tier"),
        (name = "webhooks", description = "Webhooks: a society's endpoints subscribed to event types, deliveries per the Standard Webhooks specification, their log, replay, and the outbox"),
        (name = "watchlists", description = "Watchlists: registration numbers of a society's public register watched by a login of one's own, told by e-mail or by a signed webhook when one changes status, with only what the public register shows"),
        (name = "certificates", description = "Certificates of attendance over a period, judged against a CPD scheme when one is chosen, verified by anyone with the code; the built-in CPD schemes"),
        (name = "programmes", description = "Training programmes (a cohort of a society's trainees with the programme's numbers) and their attendance: sessions against those required, assessments and the next one due, as JSON or CSV"),
        (name = "groups", description = "A society's Balint groups, their leaders and members, and their sessions, which write their people's ledger records. Sessions hold counts (cases presented, follow-ups), never case content: what is said in a Balint group stays in the group."),
        (name = "credentials", description = "Verifiable credentials: each society's did:web identity and keys, a register entry's Open Badges 3.0 credential, the Bitstring Status Lists, and verification"),
        (name = "applications", description = "Applications for a tier, with the assessment frozen when made, the registrar's decisions, and recorded overrides of requirements (recognition of prior learning, committee discretion)"),
    )
)]
pub struct ApiDoc;

/// Whether an operation takes a login, as its `security` in the document
/// says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// Only with a valid token (`security` with no empty alternative).
    Required,
    /// With or without one (`security` with an empty alternative `{}`):
    /// a token, when given, must be valid.
    Optional,
}

/// The operations that take a login, by path as the document writes it.
static LOGINS: LazyLock<HashMap<String, Vec<(Method, Login)>>> = LazyLock::new(|| {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let mut logins: HashMap<String, Vec<(Method, Login)>> = HashMap::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let Some(alternatives) = operation["security"].as_array() else {
                continue;
            };
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            let anonymous = alternatives
                .iter()
                .any(|a| a.as_object().is_none_or(|a| a.is_empty()));
            let login = if anonymous {
                Login::Optional
            } else {
                Login::Required
            };
            logins
                .entry(path.clone())
                .or_default()
                .push((method, login));
        }
    }
    logins
});

/// What login the operation `method` on the route `pattern` (as
/// registered, e.g. `/api/v1/societies/{society}/people`) takes, as the
/// document says; `None` for one that reads no caller. The authentication
/// step answers 401 before anything else for a caller without a valid
/// token where one is [`Login::Required`].
pub fn login(method: &Method, pattern: &str) -> Option<Login> {
    LOGINS
        .get(pattern)?
        .iter()
        .find(|(m, _)| m == method)
        .map(|(_, login)| *login)
}

#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;
    use utoipa::__dev::SchemaReferences;
    use utoipa::{OpenApi, PartialSchema, Path, ToSchema};

    use super::ApiDoc;
    use crate::error::{FieldProblem, Problem};
    use crate::routes::*;

    /// What each handler of the document registers: its name, its
    /// operations (path and method) and every schema it names, by name,
    /// as the `OpenApi` derive gathers them before it keeps one per name.
    type Registered = (&'static str, Vec<(String, String)>, Vec<(String, Value)>);

    macro_rules! registered {
        ($($module:ident :: $handler:ident),* $(,)?) => {
            vec![$({
                let mut schemas = Vec::new();
                <$module::$handler as SchemaReferences>::schemas(&mut schemas);
                let path = <$module::$handler as Path>::path();
                let operations = <$module::$handler as Path>::methods()
                    .into_iter()
                    .map(|m| (path.clone(), serde_json::to_value(m).unwrap().as_str().unwrap().to_owned()))
                    .collect();
                let schemas = schemas
                    .into_iter()
                    .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap()))
                    .collect();
                (stringify!($module::$handler), operations, schemas)
            }),*]
        };
    }

    /// Every handler `ApiDoc` lists (kept complete by the test below).
    fn handlers() -> Vec<Registered> {
        registered![
            health::__path_healthz,
            health::__path_readyz,
            docs::__path_openapi_json,
            docs::__path_docs_page,
            auth::__path_login,
            auth::__path_logout,
            auth::__path_me,
            societies::__path_create,
            societies::__path_list,
            societies::__path_show,
            societies::__path_profile,
            societies::__path_set_profile,
            societies::__path_retention,
            societies::__path_set_retention,
            users::__path_create,
            users::__path_list,
            users::__path_disable,
            users::__path_enable,
            users::__path_password_reset,
            users::__path_set_password,
            audit::__path_list,
            pathways::__path_upload,
            pathways::__path_adopt,
            pathways::__path_current,
            pathways::__path_versions,
            pathways::__path_version,
            presets::__path_list,
            presets::__path_show,
            people::__path_create,
            people::__path_list,
            people::__path_show,
            people::__path_update,
            people::__path_data_export,
            people::__path_erasure,
            activities::__path_create,
            activities::__path_list,
            activities::__path_bulk,
            activities::__path_export,
            activities::__path_show,
            activities::__path_update,
            activities::__path_withdraw,
            attestations::__path_attest,
            attestations::__path_mine,
            attestations::__path_bulk,
            groups::__path_create,
            groups::__path_list,
            groups::__path_show,
            groups::__path_update,
            groups::__path_add_leader,
            groups::__path_end_leader,
            groups::__path_add_member,
            groups::__path_end_member,
            groups::__path_record_session,
            groups::__path_sessions_list,
            groups::__path_session_show,
            groups::__path_session_correct,
            groups::__path_plan_schedule,
            groups::__path_plans_list,
            groups::__path_plan_change,
            groups::__path_plan_cancel,
            calendars::__path_make,
            calendars::__path_show,
            calendars::__path_revoke,
            progress::__path_show,
            register::__path_list,
            register::__path_grant,
            register::__path_show,
            register::__path_change_status,
            register::__path_renew,
            register::__path_lapse,
            register::__path_due,
            register::__path_export,
            register::__path_import,
            verify::__path_verify,
            applications::__path_apply,
            applications::__path_list_for_person,
            applications::__path_list,
            applications::__path_show,
            applications::__path_decide,
            webhooks::__path_create,
            webhooks::__path_list,
            webhooks::__path_show,
            webhooks::__path_delete,
            webhooks::__path_enable,
            webhooks::__path_rotate_secret,
            webhooks::__path_deliveries,
            webhooks::__path_delivery,
            webhooks::__path_replay,
            webhooks::__path_outbox,
            mail::__path_list,
            watchlists::__path_create,
            watchlists::__path_list,
            watchlists::__path_show,
            watchlists::__path_delete,
            watchlists::__path_add,
            watchlists::__path_remove,
            overrides::__path_record,
            overrides::__path_list,
            certificates::__path_issue,
            certificates::__path_list,
            certificates::__path_verify,
            certificates::__path_schemes,
            certificates::__path_scheme,
            programmes::__path_create,
            programmes::__path_list,
            programmes::__path_add_trainee,
            programmes::__path_attendance,
            programmes::__path_export,
            credentials::__path_host_did,
            credentials::__path_society_did,
            credentials::__path_status_list,
            credentials::__path_download,
            credentials::__path_badge,
            credentials::__path_badge_png,
            credentials::__path_rotate_key,
            credentials::__path_verify,
            credentials::__path_standard,
        ]
    }

    /// The schemas `components(schemas(...))` names.
    fn components() -> Vec<(String, Value)> {
        let mut schemas = vec![
            (Problem::name().into_owned(), Problem::schema()),
            (FieldProblem::name().into_owned(), FieldProblem::schema()),
        ];
        Problem::schemas(&mut schemas);
        FieldProblem::schemas(&mut schemas);
        schemas
            .into_iter()
            .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap()))
            .collect()
    }

    #[test]
    fn the_handlers_here_are_the_documents_operations() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut documented = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if method != "parameters" {
                    documented.insert((path.clone(), method.clone()));
                }
            }
        }
        let listed: BTreeSet<(String, String)> = handlers()
            .into_iter()
            .flat_map(|(_, operations, _)| operations)
            .collect();
        assert_eq!(listed, documented, "keep handlers() as ApiDoc's paths");
    }

    /// Two Rust types giving one schema name leave one of them in the
    /// document, and every `$ref` to the other points at the wrong
    /// schema (an attestation's decision was once described by an
    /// application's `grant`/`decline`). Each name must stand for one
    /// schema, whoever registers it.
    #[test]
    fn every_schema_name_stands_for_one_type() {
        let mut by_name: BTreeMap<String, Vec<(&str, Value)>> = BTreeMap::new();
        let registered = handlers()
            .into_iter()
            .flat_map(|(handler, _, schemas)| schemas.into_iter().map(move |s| (handler, s)))
            .chain(components().into_iter().map(|s| ("components", s)));
        for (by, (name, schema)) in registered {
            let seen = by_name.entry(name).or_default();
            if !seen.iter().any(|(_, s)| *s == schema) {
                seen.push((by, schema));
            }
        }
        let clashes: Vec<String> = by_name
            .iter()
            .filter(|(_, schemas)| schemas.len() > 1)
            .map(|(name, schemas)| {
                let by: Vec<&str> = schemas.iter().map(|(by, _)| *by).collect();
                format!(
                    "{name}: {} different schemas, from {}",
                    schemas.len(),
                    by.join(", ")
                )
            })
            .collect();
        assert!(
            clashes.is_empty(),
            "schema names given to more than one type:\n{}",
            clashes.join("\n")
        );
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let kept = document["components"]["schemas"].as_object().unwrap();
        for (name, schemas) in &by_name {
            assert_eq!(
                kept.get(name),
                Some(&schemas[0].1),
                "{name} as the document has it"
            );
        }
    }
}
