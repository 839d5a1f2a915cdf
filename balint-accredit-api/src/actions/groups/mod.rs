//! A society's Balint groups: the registrar creates and changes them and
//! names their leaders and members, with the days they start and end; a
//! group's leaders (and members) read it; its leaders (or the registrar)
//! plan its sessions ahead ([`plans`]); its leaders record its sessions
//! ([`sessions`]).
//!
//! Groups hold no clinical content: a session keeps counts (cases
//! presented, follow-ups), never what a case was about. What is said in a
//! Balint group stays in the group.

pub mod plans;
pub mod sessions;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::auth::{permissions, Caller};
use crate::db::groups::{Delivery, Group, Leader, LeaderRole, Member, Term};
use crate::db::{self, audit, people::Person, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// Longest group name, in characters.
pub const MAX_NAME: usize = 200;
/// Longest session a group may have, in minutes.
pub const MAX_MINUTES: u32 = 600;

/// A group's fields as a request gives them: for a new group, `name`,
/// `term`, `delivery` and `usual_minutes` are required; for a change, only
/// the fields given change (`Some(None)` clears an optional one).
#[derive(Debug, Clone, Default)]
pub struct GroupFields {
    pub name: Option<String>,
    pub audience: Option<Option<String>>,
    pub term: Option<Term>,
    pub starts_on: Option<Option<NaiveDate>>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub delivery: Option<Delivery>,
    pub usual_minutes: Option<u32>,
}

/// A group with its leaders and members, and their names.
#[derive(Debug, Clone)]
pub struct GroupDetail {
    pub group: Group,
    pub leaders: Vec<Leader>,
    pub members: Vec<Member>,
    /// The people the group names, by id.
    pub people: Vec<Person>,
}

impl GroupDetail {
    /// The name of person `id`, as shown.
    pub fn name_of(&self, id: &str) -> String {
        self.people
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_owned(), Person::name)
    }

    /// The leaders on `day`, leader before co-leader.
    pub fn leaders_on(&self, day: NaiveDate) -> Vec<&Leader> {
        let mut on: Vec<&Leader> = self.leaders.iter().filter(|l| l.on(day)).collect();
        on.sort_by_key(|l| (l.role != LeaderRole::Leader, l.from_on));
        on
    }

    /// The members on `day`.
    pub fn members_on(&self, day: NaiveDate) -> Vec<&Member> {
        self.members.iter().filter(|m| m.on(day)).collect()
    }

    /// The person the group names by `key`: their id, or their e-mail
    /// address without regard to case.
    pub fn person_by(&self, key: &str) -> Option<&Person> {
        let key = key.trim();
        self.people.iter().find(|p| p.id == key).or_else(|| {
            self.people.iter().find(|p| {
                p.email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(key))
            })
        })
    }
}

fn refused(mut problems: Vec<FieldProblem>) -> ApiError {
    problems.sort_by(|a, b| a.field.cmp(&b.field));
    ApiError::Unprocessable {
        detail: "the request has invalid fields".to_owned(),
        errors: problems,
    }
}

/// The group's values as the audit log keeps them.
fn audit_value(g: &Group) -> Value {
    json!({
        "name": g.name,
        "audience": g.audience,
        "term": g.term.as_str(),
        "starts_on": g.starts_on,
        "ends_on": g.ends_on,
        "delivery": g.delivery.as_str(),
        "usual_minutes": g.usual_minutes,
    })
}

fn audit_group<'a>(
    actor: &'a str,
    g: &'a Group,
    action: audit::Action,
    before: Option<Value>,
    after: Option<Value>,
) -> audit::Change<'a> {
    audit::Change {
        actor_user_id: Some(actor),
        society_id: Some(&g.society_id),
        action,
        entity: audit::Entity::Group,
        entity_id: &g.id,
        before,
        after,
        at: g.updated_at,
    }
}

