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

/// GET `path` of the pages with the session of `token`: status, content
/// type and body.
async fn fetch(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.base_url))
        .header("cookie", format!("balint_session={token}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// The text of the `iTXt` chunk `openbadgecredential` of a PNG, as the
/// `png` crate's decoder reads it.
fn baked_in_png(png: &[u8]) -> String {
    let reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let chunks: Vec<_> = reader
        .info()
        .utf8_text
        .iter()
        .filter(|c| c.keyword == "openbadgecredential")
        .collect();
    assert_eq!(chunks.len(), 1, "one chunk");
    assert!(!chunks[0].compressed, "not compressed");
    chunks[0].get_text().unwrap()
}

/// What `rqrr`, a decoder of its own, reads from a greyscale image.
fn qr_text(width: usize, height: usize, grey: impl Fn(usize, usize) -> u8) -> String {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, grey);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

/// The QR code of a page's inline SVG (runs of dark modules, `M x y h n
/// v1 h-n z`), drawn at 4 pixels a module and decoded.
fn qr_of_svg(html: &str) -> String {
    let svg = html.split("<svg").nth(1).unwrap();
    let side: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|v| v.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; side * side];
    for run in path.split('z').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> = run
            .trim_start_matches('M')
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (x, y, length) = (numbers[0], numbers[1], numbers[2]);
        for i in x..x + length {
            dark[y * side + i] = true;
        }
    }
    let scale = 4;
    qr_text(side * scale, side * scale, |x, y| {
        if dark[(y / scale) * side + x / scale] {
            0
        } else {
            255
        }
    })
}

