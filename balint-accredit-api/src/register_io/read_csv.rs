//! Reading a register file written as CSV, one row per change, and
//! replaying each entry's rows under the register's rules.

use super::*;

/// One CSV row, checked field by field.
struct Row {
    line: usize,
    registration: RegistrationNumber,
    person_id: Option<String>,
    person: PersonRecord,
    effective: NaiveDate,
    action: StatusAction,
    tier: Option<TierId>,
    cycle: Option<RenewalCycle>,
    reason: String,
    visibility: Visibility,
}

pub(super) fn read_csv(text: &str) -> Result<Read, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::bad_request("body", format!("not CSV: {e}")))?
        .clone();
    let missing: Vec<FieldProblem> = [
        "registration",
        "family_name",
        "effective",
        "action",
        "reason",
    ]
    .into_iter()
    .filter(|column| !headers.iter().any(|h| h == *column))
    .map(|column| FieldProblem::new(column, "the column is missing"))
    .collect();
    if !missing.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "the CSV file lacks required columns".to_owned(),
            errors: missing,
        });
    }
    let mut problems = Vec::new();
    let records: Vec<(usize, csv::StringRecord)> = reader
        .records()
        .enumerate()
        .filter_map(|(index, record)| match record {
            Ok(record) => Some((index + 1, record)),
            Err(e) => {
                problems.push(FieldProblem::new(
                    format!("rows[{}]", index + 1),
                    e.to_string(),
                ));
                None
            }
        })
        .collect();
    let nul = text::nul_in_csv(&headers, records.iter().map(|(line, r)| (*line, r)));
    if !nul.is_empty() {
        return Err(invalid(nul));
    }
    let mut rows = Vec::new();
    for (line, record) in records {
        let at = |field: &str| format!("rows[{line}].{field}");
        let get = |column: &str| -> Option<String> {
            headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .map(csv_cells::restored)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let before = problems.len();
        let mut problem = |field: &str, message: String| {
            problems.push(FieldProblem::new(at(field), message));
        };
        let registration = match get("registration").map(|r| r.parse::<RegistrationNumber>()) {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                problem("registration", e.to_string());
                None
            }
            None => {
                problem("registration", "is required".to_owned());
                None
            }
        };
        let date = |column: &str, problem: &mut dyn FnMut(&str, String)| -> Option<NaiveDate> {
            let value = get(column)?;
            match Day::parse(&value) {
                Ok(day) => Some(day.date()),
                Err(DayError::NotADate) => {
                    problem(column, format!("{value:?} is not a date (YYYY-MM-DD)"));
                    None
                }
                Err(e) => {
                    problem(column, format!("{value:?}: {e}"));
                    None
                }
            }
        };
        let effective = date("effective", &mut problem);
        if get("effective").is_none() {
            problem("effective", "is required".to_owned());
        }
        let entered = date("entered_pathway_on", &mut problem);
        let action = match get("action") {
            Some(word) => serde_json::from_value::<StatusAction>(json!(word))
                .map_err(|_| {
                    problem(
                        "action",
                        format!("{word:?} is not one of grant, renew, suspend, reinstate, revoke, retire, lapse, mark_deceased"),
                    )
                })
                .ok(),
            None => {
                problem("action", "is required".to_owned());
                None
            }
        };
        let tier = match get("tier").map(|t| t.parse::<TierId>()) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                problem("tier", e.to_string());
                None
            }
            None => None,
        };
        let valid_until = date("valid_until", &mut problem);
        let grace_days = match get("grace_days").map(|g| g.parse::<u32>()) {
            Some(Ok(g)) => Some(g),
            Some(Err(_)) => {
                problem("grace_days", "must be a whole number of days".to_owned());
                None
            }
            None => None,
        };
        let cycle = match (valid_until, grace_days) {
            (Some(valid_until), grace) => Some(RenewalCycle {
                valid_until,
                grace_days: grace.unwrap_or(0),
            }),
            (None, Some(_)) => {
                problem("valid_until", "is required with grace_days".to_owned());
                None
            }
            (None, None) => None,
        };
        let public_listing = match get("public_listing").as_deref() {
            None | Some("false") | Some("no") | Some("0") => false,
            Some("true") | Some("yes") | Some("1") => true,
            Some(other) => {
                problem("public_listing", format!("{other:?} is not true or false"));
                false
            }
        };
        let visibility = match get(CSV_VISIBILITY).as_deref() {
            None | Some("public") => Visibility::Public,
            Some("confidential") => Visibility::Confidential,
            Some(other) => {
                problem(
                    CSV_VISIBILITY,
                    format!("{other:?} is not public or confidential"),
                );
                Visibility::Public
            }
        };
        let reason = get("reason").unwrap_or_default();
        if reason.is_empty() {
            problem("reason", "is required".to_owned());
        }
        let Some(family_name) = get("family_name") else {
            problem("family_name", "is required".to_owned());
            continue;
        };
        if problems.len() > before {
            continue;
        }
        let (Some(registration), Some(effective), Some(action)) = (registration, effective, action)
        else {
            continue;
        };
        rows.push(Row {
            line,
            registration,
            person_id: get("person_id"),
            person: PersonRecord {
                id: get("person_id"),
                title: get("title"),
                given_name: get("given_name"),
                family_name,
                display_name: get("display_name"),
                backgrounds: get("backgrounds")
                    .map(|b| {
                        b.split(';')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                city: get("city"),
                region: get("region"),
                email: get("email"),
                public_listing,
                entered_pathway_on: entered,
            },
            effective,
            action,
            tier,
            cycle,
            reason,
            visibility,
        });
    }
    // Rows of one registration, in file order, make one entry's history.
    let mut grouped: BTreeMap<RegistrationNumber, Vec<Row>> = BTreeMap::new();
    let mut order = Vec::new();
    for row in rows {
        if !grouped.contains_key(&row.registration) {
            order.push(row.registration.clone());
        }
        grouped
            .entry(row.registration.clone())
            .or_default()
            .push(row);
    }
    let mut entries = Vec::new();
    for registration in order {
        let Some(rows) = grouped.remove(&registration) else {
            continue;
        };
        match replay(registration, rows) {
            Ok(imported) => entries.push(imported),
            Err(problem) => problems.push(problem),
        }
    }
    Ok((entries, problems))
}

