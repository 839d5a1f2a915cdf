//! Every permission check, in one place. Handlers call these and nothing
//! else decides who may do what.
//!
//! Platform administrators may do everything a registrar may, in every
//! society. Registrars act within their own society. Members act on their
//! own person record.
//!
//! A signed-in caller with no role in a society is told 404 for anything
//! of that society's they may not see, as if it were not there (one
//! society never sees another's non-public data, nor learns which records
//! exist); 403 is for a caller with a role there who may not do this.

use crate::auth::{AuthenticatedUser, Caller, Role};
use crate::error::ApiError;

/// Any logged-in caller (401 otherwise).
pub fn require_user(caller: &Caller) -> Result<&AuthenticatedUser, ApiError> {
    match caller {
        Caller::User(user) => Ok(user),
        Caller::Anonymous => Err(ApiError::Unauthenticated),
    }
}

/// A platform administrator (401 / 403 otherwise).
pub fn require_platform_admin(caller: &Caller) -> Result<&AuthenticatedUser, ApiError> {
    let user = require_user(caller)?;
    if user.is_platform_admin {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Anyone with a role in `society_id`, or a platform administrator (401
/// without a login). Anyone else is answered 404, the answer for a path
/// no route takes: handlers check this before looking a record up, so the
/// answer is the same whether it exists or not.
pub fn require_role_in<'a>(
    caller: &'a Caller,
    society_id: &str,
) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_user(caller)?;
    if user.is_platform_admin || user.role_in(society_id).is_some() {
        Ok(user)
    } else {
        Err(ApiError::unknown_resource())
    }
}

/// The registrar of `society_id`, or a platform administrator.
pub fn require_registrar<'a>(
    caller: &'a Caller,
    society_id: &str,
) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_role_in(caller, society_id)?;
    if is_registrar(user, society_id) {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The member who is `person_id` in `society_id`, that society's registrar,
/// or a platform administrator.
pub fn require_member_or_registrar<'a>(
    caller: &'a Caller,
    society_id: &str,
    person_id: &str,
) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_role_in(caller, society_id)?;
    let is_that_person = user
        .role_in(society_id)
        .is_some_and(|r| r.person_id.as_deref() == Some(person_id));
    if is_registrar(user, society_id) || is_that_person {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Whoever may give a login `role` in `society_id`: a platform
/// administrator appoints registrars; a registrar adds members.
pub fn require_may_grant<'a>(
    caller: &'a Caller,
    society_id: &str,
    role: Role,
) -> Result<&'a AuthenticatedUser, ApiError> {
    match role {
        Role::Registrar => {
            require_role_in(caller, society_id)?;
            require_platform_admin(caller)
        }
        Role::Member => require_registrar(caller, society_id),
    }
}

/// Whether the caller may see `society_id`'s non-public data at all
/// (registrar, administrator, or any member of it).
pub fn may_see_private(caller: &Caller, society_id: &str) -> bool {
    match caller {
        Caller::Anonymous => false,
        Caller::User(user) => user.is_platform_admin || user.role_in(society_id).is_some(),
    }
}

/// Whether the caller acts as `society_id`'s registrar (or is a platform
/// administrator): for the fields only a registrar may change.
pub fn acts_as_registrar(caller: &Caller, society_id: &str) -> bool {
    match caller {
        Caller::Anonymous => false,
        Caller::User(user) => is_registrar(user, society_id),
    }
}

/// The person the caller is in `society_id`, if their login is linked to one.
pub fn person_in<'a>(caller: &'a Caller, society_id: &str) -> Option<&'a str> {
    match caller {
        Caller::Anonymous => None,
        Caller::User(user) => user.role_in(society_id)?.person_id.as_deref(),
    }
}

