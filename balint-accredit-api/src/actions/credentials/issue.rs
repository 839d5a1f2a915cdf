//! What the register's actions call inside their own transaction: a
//! credential issued on a grant or a renewal ([`issue`]), and the entry's
//! status bits following its status ([`follow_status`]). Neither checks
//! permissions: the action calling them did.

use balint_core::register::{Status, StatusAction};
use chrono::NaiveDateTime;
use rand::Rng;
use serde_json::json;

use crate::db::{self, credentials as stored, register::StoredEntry, societies::Society};
use crate::error::ApiError;
use crate::vc::{bitstring, documents, proof, Issuer, Purpose};

fn internal(what: String) -> ApiError {
    ApiError::Internal(anyhow::anyhow!(what))
}

/// Issue a credential for the register entry `registration` as it now
/// stands: its latest tier, valid from its latest grant or renewal until
/// the end of its cycle (if it has one), signed with the society's newest
/// key, stored and audited. Call it inside the action's transaction, after
/// the grant or renewal is written.
pub fn issue(
    conn: &mut db::DbConnection,
    issuer: &Issuer,
    society: &Society,
    registration: &str,
    actor: Option<&str>,
    now: NaiveDateTime,
) -> Result<stored::IssuedCredential, ApiError> {
    let entry = db::register::by_registration(conn, &society.id, registration)?
        .ok_or_else(|| internal(format!("register entry {registration} missing")))?;
    let person = db::people::find(conn, &society.id, entry.entry.person().as_str())?
        .ok_or_else(|| internal(format!("the person of {registration} is missing")))?;
    let history = entry.entry.history();
    let awarded = history
        .iter()
        .rev()
        .find(|c| matches!(c.action, StatusAction::Grant | StatusAction::Renew))
        .ok_or_else(|| internal(format!("{registration} has no grant")))?;
    let tier = history
        .iter()
        .rev()
        .find_map(|c| c.tier.clone())
        .ok_or_else(|| internal(format!("{registration} has no tier")))?;
    let entered = person
        .entered_pathway_on
        .unwrap_or(entry.entry.first_accredited());
    let version = db::pathways::applicable(conn, &society.id, entered)?;
    let (tier_name, criteria) = match version
        .as_ref()
        .and_then(|v| v.pathway.tier(&tier).map(|t| (v, t)))
    {
        Some((version, rule)) => (rule.name.clone(), criteria(version, rule)),
        None => (
            tier.to_string(),
            format!(
                "Granted by {} on the decision of its registrar.",
                society.name
            ),
        ),
    };
    let bits = place(conn, &society.id, &entry, now)?;
    let (key_number, seed) = signing_key(conn, issuer, society, now)?;
    let did = issuer.did(&society.slug);
    let id = uuid::Uuid::new_v4().to_string();
    let holder_name = match person.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(title) => format!("{title} {}", person.name()),
        None => person.name(),
    };
    let accreditation = documents::Accreditation {
        id: format!("urn:uuid:{id}"),
        issuer_did: did.clone(),
        society_name: society.name.clone(),
        register_url: issuer.register_url(&society.slug),
        holder_name,
        registration: registration.to_owned(),
        tier: tier.to_string(),
        tier_name,
        criteria,
        valid_from: awarded.effective,
        valid_until: entry.entry.valid_until(),
        status: Purpose::ALL
            .into_iter()
            .map(|p| {
                (
                    p,
                    issuer.status_list_url(&society.slug, p),
                    bits.status_index,
                )
            })
            .collect(),
    };
    let document = documents::achievement_credential(&accreditation);
    let signed = proof::as_proof_set(proof::sign(
        &document,
        &seed,
        &documents::verification_method(&did, key_number),
        &documents::instant(now),
    ));
    let issued = stored::IssuedCredential {
        id: id.clone(),
        society_id: society.id.clone(),
        entry_id: entry.id.clone(),
        tier: tier.to_string(),
        key_number,
        issued_at: now,
        document: serde_json::to_string_pretty(&signed)
            .map_err(|e| internal(format!("credential: {e}")))?,
    };
    stored::insert_credential(conn, &issued)?;
    db::audit::record(
        conn,
        db::audit::Change {
            actor_user_id: actor,
            society_id: Some(&society.id),
            action: db::audit::Action::Create,
            entity: db::audit::Entity::Credential,
            entity_id: &id,
            before: None,
            after: Some(json!({
                "registration": registration,
                "tier": tier,
                "valid_from": accreditation.valid_from,
                "valid_until": accreditation.valid_until,
                "issuer": did,
                "key": key_number,
                "status_index": bits.status_index,
            })),
            at: now,
        },
    )?;
    Ok(issued)
}

