//! The validating parser: walks a JSON value (TOML is converted first) and
//! collects every problem with its path instead of stopping at the first.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{
    ActivityRule, Branch, Cap, Condition, CountUnit, Entry, Level, Milestone, Pathway, Period,
    Problem, Rate, RateAnchor, Renewal, Requirement, Rule, Tier, TierPrerequisite, Window, FORMAT,
};
use crate::ids::{IdError, RequirementId, TierId};
use crate::ledger::{
    ActivityKind, Amount, Delivery, EventType, PrerequisiteType, ReportType, SupervisionFormat,
    UnknownWord,
};
use crate::pathway::PathwayErrors;

/// Converts TOML to the JSON value the parser reads (dates become strings).
pub(crate) fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Problems found so far, plus the cross references checked at the end.
#[derive(Default)]
pub(crate) struct Check {
    pub(crate) problems: Vec<Problem>,
    /// Tier references made anywhere (conditions, milestones), checked once
    /// every tier is known.
    tier_refs: Vec<(String, TierId)>,
    /// Background labels used by branches.
    background_refs: Vec<(String, String)>,
    /// Each tier's id and prerequisites, as far as they could be read, so
    /// the cross-tier checks run even when some tier has other problems.
    tier_shapes: Vec<TierShape>,
}

#[derive(Default)]
struct TierShape {
    id: Option<TierId>,
    prerequisites: Vec<(String, TierId)>,
}

impl Check {
    pub(crate) fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            message: message.into(),
        });
    }
}

pub(crate) fn key(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_owned()
    } else {
        format!("{path}.{k}")
    }
}

pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(c: &mut Check, path: &str, expected: &str, found: &Value) {
    c.problem(
        path,
        format!("expected {expected}, found {}", type_name(found)),
    );
}

/// The fields of one object, remembering which keys were read so unknown
/// ones (usually typos) are reported.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
    read: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    pub(crate) fn of(value: &'a Value, path: &str, c: &mut Check) -> Option<Fields<'a>> {
        match value {
            Value::Object(map) => Some(Fields {
                map,
                path: path.to_owned(),
                read: Vec::new(),
            }),
            other => {
                wrong_type(c, path, "an object", other);
                None
            }
        }
    }

    pub(crate) fn at(&self, k: &str) -> String {
        key(&self.path, k)
    }

    pub(crate) fn optional(&mut self, k: &'static str) -> Option<&'a Value> {
        self.read.push(k);
        self.map.get(k).filter(|v| !v.is_null())
    }

    pub(crate) fn required(&mut self, k: &'static str, c: &mut Check) -> Option<&'a Value> {
        let v = self.optional(k);
        if v.is_none() {
            c.problem(&self.at(k), "is required");
        }
        v
    }

    pub(crate) fn finish(self, c: &mut Check) {
        for k in self.map.keys() {
            if !self.read.contains(&k.as_str()) {
                c.problem(
                    &key(&self.path, k),
                    format!("unknown field (expected one of: {})", self.read.join(", ")),
                );
            }
        }
    }
}

pub(crate) fn string(v: &Value, path: &str, c: &mut Check) -> Option<String> {
    match v {
        Value::String(s) if s.trim().is_empty() => {
            c.problem(path, "must not be empty");
            None
        }
        Value::String(s) => Some(s.clone()),
        other => {
            wrong_type(c, path, "a string", other);
            None
        }
    }
}

pub(crate) fn parse_id<T: FromStr<Err = IdError>>(
    v: &Value,
    path: &str,
    c: &mut Check,
) -> Option<T> {
    match v {
        Value::String(s) => match s.parse() {
            Ok(id) => Some(id),
            Err(e) => {
                c.problem(path, format!("not a valid id: {e}"));
                None
            }
        },
        other => {
            wrong_type(c, path, "an id (a string)", other);
            None
        }
    }
}

pub(crate) fn word<T: FromStr<Err = UnknownWord>>(
    v: &Value,
    path: &str,
    c: &mut Check,
) -> Option<T> {
    match v {
        Value::String(s) => match s.parse() {
            Ok(w) => Some(w),
            Err(e) => {
                c.problem(path, e.to_string());
                None
            }
        },
        other => {
            wrong_type(c, path, "a string", other);
            None
        }
    }
}

pub(crate) fn boolean(v: &Value, path: &str, c: &mut Check) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        other => {
            wrong_type(c, path, "true or false", other);
            None
        }
    }
}