/// Who may confirm or reject a record of `owner`: the named `attestor` or
/// the society's registrar (or a platform administrator), and never the
/// owner, whatever their role: nobody attests their own record.
pub fn require_attestor_or_registrar<'a>(
    caller: &'a Caller,
    society_id: &str,
    owner: &str,
    attestor: Option<&str>,
) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_role_in(caller, society_id)?;
    let me = person_in(caller, society_id);
    if me == Some(owner) {
        return Err(ApiError::Forbidden);
    }
    if is_registrar(user, society_id) || (me.is_some() && me == attestor) {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Who may read one record of `owner`: the owner, the named `attestor`, or
/// the society's registrar (or a platform administrator).
pub fn require_may_read_record<'a>(
    caller: &'a Caller,
    society_id: &str,
    owner: &str,
    attestor: Option<&str>,
) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_role_in(caller, society_id)?;
    let me = person_in(caller, society_id);
    if is_registrar(user, society_id) || me == Some(owner) || (me.is_some() && me == attestor) {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

fn is_registrar(user: &AuthenticatedUser, society_id: &str) -> bool {
    user.is_platform_admin
        || user
            .role_in(society_id)
            .is_some_and(|r| r.role == Role::Registrar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::SocietyRole;

    fn user(admin: bool, roles: &[(&str, Role, Option<&str>)]) -> Caller {
        Caller::User(AuthenticatedUser {
            user_id: "u".into(),
            email: "u@example.org".into(),
            is_platform_admin: admin,
            roles: roles
                .iter()
                .map(|(s, role, person)| SocietyRole {
                    society_id: (*s).into(),
                    society_slug: (*s).into(),
                    role: *role,
                    person_id: person.map(Into::into),
                })
                .collect(),
            token_digest: "d".into(),
        })
    }

    #[test]
    fn registrars_act_only_in_their_own_society() {
        let registrar = user(false, &[("a", Role::Registrar, None)]);
        assert!(require_registrar(&registrar, "a").is_ok());
        // Another society's is not theirs to see at all.
        assert!(require_registrar(&registrar, "b").is_err_and(|e| e.is_unknown_resource()));
        assert!(matches!(
            require_registrar(&Caller::Anonymous, "a"),
            Err(ApiError::Unauthenticated)
        ));
        assert!(require_registrar(&user(true, &[]), "b").is_ok());
    }

    #[test]
    fn members_reach_only_their_own_person_record() {
        let member = user(false, &[("a", Role::Member, Some("p1"))]);
        assert!(require_member_or_registrar(&member, "a", "p1").is_ok());
        assert!(require_member_or_registrar(&member, "a", "p2").is_err());
        assert!(require_member_or_registrar(&member, "b", "p1").is_err());
        assert!(require_registrar(&member, "a").is_err());
    }

    #[test]
    fn a_role_in_the_society_turns_not_found_into_not_allowed() {
        let member = user(false, &[("a", Role::Member, Some("p1"))]);
        let elsewhere = user(false, &[("b", Role::Registrar, None)]);
        for refused in [
            require_registrar(&member, "a"),
            require_member_or_registrar(&member, "a", "p2"),
            require_may_read_record(&member, "a", "p2", None),
            require_attestor_or_registrar(&member, "a", "p1", None),
            require_may_grant(&member, "a", Role::Registrar),
        ] {
            assert!(matches!(refused, Err(ApiError::Forbidden)));
        }
        for hidden in [
            require_role_in(&elsewhere, "a"),
            require_registrar(&elsewhere, "a"),
            require_member_or_registrar(&elsewhere, "a", "p1"),
            require_may_read_record(&elsewhere, "a", "p1", None),
            require_attestor_or_registrar(&elsewhere, "a", "p1", None),
            require_may_grant(&elsewhere, "a", Role::Member),
            require_may_grant(&elsewhere, "a", Role::Registrar),
        ] {
            assert!(hidden.is_err_and(|e| e.is_unknown_resource()));
        }
        assert!(matches!(
            require_role_in(&Caller::Anonymous, "a"),
            Err(ApiError::Unauthenticated)
        ));
        assert!(require_role_in(&user(true, &[]), "a").is_ok());
    }

    #[test]
    fn only_platform_admins_appoint_registrars() {
        let registrar = user(false, &[("a", Role::Registrar, None)]);
        assert!(require_may_grant(&registrar, "a", Role::Member).is_ok());
        assert!(require_may_grant(&registrar, "a", Role::Registrar).is_err());
        assert!(require_may_grant(&user(true, &[]), "a", Role::Registrar).is_ok());
    }
}
