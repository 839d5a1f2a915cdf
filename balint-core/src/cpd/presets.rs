//! The CPD schemes shipped as data files in `presets/cpd/`.
//!
//! | id | body | counts |
//! | --- | --- | --- |
//! | `aek-psychosomatic-basic-care` | German medical chambers | 30 hours (of 45 minutes) of Balint group work over at least six months, at least 15 in person |

use serde::Serialize;

use super::{CpdScheme, SchemeErrors};

/// A built-in CPD scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SchemePreset {
    /// Its id, e.g. `aek-psychosomatic-basic-care`.
    pub id: &'static str,
    /// The file's text (TOML), ready to adopt or adapt.
    pub source: &'static str,
}

impl SchemePreset {
    /// The parsed scheme.
    pub fn scheme(&self) -> CpdScheme {
        // Every preset is parsed by the tests, so a failure here is a
        // broken shipped file: a bug, not an input error.
        #[allow(clippy::expect_used)]
        self.try_scheme()
            .expect("built-in CPD schemes are valid (checked by tests)")
    }

    /// The parsed scheme, or the problems with the file.
    pub fn try_scheme(&self) -> Result<CpdScheme, SchemeErrors> {
        CpdScheme::from_toml_str(self.source)
    }
}

const PRESETS: &[SchemePreset] = &[SchemePreset {
    id: "aek-psychosomatic-basic-care",
    source: include_str!("../../presets/cpd/aek-psychosomatic-basic-care.toml"),
}];

/// Every built-in scheme, in a stable order.
pub fn all() -> Vec<SchemePreset> {
    PRESETS.to_vec()
}

/// One built-in scheme by id.
pub fn get(id: &str) -> Option<SchemePreset> {
    PRESETS.iter().find(|p| p.id == id).copied()
}