pub(crate) fn date(v: &Value, path: &str, c: &mut Check) -> Option<NaiveDate> {
    match v {
        Value::String(s) => match s.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                c.problem(path, format!("{s:?} is not a date (YYYY-MM-DD)"));
                None
            }
        },
        other => {
            wrong_type(c, path, "a date (YYYY-MM-DD)", other);
            None
        }
    }
}

/// A whole number in `min..=max`.
pub(crate) fn count(v: &Value, path: &str, min: u32, max: u32, c: &mut Check) -> Option<u32> {
    let Value::Number(n) = v else {
        wrong_type(c, path, "a whole number", v);
        return None;
    };
    let Some(i) = n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            // Checked to be whole and small just above.
            .map(|f| {
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                i
            })
    }) else {
        c.problem(path, "must be a whole number");
        return None;
    };
    if i < i64::from(min) {
        c.problem(
            path,
            if min == 1 {
                "must be positive".to_owned()
            } else {
                format!("must be at least {min}")
            },
        );
        return None;
    }
    if i > i64::from(max) {
        c.problem(path, format!("must be at most {max}"));
        return None;
    }
    u32::try_from(i).ok()
}

/// A positive amount.
pub(crate) fn positive_amount(v: &Value, path: &str, c: &mut Check) -> Option<Amount> {
    let Value::Number(n) = v else {
        wrong_type(c, path, "a number", v);
        return None;
    };
    let parsed = match n.as_u64() {
        Some(u) => Amount::from_u64(u),
        None => Amount::from_f64(n.as_f64().unwrap_or(f64::NAN)),
    };
    match parsed {
        Ok(a) if a.is_zero() => {
            c.problem(path, "must be positive");
            None
        }
        Ok(a) => Some(a),
        Err(crate::ledger::AmountError::Negative) => {
            c.problem(path, "must be positive");
            None
        }
        Err(e) => {
            c.problem(path, e.to_string());
            None
        }
    }
}

