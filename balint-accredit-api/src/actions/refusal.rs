//! What many actions refuse alike, in the users' words: who is asking and
//! whether they may ([`Access`]), and the store failing under an action
//! ([`Failure`]). The use cases with the most rules have an error type of
//! their own ([`AttestError`](super::ledger::AttestError),
//! [`ApplyError`](super::applications::ApplyError),
//! [`DecideError`](super::applications::DecideError),
//! [`GrantError`](super::register::grant::GrantError),
//! [`StatusError`](super::register::status::StatusError),
//! [`RenewError`](super::register::renew::RenewError)) that carries these
//! two beside its own refusals. None of them knows HTTP: `crate::error`
//! maps them to problem+json once, and the pages show them through that.

use crate::auth::{permissions, AuthenticatedUser, Caller};
use crate::db::{self, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::state::AppState;

/// Who is asking, and whether they may: the checks an action starts with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Access {
    /// Nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// There is no society with this slug.
    #[error("no society {0}")]
    NoSuchSociety(String),
    /// Signed in, but with no role in the society: told the same as a
    /// thing that is not there, so they learn nothing of it.
    #[error("not a member of this society")]
    NotInSociety,
    /// A role in the society, but not its registrar (nor a platform
    /// administrator).
    #[error("not this society's registrar")]
    NotRegistrar,
}

impl Access {
    /// The signed-in caller.
    pub fn signed_in(caller: &Caller) -> Result<&AuthenticatedUser, Self> {
        permissions::require_user(caller).map_err(|_| Self::NotSignedIn)
    }

    /// A caller with a role in `society_id` (or a platform administrator).
    pub fn in_society<'a>(
        caller: &'a Caller,
        society_id: &str,
    ) -> Result<&'a AuthenticatedUser, Self> {
        Self::signed_in(caller)?;
        permissions::require_role_in(caller, society_id).map_err(|_| Self::NotInSociety)
    }

    /// The registrar of `society_id` (or a platform administrator).
    pub fn registrar<'a>(
        caller: &'a Caller,
        society_id: &str,
    ) -> Result<&'a AuthenticatedUser, Self> {
        Self::in_society(caller, society_id)?;
        permissions::require_registrar(caller, society_id).map_err(|_| Self::NotRegistrar)
    }
}

/// The store failed under an action: not one of its refusals.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The database cannot be reached, or did not answer in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else the layers beneath the action answered, passed on
    /// as they said it: a bug, a row another change took at the same
    /// moment, or a refusal of code the actions share (e.g. a society
    /// with no pathway yet, when a person's progress is assessed).
    #[error(transparent)]
    Store(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unavailable(cause) => Self::Unavailable(cause),
            other => Self::Store(other),
        }
    }
}

/// The society `slug`, if there is one.
pub fn find_society(conn: &mut DbConnection, slug: &str) -> Result<Option<Society>, ApiError> {
    match db::societies::by_slug(conn, slug) {
        Ok(society) => Ok(Some(society)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The society `slug`, in `E`, the action's own error type.
pub async fn society<E>(state: &AppState, slug: String) -> Result<Society, E>
where
    E: From<Access> + db::WorkError,
{
    db::run_as(&state.pool, move |conn| {
        find_society(conn, &slug)?.ok_or_else(|| E::from(Access::NoSuchSociety(slug)))
    })
    .await
}

/// The society `slug` and the login id of its registrar calling: the
/// check most registrar's actions start with, in `E`, the action's own
/// error type.
pub async fn registrar<E>(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<(Society, String), E>
where
    E: From<Access> + db::WorkError,
{
    Access::signed_in(caller)?;
    let society = society::<E>(state, slug).await?;
    let actor = Access::registrar(caller, &society.id)?.user_id.clone();
    Ok((society, actor))
}

/// The conversions of a use-case error with a `Failed(Failure)` variant:
/// what the database answers (an [`ApiError`] or a diesel error) becomes
/// `Failed`, and [`db::WorkError`] knows the unavailable database in it.
macro_rules! failed_as {
    ($error:ident) => {
        impl From<$crate::error::ApiError> for $error {
            fn from(e: $crate::error::ApiError) -> Self {
                Self::Failed(e.into())
            }
        }

        impl From<diesel::result::Error> for $error {
            fn from(e: diesel::result::Error) -> Self {
                Self::Failed($crate::error::ApiError::from(e).into())
            }
        }

        impl $crate::db::WorkError for $error {
            fn unavailable(&self) -> bool {
                matches!(
                    self,
                    Self::Failed($crate::actions::refusal::Failure::Unavailable(_))
                )
            }
        }
    };
}
pub(crate) use failed_as;
