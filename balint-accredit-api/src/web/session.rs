//! Signing in on the web: the session cookie (an API token, stored like
//! every other token: only its digest is kept) and CSRF tokens for forms.
//!
//! A signed-in form carries a CSRF token derived from the session token,
//! which only the browser holding the HttpOnly cookie knows; the sign-in
//! form, before there is a session, carries a random value that must match
//! a short-lived cookie (double submit).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::auth::{tokens, AuthenticatedUser, Caller};
use crate::db;
use crate::web::PageError;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "balint_session";
/// The cookie holding the sign-in form's CSRF value.
pub const LOGIN_CSRF_COOKIE: &str = "balint_login_csrf";

/// Who is looking at a page: anonymous, or signed in by the session cookie.
/// An unknown, expired or revoked session reads as anonymous.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The caller, for the same permission checks as the API.
    pub caller: Caller,
    token: Option<String>,
}

impl Viewer {
    /// Nobody signed in.
    pub fn anonymous() -> Self {
        Self {
            caller: Caller::Anonymous,
            token: None,
        }
    }

    /// The signed-in login, if any.
    pub fn user(&self) -> Option<&AuthenticatedUser> {
        match &self.caller {
            Caller::User(user) => Some(user),
            Caller::Anonymous => None,
        }
    }

    /// The CSRF token every form of this session carries.
    pub fn csrf(&self) -> Option<String> {
        self.token.as_deref().map(csrf_of)
    }

    /// Refuse a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        match self.csrf() {
            Some(expected) if same(&expected, sent) => Ok(()),
            _ => Err(PageError::Csrf),
        }
    }
}

fn csrf_of(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("balint-web-csrf\0{session_token}").as_bytes(),
    ))
}

/// Compare without stopping at the first difference, so timing does not
/// reveal how much of a guess was right.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequest for Viewer {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .cookie(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|t| !t.is_empty());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Ok(Self::anonymous());
            };
            let digest = tokens::digest(&token);
            let user = db::run(&state.pool, move |conn| {
                db::sessions::authenticate(conn, &digest, db::now())
            })
            .await?;
            Ok(match user {
                Some(user) => Self {
                    caller: Caller::User(user),
                    token: Some(token),
                },
                None => Self::anonymous(),
            })
        })
    }
}

/// The session cookie for a new session of `lifetime`.
pub fn session_cookie(token: String, lifetime: chrono::Duration, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(lifetime.num_seconds()))
        .finish()
}

/// A cookie that makes the browser forget `name`.
pub fn removal(name: &'static str, path: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}

/// The sign-in form's CSRF cookie.
pub fn login_csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(LOGIN_CSRF_COOKIE, value)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::hours(2))
        .finish()
}

/// Whether a browser will refuse to keep this site's `Secure` cookies for
/// `req`: they are marked `Secure` (`--cookie-secure`, on by default) and
/// the request did not come over HTTPS (see
/// [`crate::conventions::over_https`]), from a host that is not this
/// machine (browsers keep `Secure` cookies for `localhost` and loopback
/// addresses such as `127.0.0.1`). Signing in then fails with "the form
/// was out of date", because the sign-in form's cookie never comes back.
/// The first time, a warning is logged.
pub fn cookies_will_be_dropped(req: &HttpRequest, cookie_secure: bool) -> bool {
    if !cookie_secure || crate::conventions::over_https(req) {
        return false;
    }
    let info = req.connection_info();
    let host = info.host();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let loopback = name
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    if loopback || name == "localhost" || name.ends_with(".localhost") {
        return false;
    }
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            host = %host,
            "the sign-in page was opened over plain HTTP while the session cookie is Secure: \
             browsers will not keep it and signing in fails; serve the site over HTTPS \
             (behind a proxy named in TRUSTED_PROXIES that sends X-Forwarded-Proto: https), \
             or start the server with --cookie-secure false on a private network"
        );
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_token_belongs_to_one_session() {
        let a = Viewer {
            caller: Caller::Anonymous,
            token: Some("session-a".into()),
        };
        let b_token = csrf_of("session-b");
        let a_token = a.csrf().unwrap_or_default();
        assert_eq!(a_token.len(), 64);
        assert!(a.check_csrf(&a_token).is_ok());
        assert!(a.check_csrf(&b_token).is_err());
        assert!(a.check_csrf("").is_err());
        assert!(Viewer::anonymous().check_csrf("").is_err());
    }
}
