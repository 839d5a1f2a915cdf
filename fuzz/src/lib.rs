//! What each fuzz target checks, as plain functions of the input: the
//! targets in `fuzz_targets/` only hand their bytes over. A panic (or a
//! failed `assert!`) here is a finding; an input that is refused with an
//! error is fine, as long as the error says something.
//!
//! The invariants, beyond "never panics":
//! - a pathway document that parses serialises (to JSON and to TOML) to a
//!   document that parses again to the same pathway;
//! - evaluating any parsed pathway against any parsed ledger, for every
//!   tier and every renewal, gives an assessment that renders as text and
//!   as JSON, and the same one whatever the order of the records;
//! - a register file that imports replays the same histories from them,
//!   and reads back the same after being written as a register file;
//! - a logbook row read as a record reads back the same from the fields an
//!   edit is merged into.

use balint_accredit_api::cli::evaluate::{report, LedgerFile, ReportFormat};
use balint_accredit_api::ledger::{self as logbook, BulkFormat};
use balint_accredit_api::register_io::{self, EntryRecord, Format, RegisterFile};
use balint_core::evaluate::{Assessment, Candidate, Inputs, RegisterSnapshot};
use balint_core::ledger::Activity;
use balint_core::pathway::Pathway;
use balint_core::{presets, RegisterEntry};
use chrono::{Days, NaiveDate};

/// The syntax of a pathway document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Toml,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The bounds of the days the command line accepts for `--as-of`.
fn first_day() -> NaiveDate {
    day(1900, 1, 1)
}
fn last_day() -> NaiveDate {
    day(2199, 12, 31)
}

/// The example ledgers, parsed once per call (cheap next to evaluation).
fn example_ledgers() -> Vec<LedgerFile> {
    [
        include_str!("../../examples/ledgers/bsanz-trainee.json"),
        include_str!("../../examples/ledgers/abs-candidate.json"),
    ]
    .into_iter()
    .map(|text| LedgerFile::parse(text, "example").expect("the example ledgers parse"))
    .collect()
}

fn parse_pathway(text: &str, syntax: Syntax) -> Option<Pathway> {
    let parsed = match syntax {
        Syntax::Json => Pathway::from_json_str(text),
        Syntax::Toml => Pathway::from_toml_str(text),
    };
    match parsed {
        Ok(pathway) => Some(pathway),
        Err(errors) => {
            // A refusal always says what is wrong.
            assert!(!errors.problems().is_empty(), "refused with no problem");
            for p in errors.problems() {
                assert!(!p.message.is_empty(), "a problem without a message");
            }
            None
        }
    }
}

/// A pathway document: parse it; if it parses, it must round-trip through
/// JSON and TOML and evaluate against the example ledgers.
pub fn pathway_document(data: &[u8], syntax: Syntax) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(pathway) = parse_pathway(text, syntax) else {
        return;
    };
    pathway_round_trips(&pathway);
    for ledger in example_ledgers() {
        evaluate_everything(&pathway, &ledger, day(2025, 12, 31));
    }
}

/// A parsed pathway serialises to JSON and to TOML documents that parse
/// again to the same pathway.
pub fn pathway_round_trips(pathway: &Pathway) {
    let json = serde_json::to_string(pathway).expect("a pathway serialises to JSON");
    match Pathway::from_json_str(&json) {
        Ok(again) => assert_eq!(&again, pathway, "JSON round trip changed it:\n{json}"),
        Err(e) => panic!("its JSON does not parse again: {e}\n{json}"),
    }
    let toml = toml::to_string(pathway).expect("a pathway serialises to TOML");
    match Pathway::from_toml_str(&toml) {
        Ok(again) => assert_eq!(&again, pathway, "TOML round trip changed it:\n{toml}"),
        Err(e) => panic!("its TOML does not parse again: {e}\n{toml}"),
    }
}

