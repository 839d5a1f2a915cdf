//! The real societies' pathways, shipped as data files in `presets/`.
//!
//! | id | society | tiers |
//! | --- | --- | --- |
//! | `abs-credentialed-leader` | American Balint Society | member, candidate, credentialed leader, listed supervisor |
//! | `uk-2016` | UK Balint Society (2016/2020 criteria) | trainee, accredited leader (with renewal) |
//! | `bsanz-leader` | Balint Society of Australia and New Zealand | pathway trainee, accredited leader, leader trainee, accredited leader trainer |
//! | `dbg-leader` | Deutsche Balint-Gesellschaft | leader in training, Balint group leader |
//! | `rcpsych-core-balint` | Royal College of Psychiatrists | core trainee, attendance complete |
//!
//! Where a society leaves a figure to judgement, the file says so in a
//! `discretion` note, which every assessment shows.

use serde::Serialize;

use crate::pathway::{Pathway, PathwayErrors};

/// The format of a preset's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

/// A built-in pathway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Preset {
    /// Its id, e.g. `bsanz-leader`.
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The society, e.g. `Balint Society of Australia and New Zealand`.
    pub society: &'static str,
    /// What it covers.
    pub description: &'static str,
    /// The file's text, ready to adopt or adapt.
    pub source: &'static str,
    /// The file's format.
    pub format: Format,
}

impl Preset {
    /// The parsed pathway.
    pub fn pathway(&self) -> Pathway {
        // Every preset is parsed by the test suite, so a failure here means
        // a shipped file is broken: a bug, not an input error.
        #[allow(clippy::expect_used)]
        self.try_pathway()
            .expect("built-in pathway presets are valid (checked by tests)")
    }

    /// The parsed pathway, or the problems with the file.
    pub fn try_pathway(&self) -> Result<Pathway, PathwayErrors> {
        match self.format {
            Format::Json => Pathway::from_json_str(self.source),
            Format::Toml => Pathway::from_toml_str(self.source),
        }
    }
}

const PRESETS: &[Preset] = &[
    Preset {
        id: "abs-credentialed-leader",
        title: "American Balint Society leader credentialing",
        society: "American Balint Society",
        description: "Member, candidate and credentialed leader: 3 Leadership Intensives, leading at least monthly for 2 years, 12 supervision sessions from a listed supervisor.",
        source: include_str!("../presets/abs-credentialed-leader.json"),
        format: Format::Json,
    },
    Preset {
        id: "uk-2016",
        title: "UK Balint Society accredited leader (2016/2020 criteria)",
        society: "UK Balint Society",
        description: "Group membership (8 or 20 sessions by background), co-leading 20 sessions, 2 leadership weekends, a supervisor's report; the numbers are guidelines. Applies to those on the pathway before June 2023.",
        source: include_str!("../presets/uk-2016.toml"),
        format: Format::Toml,
    },
    Preset {
        id: "bsanz-leader",
        title: "BSANZ accredited leader and leader trainer",
        society: "Balint Society of Australia and New Zealand",
        description: "Accredited Leader (30 case discussions over 20 meetings, supervision 10 a year, intensives, reports) and Accredited Leader Trainer.",
        source: include_str!("../presets/bsanz-leader.json"),
        format: Format::Json,
    },
    Preset {
        id: "dbg-leader",
        title: "DBG Balint group leader",
        society: "Deutsche Balint-Gesellschaft",
        description: "105 double sessions of participation (35 before, 70 during training), 6 leader seminars of 30 double sessions, supervised leading, final colloquium.",
        source: include_str!("../presets/dbg-leader.toml"),
        format: Format::Toml,
    },
    Preset {
        id: "rcpsych-core-balint",
        title: "Core psychiatry training: case-based discussion group attendance",
        society: "Royal College of Psychiatrists",
        description: "25-30 case-based discussion (Balint) group sessions with a group assessment about every six months.",
        source: include_str!("../presets/rcpsych-core-balint.toml"),
        format: Format::Toml,
    },
];

/// Every preset, in a stable order.
pub fn all() -> Vec<Preset> {
    PRESETS.to_vec()
}

/// One preset by id.
pub fn get(id: &str) -> Option<Preset> {
    PRESETS.iter().find(|p| p.id == id).copied()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_matches_its_listing() {
        for preset in all() {
            let pathway = preset
                .try_pathway()
                .unwrap_or_else(|e| panic!("{}: {e}", preset.id));
            assert_eq!(pathway.id().as_str(), preset.id);
            // A stored pathway reads back the same.
            let json = serde_json::to_string(&pathway).unwrap();
            assert_eq!(Pathway::from_json_str(&json).unwrap(), pathway);
        }
        assert!(get("bsanz-leader").is_some());
        assert!(get("nope").is_none());
        assert!(all().iter().any(|p| p.format == Format::Toml));
    }
}
