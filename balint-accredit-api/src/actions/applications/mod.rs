//! Applications for a tier, and the registrar's decision on them.
