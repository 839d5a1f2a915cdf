//! Reading a register file written as JSON (the export's format).

use super::*;

pub(super) fn read_json(text: &str) -> Result<Read, ApiError> {
    #[derive(Deserialize)]
    struct Loose {
        entries: Vec<serde_json::Value>,
    }
    let loose: Loose = serde_json::from_str(text).map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("not a register file ({{\"entries\": [...]}}): {e}"),
        )
    })?;
    let nul: Vec<FieldProblem> = loose
        .entries
        .iter()
        .enumerate()
        .flat_map(|(index, value)| text::nul_in_json(value, &format!("entries[{index}]")))
        .collect();
    if !nul.is_empty() {
        return Err(invalid(nul));
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (index, value) in loose.entries.into_iter().enumerate() {
        let at = format!("entries[{index}]");
        let record: EntryRecord = match serde_json::from_value(value) {
            Ok(record) => record,
            Err(e) => {
                problems.push(FieldProblem::new(at, e.to_string()));
                continue;
            }
        };
        let registration: Result<RegistrationNumber, _> = record.registration.parse();
        let person = person_id(record.person.id.as_deref());
        let (registration, (person, named)) = match (registration, person) {
            (Ok(r), Ok(p)) => (r, p),
            (r, p) => {
                if let Err(e) = r {
                    problems.push(FieldProblem::new(
                        format!("{at}.registration"),
                        e.to_string(),
                    ));
                }
                if let Err(e) = p {
                    problems.push(FieldProblem::new(format!("{at}.person.id"), e));
                }
                continue;
            }
        };
        let out_of_range = dates_of(&record)
            .filter_map(|(field, date)| {
                Day::new(date)
                    .err()
                    .map(|e| FieldProblem::new(format!("{at}.{field}"), format!("{date}: {e}")))
            })
            .collect::<Vec<_>>();
        if !out_of_range.is_empty() {
            problems.extend(out_of_range);
            continue;
        }
        match RegisterEntry::from_history(registration, person, record.history) {
            Ok(entry) => entries.push(ImportedEntry {
                at,
                person: record.person,
                person_named: named,
                entry,
            }),
            Err(e) => problems.push(FieldProblem::new(format!("{at}.history"), e.to_string())),
        }
    }
    Ok((entries, problems))
}

/// Every date of `record`, with its path in the entry.
fn dates_of(record: &EntryRecord) -> impl Iterator<Item = (String, NaiveDate)> + '_ {
    let entered = record
        .person
        .entered_pathway_on
        .map(|date| ("person.entered_pathway_on".to_owned(), date));
    let history = record.history.iter().enumerate().flat_map(|(i, change)| {
        let valid_until = change
            .cycle
            .map(|c| (format!("history[{i}].cycle.valid_until"), c.valid_until));
        [
            Some((format!("history[{i}].effective"), change.effective)),
            valid_until,
        ]
    });
    entered.into_iter().chain(history.flatten())
}