/// Every tier and every renewal of `pathway`, for the ledger's candidate,
/// as the command line and the service evaluate them: the assessments
/// render, serialise, and do not depend on the order of the records.
pub fn evaluate_everything(pathway: &Pathway, ledger: &LedgerFile, as_of: NaiveDate) {
    let Some(candidate) = candidate_of(ledger) else {
        return;
    };
    let register: RegisterSnapshot = ledger.register.iter().cloned().collect();
    let inputs = Inputs::new(pathway, &candidate, &ledger.activities, as_of)
        .with_register(&register)
        .with_overrides(&ledger.overrides);
    // The same records, the other way round.
    let reversed: Vec<Activity> = ledger.activities.iter().rev().cloned().collect();
    let unique_ids = {
        let mut ids: Vec<_> = ledger.activities.iter().map(|a| &a.id).collect();
        ids.sort();
        ids.dedup();
        ids.len() == ledger.activities.len()
    };
    let inputs_reversed = Inputs::new(pathway, &candidate, &reversed, as_of)
        .with_register(&register)
        .with_overrides(&ledger.overrides);

    for tier in pathway.tiers() {
        let assessment = inputs
            .evaluate(&tier.id)
            .expect("a tier of the pathway evaluates");
        let json = look_at(&assessment);
        if unique_ids {
            let other = inputs_reversed
                .evaluate(&tier.id)
                .expect("a tier of the pathway evaluates");
            assert_eq!(
                json,
                look_at(&other),
                "the order of the records changed the assessment of {}",
                tier.id
            );
        }
        if tier.renewal.is_some() {
            for start in [
                as_of,
                as_of.checked_sub_days(Days::new(400)).unwrap_or(as_of),
            ] {
                let renewal = inputs
                    .evaluate_renewal(&tier.id, start)
                    .expect("a tier with a renewal evaluates its renewal");
                look_at(&renewal);
            }
        }
    }
}

/// Renders an assessment every way the service does; returns its JSON.
fn look_at(assessment: &Assessment<'_>) -> String {
    let text = assessment.render_text();
    assert!(!text.is_empty(), "an empty report");
    let _ = assessment.missing();
    let _ = assessment.missing_desirable();
    let _ = assessment.requirements();
    let json = serde_json::to_string(assessment).expect("an assessment serialises");
    let _ = assessment.clone().into_owned();
    json
}

/// The candidate the command line would evaluate: the ledger's, or the
/// one person its records name.
fn candidate_of(ledger: &LedgerFile) -> Option<Candidate> {
    if let Some(c) = &ledger.candidate {
        return Some(c.clone());
    }
    let first = ledger.activities.first()?;
    ledger
        .activities
        .iter()
        .all(|a| a.person == first.person)
        .then(|| Candidate::new(first.person.clone()))
}

/// A ledger file as `balint-accredit evaluate` reads it. When the input
/// holds a NUL byte, what comes before it is a pathway document (JSON when
/// it starts with `{`, else TOML) and the ledger follows; otherwise the
/// ledger is evaluated against every built-in pathway.
pub fn ledger_file(data: &[u8]) {
    let (pathways, ledger) = match data.iter().position(|&b| b == 0) {
        Some(at) => {
            let Ok(text) = std::str::from_utf8(&data[..at]) else {
                return;
            };
            let syntax = if text.trim_start().starts_with('{') {
                Syntax::Json
            } else {
                Syntax::Toml
            };
            let Some(pathway) = parse_pathway(text, syntax) else {
                return;
            };
            (vec![pathway], &data[at + 1..])
        }
        None => (presets::all().iter().map(|p| p.pathway()).collect(), data),
    };
    let Ok(text) = std::str::from_utf8(ledger) else {
        return;
    };
    let ledger = match LedgerFile::parse(text, "ledger.json") {
        Ok(ledger) => ledger,
        Err(e) => {
            assert!(e.to_string().contains("ledger.json"), "{e}");
            return;
        }
    };
    // Today, and the latest record's day within the days --as-of takes.
    let latest = ledger
        .activities
        .iter()
        .map(|a| a.date)
        .max()
        .unwrap_or_default()
        .clamp(first_day(), last_day());
    for pathway in &pathways {
        for as_of in [day(2025, 12, 31), latest] {
            // The command line's own path: every tier by application, as
            // text and as JSON.
            let text = report(pathway, &ledger, None, as_of, ReportFormat::Text);
            let json = report(pathway, &ledger, None, as_of, ReportFormat::Json);
            match (text, json) {
                (Ok(text), Ok(json)) => {
                    assert_eq!(text.eligible, json.eligible);
                    serde_json::from_str::<serde_json::Value>(&json.text)
                        .expect("the JSON report is JSON");
                }
                (Err(_), Err(_)) => {}
                (text, json) => panic!(
                    "text and JSON reports disagree: {:?} / {:?}",
                    text.map(|r| r.eligible),
                    json.map(|r| r.eligible)
                ),
            }
            evaluate_everything(pathway, &ledger, as_of);
        }
    }
}

