//! Who is calling: anonymous, or a login with its roles.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::tokens;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::openapi::Login;

/// A login's role in one society.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the society: pathways, people, decisions, the register, audit.
    Registrar,
    /// A trainee or leader: their own records and progress.
    Member,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registrar => "registrar",
            Self::Member => "member",
        }
    }
}

impl FromStr for Role {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "registrar" => Ok(Self::Registrar),
            "member" => Ok(Self::Member),
            other => Err(anyhow::anyhow!("unknown role {other:?}")),
        }
    }
}

/// One role of a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocietyRole {
    /// The society's internal id.
    pub society_id: String,
    /// The society's slug.
    pub society_slug: String,
    /// The role there.
    pub role: Role,
    /// The person record this login is, in that society, if linked.
    pub person_id: Option<String>,
}

/// A caller who presented a valid token.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    /// The login's id.
    pub user_id: String,
    /// The login's email.
    pub email: String,
    /// Platform administrators may do anything in every society.
    pub is_platform_admin: bool,
    /// Roles by society.
    pub roles: Vec<SocietyRole>,
    /// The digest of the token used, so logout can revoke exactly it.
    pub token_digest: String,
}

impl AuthenticatedUser {
    /// The role held in `society_id`, if any.
    pub fn role_in(&self, society_id: &str) -> Option<&SocietyRole> {
        self.roles.iter().find(|r| r.society_id == society_id)
    }
}

/// Who is calling. Extracting it checks the bearer token: no header means
/// anonymous; a header with an unknown, expired or revoked token is a 401.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No token given.
    Anonymous,
    /// A valid token.
    User(AuthenticatedUser),
}

fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Some(token.trim().to_owned()))
}

/// The caller of a request, resolved by [`authenticate`] before the
/// handler's extractors run; taken by the handler's [`Caller`].
struct Resolved(Caller);

/// Who presented the request's token: anonymous without an
/// `Authorization` header, 401 for a token that is unknown, expired or
/// revoked.
async fn resolve(
    token: Result<Option<String>, ApiError>,
    pool: Option<DbPool>,
) -> Result<Caller, ApiError> {
    let Some(token) = token? else {
        return Ok(Caller::Anonymous);
    };
    let pool =
        pool.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
    let digest = tokens::digest(&token);
    let user = db::run(&pool, move |conn| {
        db::sessions::authenticate(conn, &digest, db::now())
    })
    .await?;
    user.map(Caller::User).ok_or(ApiError::Unauthenticated)
}

/// The authentication step of every API route, run once the route is
/// known and before its handler reads anything. For an operation the
/// OpenAPI document gives a `security` ([`crate::openapi::login`]), the
/// caller is resolved from the bearer token here, so the handler's
/// [`Caller`] is ready before any other input is read; where a login is
/// required, a caller without a valid token is answered 401 here,
/// whatever the body or query string says (the caller is checked before
/// the input). What a caller may do is still for the handler's permission
/// checks.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let login = req
        .match_pattern()
        .and_then(|pattern| crate::openapi::login(req.method(), &pattern));
    if let Some(login) = login {
        let pool = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.pool.clone());
        let caller = match resolve(bearer_token(req.request()), pool).await {
            Ok(Caller::Anonymous) if login == Login::Required => Err(ApiError::Unauthenticated),
            resolved => resolved,
        };
        match caller {
            Ok(caller) => {
                req.extensions_mut().insert(Resolved(caller));
            }
            Err(error) => return Ok(req.error_response(error)),
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Resolved already by `authenticate`: ready at once, so no other
        // extractor's answer comes before the caller's.
        if let Some(Resolved(caller)) = req.extensions_mut().remove::<Resolved>() {
            return Box::pin(std::future::ready(Ok(caller)));
        }
        let token = bearer_token(req);
        let pool = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.pool.clone());
        Box::pin(resolve(token, pool))
    }
}