/// A list of `T`, or a single `T` standing for a list of one.
pub(crate) fn one_or_many<T>(
    v: &Value,
    path: &str,
    c: &mut Check,
    item: impl Fn(&Value, &str, &mut Check) -> Option<T>,
) -> Option<Vec<T>> {
    match v {
        Value::Array(items) => {
            if items.is_empty() {
                c.problem(path, "must not be empty");
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, x) in items.iter().enumerate() {
                match item(x, &index(path, i), c) {
                    Some(t) => out.push(t),
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
        single => item(single, path, c).map(|t| vec![t]),
    }
}

fn list<'a>(v: &'a Value, path: &str, c: &mut Check) -> Option<&'a [Value]> {
    match v {
        Value::Array(items) => Some(items),
        other => {
            wrong_type(c, path, "a list", other);
            None
        }
    }
}

pub(super) fn pathway(value: &Value) -> Result<Pathway, PathwayErrors> {
    let mut c = Check::default();
    let parsed = pathway_fields(value, &mut c);
    match parsed {
        Some(p) if c.problems.is_empty() => Ok(p),
        _ => {
            if c.problems.is_empty() {
                // Unreachable in practice: a None always records a problem.
                c.problem("", "the document is not a valid pathway");
            }
            Err(PathwayErrors::new(c.problems))
        }
    }
}

fn pathway_fields(value: &Value, c: &mut Check) -> Option<Pathway> {
    let mut f = Fields::of(value, "", c)?;
    let format = match f.optional("format") {
        Some(v) => count(v, "format", 1, u32::MAX, c).and_then(|n| {
            if n == FORMAT {
                Some(n)
            } else {
                c.problem(
                    "format",
                    format!("unsupported format {n} (this version reads {FORMAT})"),
                );
                None
            }
        }),
        None => Some(FORMAT),
    };
    let id = f.required("id", c).and_then(|v| parse_id(v, "id", c));
    let society = f
        .required("society", c)
        .and_then(|v| parse_id(v, "society", c));
    let title = f.required("title", c).and_then(|v| string(v, "title", c));
    let version = f
        .required("version", c)
        .and_then(|v| string(v, "version", c));
    let effective_from = f
        .required("effective_from", c)
        .and_then(|v| date(v, "effective_from", c));
    let description = f
        .optional("description")
        .and_then(|v| string(v, "description", c));
    let backgrounds = match f.optional("backgrounds") {
        Some(v) => one_or_many(v, "backgrounds", c, string),
        None => Some(Vec::new()),
    };
    let tiers = f.required("tiers", c).and_then(|v| {
        let items = list(v, "tiers", c)?;
        if items.is_empty() {
            c.problem("tiers", "must list at least one tier");
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, t) in items.iter().enumerate() {
            match tier(t, &index("tiers", i), c) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    });
    f.finish(c);

    let backgrounds = backgrounds.unwrap_or_default();
    check_backgrounds(&backgrounds, c);
    check_tiers(c);

    Some(Pathway {
        format: format?,
        id: id?,
        society: society?,
        title: title?,
        version: version?,
        effective_from: effective_from?,
        description,
        backgrounds,
        tiers: tiers?,
    })
}

fn check_backgrounds(declared: &[String], c: &mut Check) {
    let refs = std::mem::take(&mut c.background_refs);
    for (path, label) in refs {
        if !declared.contains(&label) {
            if declared.is_empty() {
                c.problem(
                    &path,
                    format!(
                        "background {label:?} is not declared: list the pathway's `backgrounds`"
                    ),
                );
            } else {
                c.problem(
                    &path,
                    format!(
                        "unknown background {label:?} (the pathway declares: {})",
                        declared.join(", ")
                    ),
                );
            }
        }
    }
}

/// Cross-tier checks: duplicate ids, unknown references, prerequisite
/// cycles and tiers that can never be reached.
fn check_tiers(c: &mut Check) {
    let shapes = std::mem::take(&mut c.tier_shapes);
    let name = |i: usize| shapes[i].id.as_ref().map_or("?", |t| t.as_str());
    let mut position: BTreeMap<&TierId, usize> = BTreeMap::new();
    for (i, t) in shapes.iter().enumerate() {
        let Some(id) = &t.id else { continue };
        if let Some(first) = position.get(id) {
            c.problem(
                &key(&index("tiers", i), "id"),
                format!("duplicate tier id {:?} (also tiers[{first}])", id.as_str()),
            );
        } else {
            position.insert(id, i);
        }
    }

    for (path, tier) in shapes.iter().flat_map(|t| &t.prerequisites) {
        if !position.contains_key(tier) {
            c.problem(path, format!("unknown tier {:?}", tier.as_str()));
        }
    }
    for (path, tier) in std::mem::take(&mut c.tier_refs) {
        if !position.contains_key(&tier) {
            c.problem(&path, format!("unknown tier {:?}", tier.as_str()));
        }
    }

    // Prerequisite edges by position (unknown tiers were reported above).
    let edges: Vec<Vec<usize>> = shapes
        .iter()
        .map(|t| {
            t.prerequisites
                .iter()
                .filter_map(|(_, p)| position.get(p).copied())
                .collect()
        })
        .collect();
    let mut in_cycle = vec![false; shapes.len()];
    for (i, t) in shapes.iter().enumerate() {
        for (path, p) in &t.prerequisites {
            if Some(p) == t.id.as_ref() {
                in_cycle[i] = true;
                c.problem(path, "a tier cannot be its own prerequisite");
            }
        }
    }

    let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
    for start in 0..shapes.len() {
        let Some(cycle) = find_cycle(start, &edges) else {
            continue;
        };
        if cycle.len() < 2 {
            continue; // a self-reference, reported above
        }
        for &n in &cycle {
            in_cycle[n] = true;
        }
        let mut members = cycle.clone();
        members.sort_unstable();
        if reported.insert(members) {
            let names: Vec<&str> = cycle
                .iter()
                .chain(cycle.first())
                .map(|&n| name(n))
                .collect();
            c.problem(
                &key(&index("tiers", start), "prerequisites"),
                format!("prerequisite cycle: {}", names.join(" -> ")),
            );
        }
    }

    // A tier is reachable when every prerequisite is; tiers without
    // prerequisites are where the pathway starts.
    let known = |t: &TierShape| {
        t.prerequisites
            .iter()
            .all(|(_, p)| position.contains_key(p))
    };
    let mut reachable = vec![false; shapes.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for (i, t) in shapes.iter().enumerate() {
            if !reachable[i] && known(t) && edges[i].iter().all(|&j| reachable[j]) {
                reachable[i] = true;
                changed = true;
            }
        }
    }
    for (i, t) in shapes.iter().enumerate() {
        if !reachable[i] && !in_cycle[i] && known(t) {
            let blocked: Vec<&str> = edges[i]
                .iter()
                .filter(|&&j| !reachable[j])
                .map(|&j| name(j))
                .collect();
            c.problem(
                &index("tiers", i),
                format!(
                    "tier {:?} is unreachable: it needs {}, which can never be reached",
                    name(i),
                    blocked.join(", ")
                ),
            );
        }
    }
}

/// A cycle through `start` (as positions, starting at `start`), if any.
fn find_cycle(start: usize, edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    // Depth-first search for a path from start's prerequisites back to start.
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    let mut on_path = vec![start];
    let mut seen = vec![false; edges.len()];
    seen[start] = true;
    while let Some((node, next)) = stack.last_mut() {
        let node = *node;
        if let Some(&to) = edges[node].get(*next) {
            *next += 1;
            if to == start {
                return Some(on_path);
            }
            if !seen[to] {
                seen[to] = true;
                stack.push((to, 0));
                on_path.push(to);
            }
        } else {
            stack.pop();
            on_path.pop();
        }
    }
    None
}

fn tier(value: &Value, path: &str, c: &mut Check) -> Option<Tier> {
    let Some(mut f) = Fields::of(value, path, c) else {
        c.tier_shapes.push(TierShape::default());
        return None;
    };
    let id = f
        .required("id", c)
        .and_then(|v| parse_id::<TierId>(v, &key(path, "id"), c));
    let name = f
        .required("name", c)
        .and_then(|v| string(v, &key(path, "name"), c));
    let entry = match f.optional("entry") {
        Some(v) => word::<Entry>(v, &key(path, "entry"), c),
        None => Some(Entry::Application),
    };
    let note = f
        .optional("note")
        .and_then(|v| string(v, &key(path, "note"), c));
    let prerequisites = match f.optional("prerequisites") {
        Some(v) => {
            let p = key(path, "prerequisites");
            list(v, &p, c).and_then(|items| {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, x) in items.iter().enumerate() {
                    match tier_prerequisite(x, &index(&p, i), c) {
                        Some(t) => out.push(t),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            })
        }
        None => Some(Vec::new()),
    };
    let mut ids = BTreeMap::new();
    let requirements = match f.optional("requirements") {
        Some(v) => requirement_list(v, &key(path, "requirements"), Level::Mandatory, &mut ids, c),
        None => Some(Vec::new()),
    };
    let renewal = match f.optional("renewal") {
        Some(v) => renewal(v, &key(path, "renewal"), &mut ids, c).map(Some),
        None => Some(None),
    };
    if entry == Some(Entry::Enrolment) && prerequisites.as_ref().is_some_and(|p| !p.is_empty()) {
        c.problem(
            &key(path, "prerequisites"),
            "a tier reached on entering the pathway (entry \"enrolment\") cannot have prerequisite tiers",
        );
    }
    f.finish(c);
    c.tier_shapes.push(TierShape {
        id: id.clone(),
        prerequisites: prerequisites
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (index(&key(path, "prerequisites"), i), p.tier.clone()))
            .collect(),
    });
    Some(Tier {
        id: id?,
        name: name?,
        entry: entry?,
        note,
        prerequisites: prerequisites?,
        requirements: requirements?,
        renewal: renewal?,
    })
}

fn tier_prerequisite(value: &Value, path: &str, c: &mut Check) -> Option<TierPrerequisite> {
    // A bare tier id is short for {tier = "..."}.
    if value.is_string() {
        let t = parse_id::<TierId>(value, path, c)?;
        return Some(TierPrerequisite {
            tier: t,
            min_months: None,
        });
    }
    let mut f = Fields::of(value, path, c)?;
    let tier = f
        .required("tier", c)
        .and_then(|v| parse_id::<TierId>(v, &key(path, "tier"), c));
    let min_months = match f.optional("min_months") {
        Some(v) => count(v, &key(path, "min_months"), 1, 1200, c).map(Some),
        None => Some(None),
    };
    f.finish(c);
    Some(TierPrerequisite {
        tier: tier?,
        min_months: min_months?,
    })
}

fn renewal(
    value: &Value,
    path: &str,
    ids: &mut BTreeMap<RequirementId, String>,
    c: &mut Check,
) -> Option<Renewal> {
    let mut f = Fields::of(value, path, c)?;
    let cycle_months = f
        .required("cycle_months", c)
        .and_then(|v| count(v, &key(path, "cycle_months"), 1, 1200, c));
    let grace_months = match f.optional("grace_months") {
        Some(v) => count(v, &key(path, "grace_months"), 0, 1200, c),
        None => Some(0),
    };
    let requirements = f
        .required("requirements", c)
        .and_then(|v| requirement_list(v, &key(path, "requirements"), Level::Mandatory, ids, c));
    let note = f
        .optional("note")
        .and_then(|v| string(v, &key(path, "note"), c));
    f.finish(c);
    Some(Renewal {
        cycle_months: cycle_months?,
        grace_months: grace_months?,
        requirements: requirements?,
        note,
    })
}

fn requirement_list(
    value: &Value,
    path: &str,
    parent_level: Level,
    ids: &mut BTreeMap<RequirementId, String>,
    c: &mut Check,
) -> Option<Vec<Requirement>> {
    let items = list(value, path, c)?;
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, x) in items.iter().enumerate() {
        match requirement(x, &index(path, i), parent_level, ids, c) {
            Some(r) => out.push(r),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

const RULE_TYPES: &[&str] = &["activity", "all_of", "any_of", "at_least", "by_background"];

fn requirement(
    value: &Value,
    path: &str,
    parent_level: Level,
    ids: &mut BTreeMap<RequirementId, String>,
    c: &mut Check,
) -> Option<Requirement> {
    let mut f = Fields::of(value, path, c)?;
    let rid = f
        .required("id", c)
        .and_then(|v| parse_id::<RequirementId>(v, &key(path, "id"), c));
    if let Some(rid) = &rid {
        if let Some(first) = ids.get(rid) {
            c.problem(
                &key(path, "id"),
                format!(
                    "duplicate requirement id {:?} in this tier (also {first})",
                    rid.as_str()
                ),
            );
        } else {
            ids.insert(rid.clone(), path.to_owned());
        }
    }
    let title = f
        .required("title", c)
        .and_then(|v| string(v, &key(path, "title"), c));
    let level = match f.optional("level") {
        Some(v) => word::<Level>(v, &key(path, "level"), c),
        None => Some(parent_level),
    };
    let note = f
        .optional("note")
        .and_then(|v| string(v, &key(path, "note"), c));
    let discretion = f
        .optional("discretion")
        .and_then(|v| string(v, &key(path, "discretion"), c));
    let rule_type = match f.optional("type") {
        Some(Value::String(s)) if RULE_TYPES.contains(&s.as_str()) => Some(s.as_str()),
        Some(Value::String(s)) => {
            c.problem(
                &key(path, "type"),
                format!(
                    "unknown requirement type {s:?} (expected one of: {})",
                    RULE_TYPES.join(", ")
                ),
            );
            None
        }
        Some(other) => {
            wrong_type(c, &key(path, "type"), "a string", other);
            None
        }
        None => Some("activity"),
    };
    let child_level = level.unwrap_or(parent_level);
    let rule = match rule_type {
        Some("activity") => activity_rule(&mut f, path, c).map(Rule::Activity),
        Some(t @ ("all_of" | "any_of" | "at_least")) => {
            let count_value = if t == "at_least" {
                f.required("count", c)
                    .and_then(|v| count(v, &key(path, "count"), 1, 1000, c))
            } else {
                Some(0)
            };
            let parts = f
                .required("requirements", c)
                .and_then(|v| requirement_list(v, &key(path, "requirements"), child_level, ids, c));
            if let Some(parts) = &parts {
                if parts.is_empty() {
                    c.problem(
                        &key(path, "requirements"),
                        "must list at least one requirement",
                    );
                }
                if let (Some(n), "at_least") = (count_value, t) {
                    if n as usize > parts.len() {
                        c.problem(
                            &key(path, "count"),
                            format!("is {n}, but only {} requirements are listed", parts.len()),
                        );
                    }
                }
            }
            match (t, count_value, parts) {
                ("all_of", _, Some(requirements)) => Some(Rule::AllOf { requirements }),
                ("any_of", _, Some(requirements)) => Some(Rule::AnyOf { requirements }),
                (_, Some(count), Some(requirements)) => Some(Rule::AtLeast {
                    count,
                    requirements,
                }),
                _ => None,
            }
        }
        Some(_) => {
            // by_background
            let branches = f.required("branches", c).and_then(|v| {
                let p = key(path, "branches");
                let items = list(v, &p, c)?;
                if items.is_empty() {
                    c.problem(&p, "must list at least one branch");
                }
                let mut out = Vec::new();
                let mut ok = true;
                for (i, x) in items.iter().enumerate() {
                    match branch(x, &index(&p, i), child_level, ids, c) {
                        Some(b) => out.push(b),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            });
            let otherwise = match f.optional("otherwise") {
                Some(v) => requirement(v, &key(path, "otherwise"), child_level, ids, c)
                    .map(|r| Some(Box::new(r))),
                None => Some(None),
            };
            match (branches, otherwise) {
                (Some(branches), Some(otherwise)) => Some(Rule::ByBackground {
                    branches,
                    otherwise,
                }),
                _ => None,
            }
        }
        None => {
            // The type is unknown, so its fields cannot be judged either.
            f.read.extend(f.map.keys().filter_map(|k| {
                ["branches", "otherwise", "requirements", "count"]
                    .into_iter()
                    .find(|known| known == k)
            }));
            None
        }
    };
    f.finish(c);
    Some(Requirement {
        id: rid?,
        title: title?,
        level: level?,
        note,
        discretion,
        rule: rule?,
    })
}

fn branch(
    value: &Value,
    path: &str,
    level: Level,
    ids: &mut BTreeMap<RequirementId, String>,
    c: &mut Check,
) -> Option<Branch> {
    let mut f = Fields::of(value, path, c)?;
    let backgrounds = f.required("backgrounds", c).and_then(|v| {
        one_or_many(v, &key(path, "backgrounds"), c, |x, p, c| {
            let s = string(x, p, c)?;
            c.background_refs.push((p.to_owned(), s.clone()));
            Some(s)
        })
    });
    let requirement = f
        .required("requirement", c)
        .and_then(|v| requirement(v, &key(path, "requirement"), level, ids, c));
    f.finish(c);
    Some(Branch {
        backgrounds: backgrounds?,
        requirement: requirement?,
    })
}

fn activity_rule(f: &mut Fields<'_>, path: &str, c: &mut Check) -> Option<ActivityRule> {
    let kinds = match (f.optional("kinds"), f.optional("kind")) {
        (Some(v), None) => one_or_many(v, &key(path, "kinds"), c, word::<ActivityKind>),
        (None, Some(v)) => one_or_many(v, &key(path, "kind"), c, word::<ActivityKind>),
        (Some(_), Some(_)) => {
            c.problem(
                &key(path, "kind"),
                "give either `kind` or `kinds`, not both",
            );
            None
        }
        (None, None) => {
            c.problem(
                &key(path, "kinds"),
                "is required (the activity kinds counted)",
            );
            None
        }
    };
    let unit = f
        .required("unit", c)
        .and_then(|v| word::<CountUnit>(v, &key(path, "unit"), c));
    if let (Some(kinds), Some(unit)) = (&kinds, unit.and_then(CountUnit::unit)) {
        for k in kinds {
            // Time units are reached by conversion; anything else must be
            // a unit the kind can be recorded in.
            let countable = k.fits(unit)
                || unit.minutes().is_some() && k.units().iter().any(|u| u.minutes().is_some());
            if !countable {
                c.problem(
                    &key(path, "unit"),
                    format!("{k} records are never counted in {unit}"),
                );
            }
        }
    }
    let minimum = f
        .required("minimum", c)
        .and_then(|v| positive_amount(v, &key(path, "minimum"), c));
    let window = match f.optional("window") {
        Some(v) => window(v, &key(path, "window"), c),
        None => Some(Window::default()),
    };
    let rate = match f.optional("rate") {
        Some(v) => rate(v, &key(path, "rate"), c).map(Some),
        None => Some(None),
    };
    let conditions = match f.optional("conditions") {
        Some(v) => {
            let p = key(path, "conditions");
            list(v, &p, c).and_then(|items| {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, x) in items.iter().enumerate() {
                    match condition(x, &index(&p, i), c) {
                        Some(cond) => out.push(cond),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            })
        }
        None => Some(Vec::new()),
    };
    let caps = match f.optional("caps") {
        Some(v) => {
            let p = key(path, "caps");
            list(v, &p, c).and_then(|items| {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, x) in items.iter().enumerate() {
                    match cap(x, &index(&p, i), c) {
                        Some(cap) => out.push(cap),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            })
        }
        None => Some(Vec::new()),
    };
    if let (Some(caps), Some(unit)) = (&caps, unit) {
        if unit.unit().is_none() && !caps.is_empty() {
            c.problem(&key(path, "caps"), format!("caps cannot apply to {unit}"));
        }
    }
    Some(ActivityRule {
        kinds: kinds?,
        unit: unit?,
        minimum: minimum?,
        window: window?,
        rate: rate?,
        conditions: conditions?,
        caps: caps?,
    })
}

fn milestone(value: &Value, path: &str, c: &mut Check) -> Option<Milestone> {
    match value {
        Value::String(s) if s == "pathway_entry" => Some(Milestone::PathwayEntry),
        Value::Object(_) => {
            let mut f = Fields::of(value, path, c)?;
            let t = f
                .required("tier_reached", c)
                .and_then(|v| parse_id::<TierId>(v, &key(path, "tier_reached"), c));
            f.finish(c);
            let t = t?;
            c.tier_refs.push((key(path, "tier_reached"), t.clone()));
            Some(Milestone::TierReached(t))
        }
        other => {
            c.problem(
                path,
                format!(
                    "expected \"pathway_entry\" or {{\"tier_reached\": <tier>}}, found {}",
                    match other {
                        Value::String(s) => format!("{s:?}"),
                        v => type_name(v).to_owned(),
                    }
                ),
            );
            None
        }
    }
}

fn window(value: &Value, path: &str, c: &mut Check) -> Option<Window> {
    let mut f = Fields::of(value, path, c)?;
    let within_months = match f.optional("within_months") {
        Some(v) => count(v, &key(path, "within_months"), 1, 1200, c).map(Some),
        None => Some(None),
    };
    let after = match f.optional("after") {
        Some(v) => milestone(v, &key(path, "after"), c).map(Some),
        None => Some(None),
    };
    let before = match f.optional("before") {
        Some(v) => milestone(v, &key(path, "before"), c).map(Some),
        None => Some(None),
    };
    f.finish(c);
    Some(Window {
        within_months: within_months?,
        after: after?,
        before: before?,
    })
}

fn rate(value: &Value, path: &str, c: &mut Check) -> Option<Rate> {
    let mut f = Fields::of(value, path, c)?;
    let at_least = f
        .required("at_least", c)
        .and_then(|v| positive_amount(v, &key(path, "at_least"), c));
    let per = f
        .required("per", c)
        .and_then(|v| word::<Period>(v, &key(path, "per"), c));
    let periods = f
        .required("periods", c)
        .and_then(|v| count(v, &key(path, "periods"), 1, 600, c));
    let anchor = match f.optional("anchor") {
        Some(v) => word::<RateAnchor>(v, &key(path, "anchor"), c),
        None => Some(RateAnchor::Rolling),
    };
    f.finish(c);
    Some(Rate {
        at_least: at_least?,
        per: per?,
        periods: periods?,
        anchor: anchor?,
    })
}

fn cap(value: &Value, path: &str, c: &mut Check) -> Option<Cap> {
    let mut f = Fields::of(value, path, c)?;
    let max_percent = f
        .required("max_percent", c)
        .and_then(|v| count(v, &key(path, "max_percent"), 1, 100, c));
    let when = f
        .required("when", c)
        .and_then(|v| condition(v, &key(path, "when"), c));
    let note = f
        .optional("note")
        .and_then(|v| string(v, &key(path, "note"), c));
    f.finish(c);
    Some(Cap {
        max_percent: max_percent?,
        when: when?,
        note,
    })
}

const CONDITIONS: &[&str] = &[
    "co_leader_held",
    "supervisor_held",
    "event_type",
    "provider",
    "provider_approved",
    "delivery",
    "supervision_format",
    "report_type",
    "prerequisite_type",
    "ongoing_group",
    "min_days",
    "not",
];

fn condition(value: &Value, path: &str, c: &mut Check) -> Option<Condition> {
    let Value::Object(map) = value else {
        wrong_type(c, path, "an object with one condition", value);
        return None;
    };
    let mut entries = map.iter();
    let (Some((name, v)), None) = (entries.next(), entries.next()) else {
        c.problem(
            path,
            format!(
                "a condition has exactly one field (one of: {})",
                CONDITIONS.join(", ")
            ),
        );
        return None;
    };
    let p = key(path, name);
    let tiers = |c: &mut Check| {
        one_or_many(v, &p, c, |x, q, c| {
            let t = parse_id::<TierId>(x, q, c)?;
            c.tier_refs.push((q.to_owned(), t.clone()));
            Some(t)
        })
    };
    match name.as_str() {
        "co_leader_held" => tiers(c).map(Condition::CoLeaderHeld),
        "supervisor_held" => tiers(c).map(Condition::SupervisorHeld),
        "event_type" => one_or_many(v, &p, c, word::<EventType>).map(Condition::EventType),
        "provider" => one_or_many(v, &p, c, string).map(Condition::Provider),
        "provider_approved" => boolean(v, &p, c).map(Condition::ProviderApproved),
        "delivery" => word::<Delivery>(v, &p, c).map(Condition::Delivery),
        "supervision_format" => {
            one_or_many(v, &p, c, word::<SupervisionFormat>).map(Condition::SupervisionFormat)
        }
        "report_type" => one_or_many(v, &p, c, word::<ReportType>).map(Condition::ReportType),
        "prerequisite_type" => {
            one_or_many(v, &p, c, word::<PrerequisiteType>).map(Condition::PrerequisiteType)
        }
        "ongoing_group" => boolean(v, &p, c).map(Condition::OngoingGroup),
        "min_days" => count(v, &p, 1, 366, c).map(Condition::MinDays),
        "not" => condition(v, &p, c).map(|inner| Condition::Not(Box::new(inner))),
        other => {
            c.problem(
                &p,
                format!(
                    "unknown condition {other:?} (expected one of: {})",
                    CONDITIONS.join(", ")
                ),
            );
            None
        }
    }
}
