//! The OpenAPI 3 document, generated from the handlers.

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
        routes::users::create,
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
        routes::activities::create,
        routes::activities::list,
        routes::activities::bulk,
        routes::activities::export,
        routes::activities::show,
        routes::activities::update,
        routes::activities::withdraw,
        routes::attestations::attest,
        routes::attestations::mine,
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
        (name = "applications", description = "Applications for a tier, with the assessment frozen when made, the registrar's decisions, and recorded overrides of requirements (recognition of prior learning, committee discretion)"),
    )
)]
pub struct ApiDoc;

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
