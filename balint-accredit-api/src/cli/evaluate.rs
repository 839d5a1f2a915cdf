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

/// Arguments of `balint-accredit evaluate`.
#[derive(Debug, Args)]
#[command(after_help = "\
The pathway file is a pathway document in JSON (.json) or TOML (.toml); \
--preset names a built-in one instead (see `GET /api/v1/pathway-presets`).

The ledger file is JSON: either an array of activities, or an object
  {\"candidate\": {\"person\": \"p-1\", \"backgrounds\": [...], \"entered_pathway\": \"2024-02-01\"},
   \"activities\": [...], \"overrides\": [...], \"register\": [{\"person\", \"tier\", \"from\", \"until\"}]}
where `register` says who held which tier when (for co-leader and supervisor conditions).

Example:
  balint-accredit evaluate --preset bsanz-leader --ledger ledger.json --tier accredited-leader --as-of 2026-06-30")]
pub struct EvaluateArgs {
    /// The pathway document (.json or .toml).
    #[arg(long, required_unless_present = "preset", conflicts_with = "preset")]
    pub pathway: Option<PathBuf>,
    /// A built-in pathway by id, instead of --pathway.
    #[arg(long)]
    pub preset: Option<String>,
    /// The ledger (JSON; see below).
    #[arg(long)]
    pub ledger: PathBuf,
    /// The tier to evaluate; every tier reached by application when omitted.
    #[arg(long)]
    pub tier: Option<String>,
    /// The date of the assessment (YYYY-MM-DD); today when omitted.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Readable text, or the assessment as JSON.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// How `evaluate` prints its assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A report for people.
    Text,
    /// The full assessment as JSON.
    Json,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FullLedger {
    #[serde(default)]
    candidate: Option<Candidate>,
    activities: Vec<Activity>,
    #[serde(default)]
    overrides: Vec<Override>,
    #[serde(default)]
    register: Vec<TierSpan>,
}

/// Runs the evaluation and returns the report to print.
pub fn run(args: &EvaluateArgs, today: NaiveDate) -> anyhow::Result<String> {
    let pathway = load_pathway(args)?;
    let ledger = load_ledger(&args.ledger)?;
    let as_of = args.as_of.unwrap_or(today);

    let candidate = match ledger.candidate {
        Some(c) => c,
        None => Candidate::new(single_person(&ledger.activities)?),
    };
    let register: RegisterSnapshot = ledger.register.into_iter().collect();
    let inputs = Inputs::new(&pathway, &candidate, &ledger.activities, as_of)
        .with_register(&register)
        .with_overrides(&ledger.overrides);

    let tiers: Vec<TierId> = match &args.tier {
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
    Ok(match args.format {
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
    })
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

fn load_ledger(path: &Path) -> anyhow::Result<FullLedger> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let not_a_ledger = || format!("{} is not a ledger file (see --help)", path.display());
    // Decide the shape first, so a mistake is reported at its line and
    // column rather than as "matched no shape".
    if text.trim_start().starts_with('[') {
        let activities: Vec<Activity> = serde_json::from_str(&text).with_context(not_a_ledger)?;
        Ok(FullLedger {
            candidate: None,
            activities,
            overrides: Vec::new(),
            register: Vec::new(),
        })
    } else {
        serde_json::from_str(&text).with_context(not_a_ledger)
    }
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
