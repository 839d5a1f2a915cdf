//! `balint-accredit evaluate`: a pathway file and a ledger file in, a
//! progress report out. No database: the same evaluation the service runs,
//! for a registrar checking a spreadsheet or a society drafting its rules.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use balint_core::evaluate::{Candidate, Inputs, Override, RegisterSnapshot, TierSpan};
use balint_core::ledger::Activity;
use balint_core::pathway::{Entry, Pathway};
use balint_core::{PersonId, TierId};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde::Deserialize;

use crate::day::{Day, DayError};

/// What `evaluate --help` says of the files, the dates and the answer.
const LEDGER_HELP: &str = "\
THE PATHWAY
  --pathway FILE: a pathway document in JSON (.json) or TOML (.toml), checked in
  full (every problem is listed with its path); or --preset ID, a built-in one:
  abs-credentialed-leader, uk-2016, bsanz-leader, dbg-leader, rcpsych-core-balint.

THE LEDGER FILE (JSON)
  Either a list of records, all of one person:
    [ {record}, {record}, ... ]
  or an object with the records and what the evaluation needs besides them:
    {
      \"candidate\":  {\"person\": \"p-1\", \"backgrounds\": [\"psychodynamic_training\"],
                     \"entered_pathway\": \"2024-02-01\",
                     \"tiers_held\": [{\"tier\": \"pathway-trainee\", \"since\": \"2024-02-01\"}]},
      \"activities\": [ {record}, ... ],
      \"overrides\":  [{\"requirement\": \"supervision\", \"kind\": \"recognition_of_prior_learning\",
                      \"effect\": {\"credit\": 5} or \"waive\", \"reason\": \"...\",
                      \"recorded_by\": \"p-9\", \"recorded_on\": \"2025-01-10\"}],
      \"register\":   [{\"person\": \"p-2\", \"tier\": \"accredited-leader-trainer\",
                      \"from\": \"2019-01-01\", \"until\": \"2030-01-01\"}]
    }
  Only \"activities\" is required. \"candidate\" says whose progress it is (needed
  when the records name several people) and the day they entered the pathway
  (training years count from it); \"register\" says who held which tier when (for
  rules such as \"supervised by an Accredited Leader Trainer\"; \"until\" is the first
  day no longer held, omitted while still held); \"overrides\" are recognition of
  prior learning or committee discretion (kind: recognition_of_prior_learning or
  committee_discretion).

  A record:
    id                 required  the record's id (letters, digits, - _ .)
    person             required  whose experience it is
    kind               required  participation, leading, co_leading, supervision,
                                 workshop, report, evaluation or prerequisite
    date               required  YYYY-MM-DD (the first day, for several days)
    amount             required  a number above zero
    unit               required  sessions, double_sessions, minutes, hours, cases,
                                 meetings, events or days (one that fits the kind)
    duration_minutes   optional  total length; lets sessions count as time
    days               optional  for an event over several days, how many
    cases              optional  cases discussed (leading and co-leading)
    delivery           optional  in_person (default) or online
    attestor           optional  who is asked to confirm it
    co_leader          optional  the co-leader (required for co_leading)
    supervisor         optional  the supervisor
    group              optional  the group's name or code
    ongoing_group      optional  true for a standing group (default false)
    setting            optional  e.g. general-practice, hospital
    event_type         optional  intensive, workshop, weekend, training_day,
                                 seminar, congress, residential or other
    provider           optional  who ran the event, e.g. bsanz
    provider_approved  optional  true when the society approved the provider
    supervision_format optional  individual or group
    report_type        optional  progress, final_suitability, observed_leading,
                                 case_discussion_assessment, training_record,
                                 colloquium or other
    prerequisite_type  optional  membership, professional_qualification,
                                 psychotherapy_training, clinical_experience or other
    notes              optional  free text
    attestation        optional  {\"state\": \"pending\"} (the default),
                                 {\"state\": \"confirmed\", \"by\": \"p-2\", \"on\": \"2025-03-05\"} or
                                 {\"state\": \"rejected\", \"by\": \"p-2\", \"on\": \"2025-03-05\",
                                  \"reason\": \"...\"}
  Only confirmed records count. Any other field is refused with its place in
  the file (e.g. activities[2].status), so a typo never leaves a record pending.

EXIT STATUS
  0  eligible (for every tier evaluated)
  1  not eligible (for some tier evaluated)
  2  the files or the arguments could not be used (the reason is printed)

EXAMPLES
  balint-accredit evaluate --preset bsanz-leader --tier accredited-leader \\
      --ledger examples/ledgers/bsanz-trainee.json --as-of 2025-12-31
  balint-accredit evaluate --pathway our-rules.toml --ledger ledger.json --format json";

/// Arguments of `balint-accredit evaluate`.
#[derive(Debug, Args)]
#[command(
    after_help = "The ledger file's format, the exit status and examples: --help.",
    after_long_help = LEDGER_HELP
)]
pub struct EvaluateArgs {
    /// The pathway document (.json or .toml).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "preset",
        conflicts_with = "preset"
    )]
    pub pathway: Option<PathBuf>,
    /// A built-in pathway by id, instead of --pathway.
    #[arg(long, value_name = "ID")]
    pub preset: Option<String>,
    /// The ledger (JSON; its format is given below with --help).
    #[arg(long, value_name = "FILE")]
    pub ledger: PathBuf,
    /// The tier to evaluate; every tier reached by application when omitted.
    #[arg(long)]
    pub tier: Option<String>,
    /// The date of the assessment, as YYYY-MM-DD (e.g. 2025-12-31), from
    /// 1900-01-01 to 2199-12-31; today when omitted.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<Day>,
    /// Readable text, or the assessment as JSON.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// A day as YYYY-MM-DD, or a message that says so.