/// Apply `fields` to `g`, and every problem of the result.
fn apply(g: &mut Group, fields: GroupFields, problems: &mut Vec<FieldProblem>) {
    if let Some(name) = fields.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            problems.push(FieldProblem::new(
                "name",
                format!("must be between 1 and {MAX_NAME} characters"),
            ));
        }
        g.name = name;
    }
    if let Some(audience) = fields.audience {
        let audience = audience
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        if audience
            .as_ref()
            .is_some_and(|a| a.chars().count() > MAX_NAME)
        {
            problems.push(FieldProblem::new(
                "audience",
                format!("must be at most {MAX_NAME} characters"),
            ));
        }
        g.audience = audience;
    }
    if let Some(term) = fields.term {
        g.term = term;
    }
    if let Some(starts) = fields.starts_on {
        g.starts_on = starts;
    }
    if let Some(ends) = fields.ends_on {
        g.ends_on = ends;
    }
    if let Some(delivery) = fields.delivery {
        g.delivery = delivery;
    }
    if let Some(minutes) = fields.usual_minutes {
        g.usual_minutes = minutes;
    }
    if !(1..=MAX_MINUTES).contains(&g.usual_minutes) {
        problems.push(FieldProblem::new(
            "usual_minutes",
            format!("must be from 1 to {MAX_MINUTES}"),
        ));
    }
    match g.term {
        Term::FixedTerm => {
            if g.starts_on.is_none() {
                problems.push(FieldProblem::new(
                    "starts_on",
                    "is required for a fixed term",
                ));
            }
            if g.ends_on.is_none() {
                problems.push(FieldProblem::new("ends_on", "is required for a fixed term"));
            }
        }
        Term::Ongoing => {
            if g.ends_on.is_some() {
                problems.push(FieldProblem::new(
                    "ends_on",
                    "is only for a fixed term: an ongoing group has no end date",
                ));
            }
        }
    }
    if let (Some(s), Some(e)) = (g.starts_on, g.ends_on) {
        if e < s {
            problems.push(FieldProblem::new("ends_on", "must not be before starts_on"));
        }
    }
}

/// Create a group in society `slug` (registrar): `name`, `term`,
/// `delivery` and `usual_minutes` required; a fixed term needs its first
/// and last day. Every problem is refused at once; a name the society
/// already uses is a conflict. The audit log keeps it.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    slug: String,
    fields: GroupFields,
) -> Result<(Society, GroupDetail), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let mut problems = Vec::new();
    for (field, missing) in [
        ("name", fields.name.is_none()),
        ("term", fields.term.is_none()),
        ("delivery", fields.delivery.is_none()),
        ("usual_minutes", fields.usual_minutes.is_none()),
    ] {
        if missing {
            problems.push(FieldProblem::new(field, "is required"));
        }
    }
    let now = db::now();
    let mut group = Group {
        id: uuid::Uuid::new_v4().to_string(),
        society_id: society.id.clone(),
        name: String::new(),
        audience: None,
        term: Term::Ongoing,
        starts_on: None,
        ends_on: None,
        delivery: Delivery::InPerson,
        usual_minutes: 90,
        created_at: now,
        updated_at: now,
    };
    apply(&mut group, fields, &mut problems);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let detail = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            name_free(conn, &group)?;
            db::groups::insert(conn, &group)?;
            audit::record(
                conn,
                audit_group(
                    &actor,
                    &group,
                    audit::Action::Create,
                    None,
                    Some(audit_value(&group)),
                ),
            )?;
            detail_of(conn, group.clone())
        })
    })
    .await?;
    Ok((society, detail))
}

fn name_free(conn: &mut DbConnection, group: &Group) -> Result<(), ApiError> {
    let mut page = PageRequest {
        page: 1,
        per_page: 100,
    };
    loop {
        let found = db::groups::list(conn, &group.society_id, None, page)?;
        if found
            .items
            .iter()
            .any(|g| g.id != group.id && g.name.trim().to_lowercase() == group.name.to_lowercase())
        {
            return Err(ApiError::Conflict(format!(
                "the society already has a group named {:?}",
                group.name
            )));
        }
        if i64::from(page.page) * i64::from(page.per_page) >= found.total {
            return Ok(());
        }
        page.page += 1;
    }
}

