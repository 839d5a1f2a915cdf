//! Writing a register out: every field and the whole history for the
//! registrar, public fields of listed people for everyone else; JSON or
//! CSV.

use super::*;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("writing the export: {e}"))
}

/// Export `society`'s register for `audience` on `today`.
pub fn export(
    conn: &mut DbConnection,
    society: &Society,
    format: Format,
    audience: Audience,
    today: NaiveDate,
) -> Result<String, ApiError> {
    let listing = match audience {
        Audience::Registrar => Listing::Everyone,
        Audience::Public => Listing::PublicOnly,
    };
    let mut entries = stored_register::with_people(conn, &society.id, listing)?;
    // By registration number: the order a society keeps its register in.
    entries.sort_by(|a, b| a.0.entry.registration().cmp(b.0.entry.registration()));
    match audience {
        Audience::Registrar => full_export(society, &entries, format),
        Audience::Public => public_export(society, &entries, format, today),
    }
}

fn full_export(
    society: &Society,
    entries: &[(StoredEntry, Person)],
    format: Format,
) -> Result<String, ApiError> {
    match format {
        Format::Json => {
            let file = RegisterFile {
                society: society.slug.clone(),
                entries: entries
                    .iter()
                    .map(|(stored, person)| EntryRecord {
                        registration: stored.entry.registration().as_str().to_owned(),
                        person: PersonRecord::of(person),
                        history: stored.entry.history().to_vec(),
                    })
                    .collect(),
            };
            serde_json::to_string_pretty(&file).map_err(internal)
        }
        Format::Csv => {
            let mut writer = CsvWriter::new();
            let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
            header.push(CSV_VISIBILITY);
            writer.row(&header).map_err(internal)?;
            for (stored, person) in entries {
                for change in stored.entry.history() {
                    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                    writer
                        .row([
                            stored.entry.registration().as_str().to_owned(),
                            person.id.clone(),
                            opt(&person.title),
                            opt(&person.given_name),
                            person.family_name.clone(),
                            opt(&person.display_name),
                            person.backgrounds.join(";"),
                            opt(&person.city),
                            opt(&person.region),
                            opt(&person.email),
                            person.public_listing.to_string(),
                            person
                                .entered_pathway_on
                                .map(|d| d.to_string())
                                .unwrap_or_default(),
                            change.effective.to_string(),
                            change.action.as_str().to_owned(),
                            change
                                .tier
                                .as_ref()
                                .map(|t| t.as_str().to_owned())
                                .unwrap_or_default(),
                            change
                                .cycle
                                .map(|c| c.valid_until.to_string())
                                .unwrap_or_default(),
                            change
                                .cycle
                                .map(|c| c.grace_days.to_string())
                                .unwrap_or_default(),
                            change.reason.clone(),
                            stored_register::visibility_word(change.visibility),
                        ])
                        .map_err(internal)?;
                }
            }
            writer.finish().map_err(internal)
        }
    }
}

fn public_export(
    society: &Society,
    entries: &[(StoredEntry, Person)],
    format: Format,
    today: NaiveDate,
) -> Result<String, ApiError> {
    let visible: Vec<(&Person, balint_core::register::PublicEntry)> = entries
        .iter()
        .filter_map(|(stored, person)| Some((person, stored.entry.public_view(today)?)))
        .collect();
    match format {
        Format::Json => {
            let entries: Vec<serde_json::Value> = visible
                .iter()
                .map(|(person, public)| {
                    json!({
                        "registration": public.registration,
                        "title": person.title,
                        "name": person.name(),
                        "city": person.city,
                        "region": person.region,
                        "tier": public.tier,
                        "status": public.status,
                        "first_accredited": public.first_accredited,
                        "valid_until": public.valid_until,
                        "history": public.history,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&json!({ "society": society.slug, "entries": entries }))
                .map_err(internal)
        }
        Format::Csv => {
            let mut writer = CsvWriter::new();
            writer.row(PUBLIC_CSV_COLUMNS).map_err(internal)?;
            for (person, public) in &visible {
                let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                writer
                    .row([
                        public.registration.as_str().to_owned(),
                        opt(&person.title),
                        person.name(),
                        opt(&person.city),
                        opt(&person.region),
                        public.tier.as_str().to_owned(),
                        public.status.as_str().to_owned(),
                        public.first_accredited.to_string(),
                        public
                            .valid_until
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    ])
                    .map_err(internal)?;
            }
            writer.finish().map_err(internal)
        }
    }
}
