//! balint-core: the Balint group leadership pathway as data.
//!
//! A society's leadership pathway (its tiers and what each needs) is a
//! **pathway document**; a person's experience is a **ledger** of attested
//! activities; **evaluation** turns the two, as of a date, into an
//! **assessment** that says, for every requirement, what is required, what
//! is achieved, which records counted, which did not and why, and what is
//! still missing. The crate is pure: no I/O, no database, no clock (`as_of`
//! is always passed in), so any app can embed it.
//!
//! # Embedding it
//!
//! Load a preset, build a ledger, evaluate, print what is missing:
//!
//! ```
//! use balint_core::evaluate::{Candidate, HeldTier, Inputs, RegisterSnapshot};
//! use balint_core::ledger::{Activity, ActivityKind, Amount, Attestation, Unit};
//! use balint_core::presets;
//! use chrono::NaiveDate;
//!
//! let date = |s: &str| s.parse::<NaiveDate>().unwrap();
//! let pathway = presets::get("bsanz-leader").unwrap().pathway();
//!
//! // A trainee who has led 12 meetings (two cases each) and had 8 supervision
//! // sessions with an Accredited Leader Trainer.
//! let trainee: balint_core::PersonId = "p-17".parse().unwrap();
//! let trainer: balint_core::PersonId = "p-3".parse().unwrap();
//! let mut ledger = Vec::new();
//! for month in 1..=12 {
//!     let mut led = Activity::new(
//!         format!("lead-{month}").parse().unwrap(),
//!         trainee.clone(),
//!         ActivityKind::Leading,
//!         date(&format!("2024-{month:02}-10")),
//!         Amount::from_whole(1),
//!         Unit::Meetings,
//!     );
//!     led.cases = Some(2);
//!     led.attestation = Attestation::Confirmed { by: trainer.clone(), on: date("2025-01-05") };
//!     ledger.push(led);
//! }
//! for month in 1..=8 {
//!     let mut sup = Activity::new(
//!         format!("sup-{month}").parse().unwrap(),
//!         trainee.clone(),
//!         ActivityKind::Supervision,
//!         date(&format!("2024-{month:02}-20")),
//!         Amount::from_whole(1),
//!         Unit::Sessions,
//!     );
//!     sup.supervisor = Some(trainer.clone());
//!     sup.attestation = Attestation::Confirmed { by: trainer.clone(), on: date("2025-01-05") };
//!     ledger.push(sup);
//! }
//!
//! // Who held which tier when (for "supervised by an Accredited Leader Trainer").
//! let mut register = RegisterSnapshot::new();
//! register.add(trainer.clone(), "accredited-leader-trainer".parse().unwrap(), date("2015-03-01"), None);
//!
//! let candidate = Candidate {
//!     person: trainee,
//!     backgrounds: vec![],
//!     entered_pathway: Some(date("2023-11-01")),
//!     tiers_held: vec![HeldTier { tier: "pathway-trainee".parse().unwrap(), since: date("2023-11-01") }],
//! };
//! let assessment = Inputs::new(&pathway, &candidate, &ledger, date("2025-01-31"))
//!     .with_register(&register)
//!     .evaluate(&"accredited-leader".parse().unwrap())
//!     .unwrap();
//!
//! assert!(!assessment.eligible);
//! for line in assessment.missing() {
//!     println!("{line}");
//! }
//! let cases = assessment.requirement(&"case-discussions".parse().unwrap()).unwrap();
//! assert_eq!(cases.achieved, Some(Amount::from_whole(24)));
//! assert_eq!(cases.missing, Some(Amount::from_whole(6)));
//! assert_eq!(
//!     assessment.missing()[0],
//!     "Lead or co-lead at least 30 case discussions: 6 more cases needed (24 of 30)."
//! );
//! ```
//!
//! The assessment serializes to JSON (stable field order) and renders as
//! text with [`Assessment::render_text`](evaluate::Assessment::render_text).
//! It borrows the ids of the records it lists from the ledger; to keep it
//! longer than the ledger, take
//! [`Assessment::into_owned`](evaluate::Assessment::into_owned).
//!
//! # The modules
//!
//! - [`ledger`]: [`Activity`](ledger::Activity), kinds, [`Unit`](ledger::Unit)s
//!   with honest conversions, exact [`Amount`](ledger::Amount)s, attestation.
//! - [`pathway`]: the document, parsed and validated into a
//!   [`Pathway`](pathway::Pathway); versions and grandfathering
//!   ([`applicable_version`](pathway::applicable_version)).
//! - [`evaluate`]: the pure evaluation and the [`Assessment`](evaluate::Assessment).
//! - [`presets`]: the real societies' pathways (ABS, UK, BSANZ, DBG, RCPsych).
//! - [`register`]: register entries, statuses and renewal cycles.
//! - [`cpd`]: CPD schemes (what a body awarding continuing professional
//!   development counts of Balint work) as data, evaluated over a period.
//! - [`groups`]: the records one recorded meeting of a Balint group writes.
//!
//! # The pathway document format
//!
//! JSON and TOML are read the same way ([`Pathway::from_json_str`](pathway::Pathway::from_json_str),
//! [`Pathway::from_toml_str`](pathway::Pathway::from_toml_str)). Parsing
//! checks everything and reports **every** problem with its path, e.g.
//! `tiers[1].requirements[2].minimum: must be positive`; unknown fields are
//! problems too (they are usually typos).
//!
//! ## The document
//!
//! | field | | |
//! | --- | --- | --- |
//! | `format` | optional | `1` |
//! | `id`, `society` | required | ids (letters, digits, `-`, `_`, `.`) |
//! | `title`, `version` | required | text; `version` is a label such as `2016/2020` |
//! | `effective_from` | required | date: the version applies to those who enter the pathway on or after it |
//! | `description` | optional | text |
//! | `backgrounds` | optional | labels that `by_background` branches may use |
//! | `tiers` | required | the tiers, in order |
//!
//! ## A tier
//!
//! `id`, `name`, `entry` (`application`, the default; `invitation`; or
//! `enrolment`: reached on entering the pathway, held from the candidate's
//! `entered_pathway` day with no application, and without prerequisites),
//! `note`, `prerequisites` (tier ids, or `{tier, min_months}`),
//! `requirements`, and `renewal` (`cycle_months`, `grace_months`,
//! `requirements`, `note`). Prerequisites must name tiers of the pathway,
//! must not form a cycle, and every tier must be reachable from a tier with
//! no prerequisites.
//!
//! ## A requirement
//!
//! Every requirement has an `id` (unique within its tier: overrides refer to
//! it), a `title`, a `level` (`mandatory`, the default, or `desirable`;
//! nested requirements take their parent's), an optional `note` and an
//! optional `discretion` (where the society leaves the figure to the
//! committee's judgement; shown in every assessment). Its `type` is one of:
//!
//! - `activity` (the default): counts records.
//!   - `kinds` (or `kind`): activity kinds: `participation`, `leading`,
//!     `co_leading`, `supervision`, `workshop`, `report`, `evaluation`,
//!     `prerequisite`;
//!   - `unit`: `sessions`, `double_sessions`, `minutes`, `hours`, `cases`,
//!     `meetings`, `events`, `days`, or `distinct_groups`,
//!     `distinct_co_leaders`, `distinct_settings`;
//!   - `minimum`: a positive number;
//!   - `window`: `within_months` before the assessment date, `after` and
//!     `before` a milestone (`"pathway_entry"` or `{"tier_reached": tier}`);
//!   - `rate`: `{at_least, per, periods, anchor}`: at least `at_least` in
//!     each of `periods` consecutive periods of a `month`, `quarter`,
//!     `half_year` or `year`. The `anchor` says where periods begin:
//!     - `rolling` (the default): on the first day of any month, so a run
//!       may begin before the first record ("at least monthly for two
//!       years" is any 24 consecutive calendar months);
//!     - `pathway_entry`: on the day the candidate entered the pathway, so
//!       periods are years (half years, ...) of training ("10 a year" for
//!       each training year); records before that day are in no period;
//!     - `calendar`: years from 1 January, half years from January and
//!       July, quarters from January, April, July and October.
//!
//!     The rate is met as soon as some such run holds enough in every
//!     period: records after the assessment date never count, so a period
//!     still under way counts once it already holds enough. When it is not
//!     met, the assessment names the longest run, the recent periods that
//!     fell short and what they held (see
//!     [`RateResult`](evaluate::RateResult));
//!   - `conditions`: each an object with one field: `co_leader_held` /
//!     `supervisor_held` (tiers, checked on the record's date),
//!     `event_type`, `provider`, `provider_approved`, `delivery`
//!     (`in_person`/`online`), `supervision_format`, `report_type`,
//!     `prerequisite_type`, `ongoing_group`, `min_days` (the event ran at
//!     least so many days: its `days`, or its amount when counted in days),
//!     or `not` (another condition);
//!   - `caps`: `{max_percent, when: condition, note}`: records matching
//!     `when` count for at most that share of the minimum.
//! - `all_of`, `any_of` (with `requirements`), `at_least` (with `count` and
//!   `requirements`): combinations, e.g. "2 BSANZ intensives, or 1 BSANZ
//!   intensive and 1 approved international workshop".
//! - `by_background`: `branches` (`{backgrounds, requirement}`) and
//!   `otherwise`: the first branch matching the candidate's background
//!   applies (UK: 8 sessions with psychodynamic training, 20 without).
//!
//! ## A complete example
//!
//! ```
//! let toml = r#"
//! id = "example-leader"
//! society = "example"
//! title = "Example society accredited leader"
//! version = "2025"
//! effective_from = 2025-01-01
//! backgrounds = ["psychodynamic_training"]
//!
//! [[tiers]]
//! id = "trainee"
//! name = "Trainee"
//!
//! [[tiers]]
//! id = "leader"
//! name = "Accredited Leader"
//! entry = "application"
//! prerequisites = [{ tier = "trainee", min_months = 12 }]
//!
//! [[tiers.requirements]]
//! id = "leading"
//! title = "Lead or co-lead 20 sessions, at least monthly for a year"
//! kinds = ["leading", "co_leading"]
//! unit = "sessions"
//! minimum = 20
//! window = { within_months = 36, after = "pathway_entry" }
//! rate = { at_least = 1, per = "month", periods = 12, anchor = "rolling" }
//! caps = [{ max_percent = 50, when = { delivery = "online" } }]
//!
//! [[tiers.requirements]]
//! id = "supervision"
//! title = "10 hours of supervision with a leader"
//! kind = "supervision"
//! unit = "hours"
//! minimum = 10
//! conditions = [{ supervisor_held = "leader" }]
//!
//! [[tiers.requirements]]
//! id = "membership"
//! title = "Group membership"
//! type = "by_background"
//! discretion = "A guideline the committee may weigh."
//! branches = [{ backgrounds = ["psychodynamic_training"], requirement = { id = "membership-8", title = "8 sessions", kind = "participation", unit = "sessions", minimum = 8 } }]
//! otherwise = { id = "membership-20", title = "20 sessions", kind = "participation", unit = "sessions", minimum = 20 }
//!
//! [[tiers.requirements]]
//! id = "workshops"
//! title = "2 society workshops, or 1 and 1 approved elsewhere"
//! type = "any_of"
//! requirements = [
//!   { id = "two-own", title = "2 society workshops", kind = "workshop", unit = "events", minimum = 2, conditions = [{ provider = "example" }] },
//!   { id = "mixed", title = "1 own and 1 approved", type = "all_of", requirements = [
//!     { id = "one-own", title = "1 society workshop", kind = "workshop", unit = "events", minimum = 1, conditions = [{ provider = "example" }] },
//!     { id = "one-approved", title = "1 approved elsewhere", kind = "workshop", unit = "events", minimum = 1, conditions = [{ provider_approved = true }, { not = { provider = "example" } }] },
//!   ] },
//! ]
//!
//! [[tiers.requirements]]
//! id = "ongoing-group"
//! title = "Member of an ongoing group"
//! level = "desirable"
//! kind = "participation"
//! unit = "sessions"
//! minimum = 1
//! conditions = [{ ongoing_group = true }]
//!
//! [tiers.renewal]
//! cycle_months = 36
//! grace_months = 6
//! requirements = [{ id = "keep-leading", title = "Lead 10 hours a cycle", kinds = ["leading", "co_leading"], unit = "hours", minimum = 10 }]
//! "#;
//! let pathway = balint_core::pathway::Pathway::from_toml_str(toml).unwrap();
//! assert_eq!(pathway.tiers().len(), 2);
//!
//! // The same document with mistakes: every problem, with its path.
//! let broken = toml.replace("minimum = 20\n", "minimum = -20\n").replace("\"co_leading\"]\nunit", "\"co_leadin\"]\nunit");
//! let problems = balint_core::pathway::Pathway::from_toml_str(&broken).unwrap_err();
//! let paths: Vec<&str> = problems.problems().iter().map(|p| p.path.as_str()).collect();
//! assert_eq!(paths, ["tiers[1].requirements[0].kinds[1]", "tiers[1].requirements[0].minimum"]);
//! ```
//!
//! ## Versions
//!
//! Each upload of a society's rules is a new version with its own
//! `effective_from`. [`pathway::applicable_version`] picks the version for a
//! person: the latest one in force on the day they entered the pathway, so
//! those already on it keep the rules they started under.
//!
//! ## Overrides
//!
//! Recognition of prior learning and committee discretion are
//! [`Override`](evaluate::Override)s, recorded with a reason, who and when;
//! they credit an amount or waive a requirement, and every assessment shows
//! them. They are never silent edits of the ledger or the rules.

pub mod cpd;
pub mod evaluate;
pub mod groups;
pub mod ids;
pub mod ledger;
pub mod pathway;
pub mod presets;
pub mod register;

pub use ids::{
    ActivityId, IdError, PathwayId, PersonId, RegistrationNumber, RequirementId, SchemeId,
    SocietyId, TierId,
};
pub use register::{Register, RegisterEntry, RegisterError, Status};
