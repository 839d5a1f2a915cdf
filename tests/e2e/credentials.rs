//! Verifiable credentials: a grant and a renewal issue an Open Badges 3.0
//! credential signed by the society's did:web key; the leader and the
//! registrar download it, nobody else; suspension, reinstatement and
//! revocation set and clear the bits of the status lists in the same
//! transaction; the verification endpoint says so in plain words; a
//! tampered credential fails; a rotated key leaves the old ones verifying.

use balint_accredit_api::vc::{bitstring, keys, proof};
use serde_json::Value;

use super::register::{adopt_pathway, grant, person};
use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";

/// The credential of `registration`, downloaded with `token`.
async fn download(app: &TestApp, registration: &str, token: Option<&str>) -> (StatusCode, Value) {
    app.get(&format!("{REGISTER}/{registration}/credential"), token)
        .await
}

/// Check `signed` against the key its proof names in the served DID
/// document.
async fn signature_holds(app: &TestApp, signed: &Value) -> bool {
    let (status, did) = app.get("/societies/bsanz/did.json", None).await;
    assert_eq!(status, StatusCode::OK, "{did}");
    let proof = proof::Proof::read(signed).unwrap();
    let method = did["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == proof.verification_method.as_str())
        .expect("the key is in the DID document");
    let public = keys::from_multikey(method["publicKeyMultibase"].as_str().unwrap()).unwrap();
    proof.check(&public).is_ok()
}

/// The bit at `index` of the society's `purpose` list, as served, and the
/// list's signature checked.
async fn bit(app: &TestApp, purpose: &str, index: usize) -> bool {
    let response = app
        .get_response(
            &format!("/api/v1/societies/bsanz/status-lists/{purpose}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    let expires = response.headers()["expires"].to_str().unwrap().to_owned();
    let list: Value = response.json().await.unwrap();
    // Cached no longer than the list is valid.
    let until = chrono::DateTime::parse_from_rfc3339(list["validUntil"].as_str().unwrap()).unwrap();
    assert_eq!(
        expires,
        until.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    );
    let max_age: i64 = cache
        .strip_prefix("public, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!((0..=600).contains(&max_age), "{cache}");
    assert_eq!(list["credentialSubject"]["statusPurpose"], purpose);
    assert!(signature_holds(app, &list).await, "the list's signature");
    let bits =
        bitstring::decode(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    assert_eq!(bits.len() * 8, 131_072);
    bitstring::is_set(&bits, index)
}

/// Ada Moreau on bsanz's pathway with a login of her own, granted
/// accredited leader on `effective` as BSANZ-0001.
async fn leader(app: &TestApp, cast: &Cast, effective: &str) -> Login {
    let ada = person(app, cast, "Ada", "Moreau", json!({})).await;
    let login = app
        .create_user(&cast.registrar, "bsanz", "member", Some(&ada))
        .await;
    grant(app, cast, &ada, effective).await;
    login
}

async fn change(app: &TestApp, cast: &Cast, action: &str, effective: &str) {
    let (status, body) = app
        .post_json(
            &format!("{REGISTER}/BSANZ-0001/status"),
            Some(&cast.registrar.token),
            &json!({ "action": action, "effective": effective, "reason": "committee", "visibility": "public" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
}

async fn check(app: &TestApp, credential: &Value) -> Value {
    let (status, body) = app
        .post_json("/api/v1/credentials/verify", None, credential)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

e2e_test!(
    async fn a_grant_issues_a_credential_for_the_leader_and_the_registrar(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ada = leader(&app, &cast, "2026-03-02").await;

        let (status, credential) = download(&app, "BSANZ-0001", Some(&ada.token)).await;
        assert_eq!(status, StatusCode::OK, "{credential}");
        let (status, as_registrar) =
            download(&app, "BSANZ-0001", Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(as_registrar, credential, "one credential, as issued");
        for token in [
            &cast.member.token,
            &cast.other_registrar.token,
            &cast.other_member.token,
        ] {
            let (status, _) = download(&app, "BSANZ-0001", Some(token)).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        let (status, _) = download(&app, "BSANZ-0001", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // An Open Badges 3.0 credential of the VC 2.0 model.
        assert_eq!(
            credential["@context"],
            json!([
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ])
        );
        assert_eq!(
            credential["type"],
            json!(["VerifiableCredential", "OpenBadgeCredential"])
        );
        let port = app.base_url.rsplit(':').next().unwrap();
        let did = format!("did:web:localhost%3A{port}:societies:bsanz");
        assert_eq!(credential["issuer"]["id"], did.as_str());
        assert_eq!(credential["issuer"]["type"], json!(["Profile"]));
        let subject = &credential["credentialSubject"];
        assert_eq!(subject["type"], json!(["AchievementSubject"]));
        assert_eq!(subject["licenseNumber"], "BSANZ-0001");
        assert_eq!(subject["identifier"][0]["identityHash"], "Dr Ada Moreau");
        assert_eq!(subject["achievement"]["name"], "Accredited Leader");
        assert!(subject["achievement"]["criteria"]["narrative"]
            .as_str()
            .unwrap()
            .contains("Requirements:"));
        // Valid from the grant to the end of the first 12-month cycle.
        assert_eq!(credential["validFrom"], "2026-03-02T00:00:00Z");
        assert_eq!(credential["validUntil"], "2027-03-01T23:59:59Z");
        let statuses = credential["credentialStatus"].as_array().unwrap();
        assert_eq!(statuses.len(), 2);
        assert_eq!(statuses[0]["statusPurpose"], "revocation");
        assert_eq!(statuses[1]["statusPurpose"], "suspension");
        assert_eq!(
            statuses[0]["statusListIndex"],
            statuses[1]["statusListIndex"]
        );
        assert_eq!(
            statuses[1]["statusListCredential"],
            format!("http://localhost:{port}/api/v1/societies/bsanz/status-lists/suspension")
                .as_str()
        );
        assert_eq!(credential["proof"][0]["type"], "DataIntegrityProof");
        assert_eq!(credential["proof"][0]["cryptosuite"], "eddsa-jcs-2022");
        assert_eq!(
            credential["proof"][0]["verificationMethod"],
            format!("{did}#key-1").as_str()
        );
        assert!(signature_holds(&app, &credential).await);

        // The DID document: one Ed25519 Multikey, for assertion.
        let (_, document) = app.get("/societies/bsanz/did.json", None).await;
        assert_eq!(document["id"], did.as_str());
        assert_eq!(document["assertionMethod"], json!([format!("{did}#key-1")]));
        let key = document["verificationMethod"][0]["publicKeyMultibase"]
            .as_str()
            .unwrap();
        assert!(key.starts_with("z6Mk"), "{key}");
        // No society issues as the host unless the settings say so.
        let (status, _) = app.get("/.well-known/did.json", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Issued and audited.
        let (_, audit) = app
            .get(
                "/api/v1/societies/bsanz/audit?entity_type=credential",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(audit["total"], 1, "{audit}");

        // Baked into an SVG badge, whole.
        let response = app
            .client
            .get(format!(
                "{}{REGISTER}/BSANZ-0001/credential.svg",
                app.base_url
            ))
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        assert!(svg.contains("Dr Ada Moreau") && svg.contains("Accredited Leader"));
        let inside = svg
            .split("<openbadges:credential><![CDATA[")
            .nth(1)
            .and_then(|rest| rest.split("]]></openbadges:credential>").next())
            .unwrap();
        assert_eq!(serde_json::from_str::<Value>(inside).unwrap(), credential);

        // The standards it names are served from the copies kept.
        let (status, context) = app
            .get("/api/v1/credentials/standards/ob-context-3.0.3.json", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(context["@context"]["OpenBadgeCredential"].is_object());
    }
);

e2e_test!(
    async fn suspension_reinstatement_and_revocation_read_from_the_status_lists(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ada = leader(&app, &cast, "2026-03-02").await;
        let (_, credential) = download(&app, "BSANZ-0001", Some(&ada.token)).await;
        let index: usize = credential["credentialStatus"][0]["statusListIndex"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(!bit(&app, "suspension", index).await);
        assert!(!bit(&app, "revocation", index).await);
        let checked = check(&app, &credential).await;
        assert_eq!(checked["signature"], "valid");
        assert_eq!(checked["standing"], "current", "{checked}");
        assert_eq!(checked["register"]["status"], "accredited");
        assert_eq!(checked["holder"], "Dr Ada Moreau");

        change(&app, &cast, "suspend", "2026-04-01").await;
        assert!(bit(&app, "suspension", index).await);
        assert!(!bit(&app, "revocation", index).await);
        let checked = check(&app, &credential).await;
        assert_eq!(checked["standing"], "suspended");
        assert_eq!(checked["register"]["status"], "suspended");
        assert!(checked["summary"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("it is suspended")));

        change(&app, &cast, "reinstate", "2026-05-01").await;
        assert!(!bit(&app, "suspension", index).await);
        assert_eq!(check(&app, &credential).await["standing"], "current");

        change(&app, &cast, "revoke", "2026-06-01").await;
        assert!(bit(&app, "revocation", index).await);
        assert!(!bit(&app, "suspension", index).await);
        let checked = check(&app, &credential).await;
        assert_eq!(checked["standing"], "revoked");
        assert_eq!(checked["revoked"], true);
        assert_eq!(checked["register"]["status"], "revoked");

        // The page says the same in words.
        let page = app
            .client
            .post(format!("{}/credentials/verify", app.base_url))
            .form(&[("credential", credential.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("Genuine, but revoked"), "{page}");
        assert!(page.contains("The register says that BSANZ-0001 is revoked today"));
        let page = app
            .client
            .post(format!("{}/credentials/verify", app.base_url))
            .form(&[("credential", "not a credential")])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page
            .text()
            .await
            .unwrap()
            .contains("This is not a credential"));

        // A credential changed after signing proves nothing.
        let mut tampered = credential.clone();
        tampered["credentialSubject"]["licenseNumber"] = json!("BSANZ-0002");
        let checked = check(&app, &tampered).await;
        assert_eq!(checked["signature"], "invalid");
        assert_eq!(checked["standing"], "not_verified");
        assert!(checked["summary"][0]
            .as_str()
            .unwrap()
            .starts_with("The signature does not hold"));
        // One from elsewhere is not checked here; one that is not an object is refused.
        let mut foreign = credential.clone();
        foreign["issuer"]["id"] = json!("did:web:elsewhere.example");
        assert_eq!(check(&app, &foreign).await["signature"], "unknown_issuer");
        let (status, _) = app
            .post_json("/api/v1/credentials/verify", None, &json!([1, 2]))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = app
            .get("/api/v1/societies/bsanz/status-lists/expiry", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn a_renewal_issues_a_new_credential_and_old_keys_keep_verifying(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ada = leader(&app, &cast, "2025-03-02").await;
        let (_, first) = download(&app, "BSANZ-0001", Some(&ada.token)).await;

        // Only the registrar rotates the key.
        let (status, _) = app
            .post_json(
                "/api/v1/societies/bsanz/issuer/keys",
                Some(&cast.member.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, rotated) = app
            .post_json(
                "/api/v1/societies/bsanz/issuer/keys",
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{rotated}");
        assert!(rotated["verification_method"]
            .as_str()
            .unwrap()
            .ends_with("#key-2"));

        let (status, renewed) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0001/renewals"),
                Some(&cast.registrar.token),
                &json!({ "effective": "2026-03-01", "reason": "membership kept",
                         "override": { "reason": "committee's discretion" } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{renewed}");
        let (_, second) = download(&app, "BSANZ-0001", Some(&ada.token)).await;
        assert_ne!(second["id"], first["id"]);
        assert_eq!(second["validFrom"], "2026-03-01T00:00:00Z");
        assert_eq!(
            second["validUntil"],
            renewed["valid_until"]
                .as_str()
                .map(|d| format!("{d}T23:59:59Z"))
                .unwrap()
                .as_str()
        );
        assert!(second["proof"][0]["verificationMethod"]
            .as_str()
            .unwrap()
            .ends_with("#key-2"));
        assert_eq!(
            second["credentialStatus"], first["credentialStatus"],
            "one place per entry"
        );

        // Both keys are in the document; both credentials verify.
        let (_, document) = app.get("/societies/bsanz/did.json", None).await;
        assert_eq!(document["verificationMethod"].as_array().unwrap().len(), 2);
        assert!(signature_holds(&app, &first).await);
        assert!(signature_holds(&app, &second).await);
        let checked = check(&app, &first).await;
        assert_eq!(checked["signature"], "valid");
        assert!(checked["verification_method"]
            .as_str()
            .unwrap()
            .ends_with("#key-1"));
        assert_eq!(checked["standing"], "expired");
        assert_eq!(check(&app, &second).await["standing"], "current");
    }
);

e2e_test!(
    async fn the_home_society_issues_as_the_host(app: TestApp) with |s| {
        s.credentials.public_url = Some("https://registry.balint.test".to_owned());
        s.credentials.issuer_society = Some("bsanz".to_owned());
    }; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        leader(&app, &cast, "2026-03-02").await;
        let (_, credential) = download(&app, "BSANZ-0001", Some(&cast.registrar.token)).await;
        assert_eq!(credential["issuer"]["id"], "did:web:registry.balint.test");
        let (status, document) = app.get("/.well-known/did.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(document["id"], "did:web:registry.balint.test");
        let (status, _) = app.get("/societies/bsanz/did.json", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, other) = app.get("/societies/dbg/did.json", None).await;
        assert_eq!(other["id"], "did:web:registry.balint.test:societies:dbg");
        assert_eq!(check(&app, &credential).await["signature"], "valid");
    }
);

e2e_test!(
    async fn a_societys_first_key_is_made_once_under_concurrent_first_use(app: TestApp) {
        let admin = app.create_admin().await;
        app.create_society(&admin, "bsanz").await;
        let requests = (0..6)
            .map(|i| {
                let path = if i % 2 == 0 {
                    "/societies/bsanz/did.json"
                } else {
                    "/api/v1/societies/bsanz/status-lists/revocation"
                };
                app.builder(reqwest::Method::GET, path, None)
            })
            .collect();
        for (status, body) in app.send_all(requests).await {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (_, document) = app.get("/societies/bsanz/did.json", None).await;
        assert_eq!(document["verificationMethod"].as_array().unwrap().len(), 1);
    }
);