fn parse_date(text: &str) -> Result<Day, String> {
    Day::parse(text).map_err(|e| match e {
        DayError::NotADate => {
            format!("expected a date as YYYY-MM-DD, for example 2025-12-31 (found {text:?})")
        }
        DayError::OutOfRange => {
            format!("expected a day from 1900-01-01 to 2199-12-31 (found {text:?})")
        }
    })
}

/// The report to print, and whether every tier evaluated is met.
#[derive(Debug)]
pub struct Report {
    /// Text or JSON, as asked.
    pub text: String,
    /// Whether the candidate is eligible for every tier evaluated.
    pub eligible: bool,
}

/// How `evaluate` prints its assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A report for people.
    Text,
    /// The full assessment as JSON.
    Json,
}

/// A ledger file as `evaluate` reads it (its format is given by
/// `balint-accredit evaluate --help`): the records, and optionally the
/// candidate, overrides and register spans the evaluation needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerFile {
    /// Whose progress it is; without it the records must all be one
    /// person's.
    #[serde(default)]
    pub candidate: Option<Candidate>,
    /// The records.
    pub activities: Vec<Activity>,
    /// Recognition of prior learning and committee discretion.
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// Who held which tier when.
    #[serde(default)]
    pub register: Vec<TierSpan>,
}

impl LedgerFile {
    /// Reads a ledger file's text: a list of records, or an object with
    /// `activities` and the rest. An error names the file as `name` and
    /// says where in it the problem is (`activities[2].status`, line and
    /// column). No I/O, so it can be tested (and fuzzed) on its own.
    pub fn parse(text: &str, name: &str) -> anyhow::Result<LedgerFile> {
        // Decide the shape first, so a mistake is reported at its place in
        // the file (`activities[2].status`) rather than as "matched no shape".
        if text.trim_start().starts_with('[') {
            let activities: Vec<Activity> = read_json(name, text)?;
            Ok(LedgerFile {
                candidate: None,
                activities,
                overrides: Vec::new(),
                register: Vec::new(),
            })
        } else {
            read_json(name, text)
        }
    }
}

/// Runs the evaluation and returns the report to print. An error means
/// the files or the arguments could not be used.
pub fn run(args: &EvaluateArgs, today: NaiveDate) -> anyhow::Result<Report> {
    let pathway = load_pathway(args)?;
    let ledger = load_ledger(&args.ledger)?;
    let as_of = args.as_of.map_or(today, Day::date);
    report(&pathway, &ledger, args.tier.as_deref(), as_of, args.format)
}

/// Evaluates `ledger` against `pathway` as of `as_of`, for `tier` or, when
/// none is given, every tier reached by application that has
/// requirements, and renders the report as `format`. What `run` does once
/// the files are read; an error means the arguments could not be used
/// (an unknown tier, a ledger of several people and no candidate).
pub fn report(
    pathway: &Pathway,
    ledger: &LedgerFile,
    tier: Option<&str>,
    as_of: NaiveDate,
    format: ReportFormat,
) -> anyhow::Result<Report> {
    let candidate = match &ledger.candidate {
        Some(c) => c.clone(),
        None => Candidate::new(single_person(&ledger.activities)?),
    };
    let register: RegisterSnapshot = ledger.register.iter().cloned().collect();
    let inputs = Inputs::new(pathway, &candidate, &ledger.activities, as_of)
        .with_register(&register)
        .with_overrides(&ledger.overrides);

    let tiers: Vec<TierId> = match tier {
        Some(t) => {
            let tier: TierId = t
                .parse()
                .with_context(|| format!("--tier {t:?} is not a tier id"))?;
            if pathway.tier(&tier).is_none() {
                let known: Vec<&str> = pathway.tiers().iter().map(|t| t.id.as_str()).collect();
                bail!(
                    "pathway {} has no tier {t:?}; its tiers are: {}",
                    pathway.id(),
                    known.join(", ")
                );
            }
            vec![tier]
        }
        None => pathway
            .tiers()
            .iter()
            .filter(|t| t.entry == Entry::Application && !t.requirements.is_empty())
            .map(|t| t.id.clone())
            .collect(),
    };

    let mut assessments = Vec::with_capacity(tiers.len());
    for tier in &tiers {
        assessments.push(inputs.evaluate(tier)?);
    }
    let eligible = assessments.iter().all(|a| a.eligible);
    let text = match format {
        ReportFormat::Text => assessments
            .iter()
            .map(|a| a.render_text())
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Json => {
            let json = if assessments.len() == 1 {
                serde_json::to_string_pretty(&assessments[0])?
            } else {
                serde_json::to_string_pretty(&assessments)?
            };
            json + "\n"
        }
    };
    Ok(Report { text, eligible })
}