fn detail_of(conn: &mut DbConnection, group: Group) -> Result<GroupDetail, ApiError> {
    let leaders = db::groups::leaders(conn, &group.id)?;
    let members = db::groups::members(conn, &group.id)?;
    let mut ids: Vec<String> = leaders
        .iter()
        .map(|l| l.person_id.clone())
        .chain(members.iter().map(|m| m.person_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let people = db::people::named(conn, &group.society_id, &ids)?;
    Ok(GroupDetail {
        group,
        leaders,
        members,
        people,
    })
}

/// Who reads a group: its society's registrar, or a person who leads or
/// belongs to it (now or before). A caller with no role in the society is
/// told it is not there; one with a role who is neither, forbidden.
fn may_read(caller: &Caller, society_id: &str, detail: &GroupDetail) -> Result<(), ApiError> {
    permissions::require_role_in(caller, society_id)?;
    if permissions::acts_as_registrar(caller, society_id) {
        return Ok(());
    }
    let me = permissions::person_in(caller, society_id);
    let known = me.is_some_and(|me| {
        detail.leaders.iter().any(|l| l.person_id == me)
            || detail.members.iter().any(|m| m.person_id == me)
    });
    if known {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The group and society, read by whoever may read it.
pub(crate) async fn readable(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
) -> Result<(Society, GroupDetail), ApiError> {
    permissions::require_user(caller)?;
    let asking = caller.clone();
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        permissions::require_role_in(&asking, &society.id)?;
        let group = db::groups::find(conn, &society.id, &group_id)?
            .ok_or_else(|| ApiError::NotFound(format!("group {group_id}")))?;
        let detail = detail_of(conn, group)?;
        may_read(&asking, &society.id, &detail)?;
        Ok((society, detail))
    })
    .await
}

/// The group of `society` named by `group` (its id, or its name without
/// regard to case) with its leaders and members, for the operator (the
/// command line, trusted with every society); not found when there is none.
pub fn group_for_operator(
    conn: &mut DbConnection,
    _operator: crate::actions::Operator,
    society: &Society,
    group: &str,
) -> Result<GroupDetail, ApiError> {
    if let Some(found) = db::groups::find(conn, &society.id, group)? {
        return detail_of(conn, found);
    }
    let wanted = group.trim().to_lowercase();
    let mut page = PageRequest {
        page: 1,
        per_page: 100,
    };
    loop {
        let found = db::groups::list(conn, &society.id, None, page)?;
        if let Some(g) = found
            .items
            .into_iter()
            .find(|g| g.name.trim().to_lowercase() == wanted)
        {
            return detail_of(conn, g);
        }
        if i64::from(page.page) * i64::from(page.per_page) >= found.total {
            return Err(ApiError::NotFound(format!(
                "no group {group} in society {}",
                society.slug
            )));
        }
        page.page += 1;
    }
}

/// Group `group_id` of society `slug`, with its leaders and members: the
/// registrar, or someone who leads or belongs to it.
pub async fn one(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
) -> Result<(Society, GroupDetail), ApiError> {
    readable(state, caller, slug, group_id).await
}

/// A page of society `slug`'s groups by name: all of them for the
/// registrar, the ones the caller leads or belongs to for anyone else
/// with a role in the society.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    page: Result<PageRequest, ApiError>,
) -> Result<(Society, Page<Group>), ApiError> {
    permissions::require_user(caller)?;
    let asking = caller.clone();
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        permissions::require_role_in(&asking, &society.id)?;
        let page = page?;
        let found = if permissions::acts_as_registrar(&asking, &society.id) {
            db::groups::list(conn, &society.id, None, page)?
        } else {
            match permissions::person_in(&asking, &society.id) {
                Some(me) => db::groups::list(conn, &society.id, Some(me), page)?,
                None => Page::new(Vec::new(), page, 0),
            }
        };
        Ok((society, found))
    })
    .await
}

/// The group as the registrar changes it, and the registrar's login.
async fn managed(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
) -> Result<(Society, Group, String), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let society_id = society.id.clone();
    let group = db::run(&state.pool, move |conn| {
        db::groups::find(conn, &society_id, &group_id)?
            .ok_or_else(|| ApiError::NotFound(format!("group {group_id}")))
    })
    .await?;
    Ok((society, group, actor))
}

/// Change group `group_id` of society `slug` (registrar): only the fields
/// given change. Every problem is refused at once; the audit log keeps the
/// values before and after.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    fields: GroupFields,
) -> Result<(Society, GroupDetail), ApiError> {
    let (society, before, actor) = managed(state, caller, slug, group_id).await?;
    let mut group = before.clone();
    let mut problems = Vec::new();
    apply(&mut group, fields, &mut problems);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    group.updated_at = db::now();
    let detail = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            name_free(conn, &group)?;
            db::groups::update(conn, &group)?;
            audit::record(
                conn,
                audit_group(
                    &actor,
                    &group,
                    audit::Action::Update,
                    Some(audit_value(&before)),
                    Some(audit_value(&group)),
                ),
            )?;
            detail_of(conn, group.clone())
        })
    })
    .await?;
    Ok((society, detail))
}