/// The QR code on the first page of a PDF, rendered by poppler's
/// `pdftoppm` and decoded.
fn qr_of_pdf(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("credential-{}", short_id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("certificate.pdf"), pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-singlefile"])
        .arg(dir.join("certificate.pdf"))
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm (Debian: poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.join("page.png")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let samples = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    qr_text(width, height, |x, y| pixels[(y * width + x) * samples])
}

/// A `multipart/form-data` body of the verification form: the pasted
/// text, and a file.
async fn upload(app: &TestApp, name: &str, file: &[u8]) -> (StatusCode, String) {
    let boundary = "----balint-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(format!("{}/credentials/verify", app.base_url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

e2e_test!(
    async fn the_leader_takes_the_credential_as_badges_and_a_certificate_whose_qr_code_checks_it(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ada = leader(&app, &cast, "2026-03-02").await;
        let as_issued = app
            .client
            .get(format!("{}{REGISTER}/BSANZ-0001/credential", app.base_url))
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let credential: Value = serde_json::from_slice(&as_issued).unwrap();
        let entry = "/societies/bsanz/register/BSANZ-0001";

        // The leader's own page links to every file.
        let (status, _, me) = fetch(&app, "/me", &ada.token).await;
        assert_eq!(status, StatusCode::OK);
        let me = String::from_utf8(me).unwrap();
        for file in [
            "credential.json",
            "credential.png",
            "credential.svg",
            "certificate",
            "certificate.pdf",
        ] {
            assert!(me.contains(&format!("href=\"{entry}/{file}\"")), "{file}");
        }
        // So does the registrar's page of the entry.
        let (_, _, page) = fetch(&app, entry, &cast.registrar.token).await;
        assert!(String::from_utf8(page)
            .unwrap()
            .contains(&format!("href=\"{entry}/credential.png\"")));

        // The JSON, as issued.
        let (status, kind, json) =
            fetch(&app, &format!("{entry}/credential.json"), &ada.token).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::OK, "application/json")
        );
        assert_eq!(json, as_issued);

        // The PNG badge, from the pages and the API: the credential in its
        // iTXt chunk, byte for byte.
        let (status, kind, png) = fetch(&app, &format!("{entry}/credential.png"), &ada.token).await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
        assert_eq!(baked_in_png(&png).as_bytes(), as_issued.as_slice());
        let response = app
            .client
            .get(format!(
                "{}{REGISTER}/BSANZ-0001/credential.png",
                app.base_url
            ))
            .bearer_auth(&cast.registrar.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "image/png");
        let from_api = response.bytes().await.unwrap().to_vec();
        assert_eq!(baked_in_png(&from_api).as_bytes(), as_issued.as_slice());

        // The SVG badge.
        let (status, kind, svg) = fetch(&app, &format!("{entry}/credential.svg"), &ada.token).await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/svg+xml"));
        assert!(String::from_utf8(svg.clone())
            .unwrap()
            .contains("<openbadges:credential>"));
        // No other form is offered.
        let (status, _, _) = fetch(&app, &format!("{entry}/credential.gif"), &ada.token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The certificate, as a page and as a PDF: both QR codes hold the
        // link that checks this credential.
        let port = app.base_url.rsplit(':').next().unwrap();
        let id = credential["id"]
            .as_str()
            .unwrap()
            .strip_prefix("urn:uuid:")
            .unwrap();
        let link = format!("http://localhost:{port}/credentials/verify?id={id}");
        let (status, kind, html) = fetch(&app, &format!("{entry}/certificate"), &ada.token).await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/html"), "{kind}");
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("Dr Ada Moreau") && html.contains("Accredited Leader"));
        assert!(html.contains(&link));
        assert_eq!(qr_of_svg(&html), link);
        let (status, kind, pdf) =
            fetch(&app, &format!("{entry}/certificate.pdf"), &ada.token).await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
        assert_eq!(qr_of_pdf(&pdf), link);

        // The link checks the credential, for anyone.
        let page = app
            .client
            .get(format!("{}/credentials/verify?id={id}", app.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("Genuine and current"), "{page}");
        assert!(page.contains("Dr Ada Moreau"));
        let unknown = app
            .client
            .get(format!(
                "{}/credentials/verify?id=0b5c2e9c-7c1f-4a53-9d2e-2f0c8e1a7b44",
                app.base_url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

        // Nobody else takes them.
        for token in [&cast.member.token, &cast.other_registrar.token] {
            for file in [
                "credential.png",
                "credential.svg",
                "certificate",
                "certificate.pdf",
            ] {
                let (status, _, _) = fetch(&app, &format!("{entry}/{file}"), token).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{file}");
            }
        }

        // Uploaded to the verification page: the JSON file, the PNG and the
        // SVG badge each check as genuine and current.
        for (name, file) in [
            ("ada.credential.json", &as_issued),
            ("ada.badge.png", &png),
            ("ada.badge.svg", &svg),
        ] {
            let (status, page) = upload(&app, name, file).await;
            assert_eq!(status, StatusCode::OK, "{name}: {page}");
            assert!(page.contains("Genuine and current"), "{name}");
            assert!(page.contains("BSANZ-0001"), "{name}");
        }
        // A badge changed after signing does not.
        let tampered = String::from_utf8(svg)
            .unwrap()
            .replacen("BSANZ-0001", "BSANZ-0002", 2);
        let (status, page) = upload(&app, "changed.svg", tampered.as_bytes()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Not genuine"), "{page}");
        // A file with no credential says so, next to the file field.
        let plain = {
            let mut out = Vec::new();
            let mut encoder = png::Encoder::new(&mut out, 1, 1);
            encoder.set_color(png::ColorType::Grayscale);
            encoder
                .write_header()
                .unwrap()
                .write_image_data(&[0])
                .unwrap();
            out
        };
        for (name, file, words) in [
            (
                "photo.png",
                plain.as_slice(),
                "This PNG image holds no credential",
            ),
            (
                "logo.svg",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".as_slice(),
                "This SVG image holds no credential",
            ),
            (
                "notes.txt",
                b"hello".as_slice(),
                "neither a credential (JSON) nor a baked badge",
            ),
        ] {
            let (status, page) = upload(&app, name, file).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(page.contains(words), "{name}: {page}");
            assert!(page.contains("id=\"file-error\""), "{name}");
        }
        // Too large a file is refused before it is read.
        let (status, page) = upload(&app, "huge.png", &vec![b'x'; 2 * 1024 * 1024 + 1]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(page.contains("larger than 2 MiB"), "{page}");
    }
);
