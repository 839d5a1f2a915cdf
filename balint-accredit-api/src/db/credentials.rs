//! Verifiable credentials as stored: the issuers' keys (sealed), each
//! register entry's place and bits in its society's status lists, and the
//! credentials issued.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{credential_statuses, credentials, issuer_keys};
use crate::db::DbConnection;
use crate::error::ApiError;

/// An issuer's key: the public half, and the private half sealed under
/// the credential key.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = issuer_keys)]
pub struct IssuerKey {
    pub society_id: String,
    /// 1 for the first key, then one more for each rotation.
    pub number: i32,
    pub public_key: Vec<u8>,
    pub sealed_secret: Vec<u8>,
    pub created_at: NaiveDateTime,
}

/// Every key of `society_id`, oldest first.
pub fn keys(conn: &mut DbConnection, society_id: &str) -> Result<Vec<IssuerKey>, ApiError> {
    Ok(issuer_keys::table
        .filter(issuer_keys::society_id.eq(society_id))
        .order(issuer_keys::number.asc())
        .select(IssuerKey::as_select())
        .load(conn)?)
}

/// Store a new key.
pub fn insert_key(conn: &mut DbConnection, key: &IssuerKey) -> Result<(), ApiError> {
    diesel::insert_into(issuer_keys::table)
        .values(key)
        .execute(conn)?;
    Ok(())
}

/// A register entry's index in its society's status lists, and its bits.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = credential_statuses)]
pub struct StatusBits {
    pub entry_id: String,
    pub society_id: String,
    pub status_index: i32,
    pub suspended: bool,
    pub revoked: bool,
    pub updated_at: NaiveDateTime,
}

/// The status bits of entry `entry_id`, if it has a place in the lists.
pub fn status_of(conn: &mut DbConnection, entry_id: &str) -> Result<Option<StatusBits>, ApiError> {
    Ok(credential_statuses::table
        .find(entry_id)
        .select(StatusBits::as_select())
        .first(conn)
        .optional()?)
}

/// The status bits at `index` of society `society_id`'s lists.
pub fn status_at(
    conn: &mut DbConnection,
    society_id: &str,
    index: i32,
) -> Result<Option<StatusBits>, ApiError> {
    Ok(credential_statuses::table
        .filter(credential_statuses::society_id.eq(society_id))
        .filter(credential_statuses::status_index.eq(index))
        .select(StatusBits::as_select())
        .first(conn)
        .optional()?)
}

/// Give an entry its place in the lists.
pub fn insert_status(conn: &mut DbConnection, bits: &StatusBits) -> Result<(), ApiError> {
    diesel::insert_into(credential_statuses::table)
        .values(bits)
        .execute(conn)?;
    Ok(())
}

/// Set an entry's two bits.
pub fn set_bits(
    conn: &mut DbConnection,
    entry_id: &str,
    suspended: bool,
    revoked: bool,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(credential_statuses::table.find(entry_id))
        .set((
            credential_statuses::suspended.eq(suspended),
            credential_statuses::revoked.eq(revoked),
            credential_statuses::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The indexes of society `society_id` whose suspension (or revocation)
/// bit is on.
pub fn indexes_set(
    conn: &mut DbConnection,
    society_id: &str,
    revocation: bool,
) -> Result<Vec<i32>, ApiError> {
    let query = credential_statuses::table
        .filter(credential_statuses::society_id.eq(society_id))
        .select(credential_statuses::status_index)
        .into_boxed();
    let query = if revocation {
        query.filter(credential_statuses::revoked.eq(true))
    } else {
        query.filter(credential_statuses::suspended.eq(true))
    };
    Ok(query.load(conn)?)
}

/// A credential as issued.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials)]
pub struct IssuedCredential {
    /// The credential's UUID (its id is `urn:uuid:` and this).
    pub id: String,
    pub society_id: String,
    pub entry_id: String,
    pub tier: String,
    /// The number of the key that signed it.
    pub key_number: i32,
    pub issued_at: NaiveDateTime,
    /// The signed credential, as handed out.
    pub document: String,
}

/// Store an issued credential.
pub fn insert_credential(
    conn: &mut DbConnection,
    issued: &IssuedCredential,
) -> Result<(), ApiError> {
    diesel::insert_into(credentials::table)
        .values(issued)
        .execute(conn)?;
    Ok(())
}

/// The latest credential issued for entry `entry_id`.
pub fn latest_for_entry(
    conn: &mut DbConnection,
    entry_id: &str,
) -> Result<Option<IssuedCredential>, ApiError> {
    Ok(credentials::table
        .filter(credentials::entry_id.eq(entry_id))
        .order((credentials::issued_at.desc(), credentials::id.desc()))
        .select(IssuedCredential::as_select())
        .first(conn)
        .optional()?)
}

/// The credential of UUID `id`.
pub fn by_id(conn: &mut DbConnection, id: &str) -> Result<Option<IssuedCredential>, ApiError> {
    Ok(credentials::table
        .find(id)
        .select(IssuedCredential::as_select())
        .first(conn)
        .optional()?)
}