/// A leader or member to add: who, and from which day.
#[derive(Debug, Clone)]
pub struct Joining {
    pub person: String,
    /// Leader or co-leader; for a member, `None`.
    pub role: Option<LeaderRole>,
    pub from: NaiveDate,
}

/// Add a leader (with `role`) or a member (without) to group `group_id`
/// of society `slug` (registrar), from `from`. The person must be of the
/// society, and not already lead (or belong to) the group on that day.
/// The audit log keeps it under the group.
pub async fn join(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    joining: Joining,
) -> Result<(Society, GroupDetail), ApiError> {
    let (society, group, actor) = managed(state, caller, slug, group_id).await?;
    let detail = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            if db::people::find(conn, &group.society_id, &joining.person)?.is_none() {
                return Err(ApiError::unprocessable(
                    "person",
                    format!("{} is not a person of this society", joining.person),
                ));
            }
            let detail = detail_of(conn, group.clone())?;
            let id = uuid::Uuid::new_v4().to_string();
            // The new period runs on from its first day: it overlaps any
            // period not ended before that day.
            let overlaps =
                |_from: NaiveDate, to: Option<NaiveDate>| to.is_none_or(|to| joining.from <= to);
            let (what, value) = match joining.role {
                Some(role) => {
                    if detail.leaders.iter().any(|l| {
                        l.person_id == joining.person && overlaps(l.from_on, l.to_on)
                    }) {
                        return Err(ApiError::Conflict(format!(
                            "{} already leads the group from {} or later",
                            joining.person, joining.from
                        )));
                    }
                    db::groups::insert_leader(
                        conn,
                        &Leader {
                            id: id.clone(),
                            group_id: group.id.clone(),
                            person_id: joining.person.clone(),
                            role,
                            from_on: joining.from,
                            to_on: None,
                        },
                    )?;
                    ("leader", json!({"id": id, "person": joining.person, "role": role.as_str(), "from": joining.from}))
                }
                None => {
                    if detail.members.iter().any(|m| {
                        m.person_id == joining.person && overlaps(m.joined_on, m.left_on)
                    }) {
                        return Err(ApiError::Conflict(format!(
                            "{} already belongs to the group from {} or later",
                            joining.person, joining.from
                        )));
                    }
                    db::groups::insert_member(
                        conn,
                        &Member {
                            id: id.clone(),
                            group_id: group.id.clone(),
                            person_id: joining.person.clone(),
                            joined_on: joining.from,
                            left_on: None,
                        },
                    )?;
                    ("member", json!({"id": id, "person": joining.person, "joined": joining.from}))
                }
            };
            let at = db::now();
            audit::record(
                conn,
                audit::Change {
                    at,
                    ..audit_group(
                        &actor,
                        &group,
                        audit::Action::Update,
                        None,
                        Some(json!({ what: value })),
                    )
                },
            )?;
            detail_of(conn, group.clone())
        })
    })
    .await?;
    Ok((society, detail))
}

/// End leader or member `id` of group `group_id` of society `slug`
/// (registrar): `last` is the last day they lead or belong to it, not
/// before their first. The audit log keeps it under the group.
pub async fn end(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    id: String,
    last: NaiveDate,
    leader: bool,
) -> Result<(Society, GroupDetail), ApiError> {
    let (society, group, actor) = managed(state, caller, slug, group_id).await?;
    let detail = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let detail = detail_of(conn, group.clone())?;
            let (first, what) = if leader {
                let l = detail
                    .leaders
                    .iter()
                    .find(|l| l.id == id)
                    .ok_or_else(|| ApiError::NotFound(format!("leader {id}")))?;
                (l.from_on, "leader")
            } else {
                let m = detail
                    .members
                    .iter()
                    .find(|m| m.id == id)
                    .ok_or_else(|| ApiError::NotFound(format!("member {id}")))?;
                (m.joined_on, "member")
            };
            if last < first {
                return Err(ApiError::unprocessable(
                    "last_day",
                    format!("must not be before their first day ({first})"),
                ));
            }
            if leader {
                db::groups::end_leader(conn, &id, last)?;
            } else {
                db::groups::end_member(conn, &id, last)?;
            }
            audit::record(
                conn,
                audit::Change {
                    at: db::now(),
                    ..audit_group(
                        &actor,
                        &group,
                        audit::Action::Update,
                        None,
                        Some(json!({ what: { "id": id, "last_day": last } })),
                    )
                },
            )?;
            detail_of(conn, group.clone())
        })
    })
    .await?;
    Ok((society, detail))
}
