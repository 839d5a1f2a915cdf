//! Local copies of the standards a credential names: the W3C VC 2.0
//! context, the Open Badges 3.0 context (3.0.3) and 1EdTech's JSON Schema
//! of an OB 3.0 AchievementCredential. The service serves them and never
//! fetches them; independent verifiers in the tests load them from here.

/// A standard document kept with the service.
#[derive(Debug, Clone, Copy)]
pub struct Standard {
    /// The name it is served under (`/api/v1/credentials/standards/{name}`).
    pub name: &'static str,
    /// The URL it is known by.
    pub url: &'static str,
    /// Its media type.
    pub media_type: &'static str,
    /// The document.
    pub body: &'static str,
}

/// The W3C Verifiable Credentials 2.0 context.
pub const CREDENTIALS_V2: Standard = Standard {
    name: "credentials-v2.jsonld",
    url: "https://www.w3.org/ns/credentials/v2",
    media_type: "application/ld+json",
    body: include_str!("standards/credentials-v2.jsonld"),
};

/// The Open Badges 3.0 context.
pub const OPEN_BADGES_V3: Standard = Standard {
    name: "ob-context-3.0.3.json",
    url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    media_type: "application/ld+json",
    body: include_str!("standards/ob-context-3.0.3.json"),
};

/// 1EdTech's JSON Schema of an OB 3.0 AchievementCredential.
pub const OPEN_BADGES_SCHEMA: Standard = Standard {
    name: "ob_v3p0_achievementcredential_schema.json",
    url: "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    media_type: "application/schema+json",
    body: include_str!("standards/ob_v3p0_achievementcredential_schema.json"),
};

/// Every standard kept.
pub const ALL: [Standard; 3] = [CREDENTIALS_V2, OPEN_BADGES_V3, OPEN_BADGES_SCHEMA];

/// The standard served as `name`.
pub fn by_name(name: &str) -> Option<Standard> {
    ALL.into_iter().find(|s| s.name == name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn every_copy_is_json() {
        for standard in super::ALL {
            assert!(
                serde_json::from_str::<serde_json::Value>(standard.body).is_ok(),
                "{}",
                standard.name
            );
        }
    }
}