/// A register file as `balint-accredit import` and `POST .../register/import`
/// read it, tried as JSON and as CSV. What imports must replay, and read
/// back the same from a register file written from it.
pub fn register_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Json, Format::Csv] {
        let Ok(entries) = register_io::read(text, format) else {
            continue;
        };
        for imported in &entries {
            let entry = &imported.entry;
            let replayed = RegisterEntry::from_history(
                entry.registration().clone(),
                entry.person().clone(),
                entry.history().to_vec(),
            )
            .expect("an imported history replays");
            assert_eq!(&replayed, entry);
            let first = entry.first_accredited();
            for on in [
                first.pred_opt().unwrap_or(first),
                first,
                entry.latest_change().effective,
                last_day(),
            ] {
                let _ = entry.status_as_of(on);
                let _ = entry.standing_on(on);
                let _ = entry.public_view(on);
                let _ = entry.tiers_held_on(on);
                let _ = entry.due_for_renewal(on, 90);
                let _ = entry.clone().lapse_if_due(on);
            }
            let _ = entry.public_history();
        }
        // Written as a register file (the full export's shape) and read
        // again: the same entries.
        let file = RegisterFile {
            society: "fuzz".to_owned(),
            entries: entries
                .iter()
                .map(|e| EntryRecord {
                    registration: e.entry.registration().to_string(),
                    person: e.person.clone(),
                    history: e.entry.history().to_vec(),
                })
                .collect(),
        };
        let json = serde_json::to_string(&file).expect("a register file serialises");
        let again = match register_io::read(&json, Format::Json) {
            Ok(again) => again,
            Err(e) => panic!("an imported register does not import again: {e:?}\n{json}"),
        };
        assert_eq!(again.len(), entries.len());
        for (a, b) in entries.iter().zip(&again) {
            assert_eq!(a.entry.registration(), b.entry.registration());
            assert_eq!(a.entry.history(), b.entry.history());
            assert_eq!(a.person, b.person);
        }
    }
}

/// A trainee's logbook as `balint-accredit ledger import` and the bulk
/// upload read it, tried as JSON and as CSV: every row read and checked by
/// the rules that need no database. A row read as a record reads back the
/// same from its fields (as an edit merges them).
pub fn logbook_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = day(2025, 12, 31);
    let owner: balint_core::PersonId = "p-owner".parse().expect("a valid id");
    for format in [BulkFormat::Json, BulkFormat::Csv] {
        let Ok(rows) = logbook::rows(text, format) else {
            continue;
        };
        for (i, row) in rows.iter().enumerate() {
            let prefix = format!("rows[{}].", i + 1);
            let (draft, problems) = logbook::read(row, &prefix, today);
            for p in &problems {
                assert!(p.field.starts_with(&prefix), "{} outside the row", p.field);
            }
            let draft = draft.owned_by(logbook::new_id(), owner.clone());
            let _ = draft.activity.problems();
            if !problems.is_empty() {
                continue;
            }
            let Some((activity, corrects)) = draft.into_record() else {
                panic!("a row read without problems is not a record");
            };
            let fields = logbook::fields_of(&activity, corrects.as_deref());
            let (again, problems) = logbook::read(&fields, "", today);
            assert!(
                problems.is_empty(),
                "its fields read with problems: {problems:?}"
            );
            let again = again.owned_by(activity.id.clone(), owner.clone());
            let Some((again, corrects_again)) = again.into_record() else {
                panic!("its fields do not read as a record");
            };
            assert_eq!(again, activity);
            assert_eq!(corrects_again, corrects);
        }
    }
}