/// What a tier asks for, in words, from its pathway version.
fn criteria(version: &db::pathways::PathwayVersion, tier: &balint_core::pathway::Tier) -> String {
    let mut text = format!(
        "Granted under the pathway \"{}\" ({}) of the society.",
        version.summary.title, version.summary.version_label
    );
    if !tier.prerequisites.is_empty() {
        let held: Vec<String> = tier
            .prerequisites
            .iter()
            .map(|p| {
                let name = version
                    .pathway
                    .tier(&p.tier)
                    .map_or_else(|| p.tier.to_string(), |t| t.name.clone());
                match p.min_months {
                    Some(months) => format!("{name} for at least {months} months"),
                    None => name,
                }
            })
            .collect();
        text.push_str(&format!(" Held first: {}.", held.join("; ")));
    }
    if !tier.requirements.is_empty() {
        let asked: Vec<String> = tier
            .requirements
            .iter()
            .map(|r| format!("{} ({})", r.title, r.level.as_str()))
            .collect();
        text.push_str(&format!(" Requirements: {}.", asked.join("; ")));
    }
    if let Some(renewal) = &tier.renewal {
        text.push_str(&format!(" Renewed every {} months.", renewal.cycle_months));
    }
    if let Some(note) = &tier.note {
        text.push_str(&format!(" {note}"));
    }
    text
}

/// The entry's place in its society's status lists: drawn at random among
/// the free indexes the first time, its bits set from the entry's status.
fn place(
    conn: &mut db::DbConnection,
    society_id: &str,
    entry: &StoredEntry,
    now: NaiveDateTime,
) -> Result<stored::StatusBits, ApiError> {
    if let Some(bits) = stored::status_of(conn, &entry.id)? {
        return Ok(bits);
    }
    let length = i32::try_from(bitstring::LIST_LENGTH).unwrap_or(i32::MAX);
    for _ in 0..64 {
        let index = rand::thread_rng().gen_range(0..length);
        if stored::status_at(conn, society_id, index)?.is_none() {
            let status = entry.entry.status();
            let bits = stored::StatusBits {
                entry_id: entry.id.clone(),
                society_id: society_id.to_owned(),
                status_index: index,
                suspended: status == Status::Suspended,
                revoked: status == Status::Revoked,
                updated_at: now,
            };
            stored::insert_status(conn, &bits)?;
            return Ok(bits);
        }
    }
    Err(internal(format!(
        "no free place in the status lists of society {society_id}"
    )))
}

/// Set the entry's status bits from its status, where it has credentials:
/// the suspension bit on while it is suspended, off otherwise; the
/// revocation bit on once it is revoked, and never off again. Call it
/// inside the transaction that changes the entry's status.
pub fn follow_status(
    conn: &mut db::DbConnection,
    entry: &StoredEntry,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let Some(bits) = stored::status_of(conn, &entry.id)? else {
        return Ok(());
    };
    let status = entry.entry.status();
    let suspended = status == Status::Suspended;
    let revoked = bits.revoked || status == Status::Revoked;
    if (suspended, revoked) != (bits.suspended, bits.revoked) {
        stored::set_bits(conn, &entry.id, suspended, revoked, now)?;
    }
    Ok(())
}

/// The society's newest key, its private half opened with the credential
/// key; the first is made on first use.
pub(super) fn signing_key(
    conn: &mut db::DbConnection,
    issuer: &Issuer,
    society: &Society,
    now: NaiveDateTime,
) -> Result<(i32, [u8; 32]), ApiError> {
    let newest = keys_or_first(conn, issuer, society, now)?
        .into_iter()
        .last()
        .ok_or_else(|| internal(format!("society {} has no key", society.slug)))?;
    let seed = issuer
        .key
        .open(&society.id, newest.number, &newest.sealed_secret)
        .map_err(|e| {
            internal(format!(
                "issuer key {} of {}: {e}",
                newest.number, society.slug
            ))
        })?;
    Ok((newest.number, seed))
}

/// The society's keys, oldest first; its first is made if it has none,
/// under a savepoint: when another transaction makes it at the same
/// moment, theirs stands and is read.
pub(super) fn keys_or_first(
    conn: &mut db::DbConnection,
    issuer: &Issuer,
    society: &Society,
    now: NaiveDateTime,
) -> Result<Vec<stored::IssuerKey>, ApiError> {
    let keys = stored::keys(conn, &society.id)?;
    if !keys.is_empty() {
        return Ok(keys);
    }
    let made = diesel::Connection::transaction::<_, ApiError, _>(conn, |conn| {
        new_key(conn, issuer, society, 1, now).map(|_| ())
    });
    match made {
        Ok(()) | Err(ApiError::Conflict(_)) => stored::keys(conn, &society.id),
        Err(e) => Err(e),
    }
}

/// Make, seal and store the society's key numbered `number`.
pub(super) fn new_key(
    conn: &mut db::DbConnection,
    issuer: &Issuer,
    society: &Society,
    number: i32,
    now: NaiveDateTime,
) -> Result<stored::IssuerKey, ApiError> {
    let (seed, public) = crate::vc::keys::generate();
    let key = stored::IssuerKey {
        society_id: society.id.clone(),
        number,
        public_key: public.to_vec(),
        sealed_secret: issuer.key.seal(&society.id, number, &seed),
        created_at: now,
    };
    stored::insert_key(conn, &key)?;
    Ok(key)
}