/// Build an entry by replaying its rows through the register's rules.
fn replay(registration: RegistrationNumber, rows: Vec<Row>) -> Result<ImportedEntry, FieldProblem> {
    let first = &rows[0];
    let at = format!("rows[{}]", first.line);
    let (person, named) = person_id(first.person_id.as_deref())
        .map_err(|e| FieldProblem::new(format!("{at}.person_id"), e))?;
    let person_record = first.person.clone();
    let mut entry: Option<RegisterEntry> = None;
    for row in rows {
        let field = |name: &str| format!("rows[{}].{name}", row.line);
        let refused = |e: balint_core::register::RegisterError| {
            FieldProblem::new(field("action"), e.to_string())
        };
        let grant = || -> Result<Grant, FieldProblem> {
            Ok(Grant {
                effective: row.effective,
                tier: row
                    .tier
                    .clone()
                    .ok_or_else(|| FieldProblem::new(field("tier"), "is required on a grant"))?,
                cycle: row.cycle,
                reason: row.reason.clone(),
                visibility: row.visibility,
            })
        };
        match (&mut entry, row.action) {
            (None, StatusAction::Grant) => {
                entry = Some(
                    RegisterEntry::accredit(registration.clone(), person.clone(), grant()?)
                        .map_err(refused)?,
                );
            }
            (None, _) => {
                return Err(FieldProblem::new(
                    field("action"),
                    "an entry's first row must be its first grant",
                ))
            }
            (Some(entry), StatusAction::Grant) => {
                entry.grant(grant()?).map_err(refused)?;
            }
            (Some(entry), StatusAction::Renew) => {
                let cycle = row.cycle.ok_or_else(|| {
                    FieldProblem::new(field("valid_until"), "is required on a renewal")
                })?;
                entry
                    .renew(Renewal {
                        effective: row.effective,
                        cycle,
                        reason: row.reason.clone(),
                        visibility: row.visibility,
                    })
                    .map_err(refused)?;
            }
            (Some(entry), action) => {
                let action = registrar_action(action)
                    .ok_or_else(|| FieldProblem::new(field("action"), "is not a status change"))?;
                entry
                    .change_status(action, row.effective, row.reason.clone(), row.visibility)
                    .map_err(refused)?;
            }
        }
    }
    let entry = entry.ok_or_else(|| FieldProblem::new(at.clone(), "no rows"))?;
    Ok(ImportedEntry {
        at,
        person: person_record,
        person_named: named,
        entry,
    })
}

fn registrar_action(action: StatusAction) -> Option<RegistrarAction> {
    Some(match action {
        StatusAction::Suspend => RegistrarAction::Suspend,
        StatusAction::Reinstate => RegistrarAction::Reinstate,
        StatusAction::Revoke => RegistrarAction::Revoke,
        StatusAction::Retire => RegistrarAction::Retire,
        StatusAction::Lapse => RegistrarAction::Lapse,
        StatusAction::MarkDeceased => RegistrarAction::MarkDeceased,
        StatusAction::Grant | StatusAction::Renew => return None,
    })
}