fn load_pathway(args: &EvaluateArgs) -> anyhow::Result<Pathway> {
    if let Some(id) = &args.preset {
        let preset = balint_core::presets::get(id).with_context(|| {
            let known: Vec<&str> = balint_core::presets::all().iter().map(|p| p.id).collect();
            format!(
                "no built-in pathway {id:?}; the presets are: {}",
                known.join(", ")
            )
        })?;
        return Ok(preset.pathway());
    }
    let Some(path) = &args.pathway else {
        bail!("give --pathway FILE or --preset ID");
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let parsed = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Pathway::from_toml_str(&text),
        _ => Pathway::from_json_str(&text),
    };
    parsed.map_err(|errors| {
        let list: Vec<String> = errors
            .problems()
            .iter()
            .map(|p| format!("  {}: {}", p.path, p.message))
            .collect();
        anyhow::anyhow!(
            "{} is not a valid pathway document:\n{}",
            path.display(),
            list.join("\n")
        )
    })
}

fn load_ledger(path: &Path) -> anyhow::Result<LedgerFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    LedgerFile::parse(&text, &path.display().to_string())
}

/// `text` as a `T`, or what is wrong and where: the field's path, the line
/// and the column.
fn read_json<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> anyhow::Result<T> {
    let mut json = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let place = e.path().to_string();
        let inner = e.into_inner();
        let place = if place == "." {
            String::new()
        } else {
            format!("{place}: ")
        };
        anyhow::anyhow!(
            "{name} is not a ledger file ({place}{inner}); its format is given by `balint-accredit evaluate --help`"
        )
    })
}

/// Without a candidate in the file, the ledger must be one person's.
fn single_person(activities: &[Activity]) -> anyhow::Result<PersonId> {
    let mut people: Vec<&PersonId> = activities.iter().map(|a| &a.person).collect();
    people.sort();
    people.dedup();
    match people.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!("the ledger has no activities and names no candidate"),
        many => bail!(
            "the ledger holds records of {} people ({}); add a \"candidate\" to say whose progress to evaluate",
            many.len(),
            many.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_file_is_a_list_of_records_or_an_object_with_them() {
        let record = r#"{"id": "a1", "person": "t", "kind": "leading", "date": "2025-03-04",
                         "amount": 1, "unit": "meetings"}"#;
        let list = LedgerFile::parse(&format!("  [{record}]"), "l.json").unwrap();
        assert_eq!(list.activities.len(), 1);
        assert!(list.candidate.is_none());
        let object =
            LedgerFile::parse(&format!(r#"{{"activities": [{record}]}}"#), "l.json").unwrap();
        assert_eq!(object.activities, list.activities);
    }

    #[test]
    fn a_bad_ledger_file_is_named_with_the_place_of_the_mistake() {
        let error = LedgerFile::parse(r#"{"activities": [], "status": 1}"#, "my-ledger.json")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("my-ledger.json is not a ledger file ("),
            "{error}"
        );
        assert!(error.contains("unknown field `status`"), "{error}");
    }

    #[test]
    fn the_report_refuses_a_ledger_of_several_people_without_a_candidate() {
        let ledger = LedgerFile::parse(
            r#"[{"id": "a1", "person": "t", "kind": "leading", "date": "2025-03-04", "amount": 1, "unit": "meetings"},
                {"id": "a2", "person": "u", "kind": "leading", "date": "2025-03-04", "amount": 1, "unit": "meetings"}]"#,
            "l.json",
        )
        .unwrap();
        let pathway = balint_core::presets::get("bsanz-leader").unwrap().pathway();
        let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let error = report(&pathway, &ledger, None, as_of, ReportFormat::Text).unwrap_err();
        assert!(error.to_string().contains("records of 2 people"), "{error}");
    }
}
