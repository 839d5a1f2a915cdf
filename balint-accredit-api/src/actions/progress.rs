//! A person's progress towards a tier, as balint-core assesses it.
