//! What is too long or too large is answered in words: a URL over 8 KiB
//! is 414, headers over what the HTTP layer reads 431, a request line it
//! cannot read 400, a body over its limit 413, each with a
//! problem+json body (a page for the web pages), never an empty one.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

fn uri_too_long() -> Value {
    problem(
        414,
        "uri-too-long",
        "URI too long",
        "the URL (path and query string) is longer than 8192 bytes",
    )
}

/// The status line and the JSON body of a raw answer.
fn parsed(answer: &str) -> (&str, Value) {
    let status = answer.lines().next().unwrap_or_default();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

e2e_test!(
    async fn over_long_urls_are_414_in_words(app: TestApp) {
        // Longer than the HTTP layer reads (the `http` crate stops at
        // 65,534 bytes; the head buffer at 128 KiB): answered on the wire.
        for length in [100_000, 150_000] {
            let answer = app
                .raw(
                    format!(
                        "GET /api/v1/societies/bsanz/register?q={} HTTP/1.1\r\nhost: x\r\n\r\n",
                        "a".repeat(length)
                    )
                    .as_bytes(),
                )
                .await;
            let (status, body) = parsed(&answer);
            assert_eq!(status, "HTTP/1.1 414 URI Too Long", "{length}: {answer}");
            assert!(answer.contains("content-type: application/problem+json\r\n"));
            assert_eq!(body, uri_too_long(), "{length}");
        }

        // The same on a connection that already answered a request.
        let address = app.base_url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut first = Vec::new();
        while !String::from_utf8_lossy(&first).ends_with(r#"{"status":"ok"}"#) {
            let mut chunk = [0; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed after {}", String::from_utf8_lossy(&first));
            first.extend_from_slice(&chunk[..n]);
        }
        let long = format!(
            "GET /api/v1/societies/bsanz/register?q={} HTTP/1.1\r\nhost: x\r\n\r\n",
            "a".repeat(100_000)
        );
        let _ = stream.write_all(long.as_bytes()).await;
        let mut second = Vec::new();
        let _ = stream.read_to_end(&mut second).await;
        let second = String::from_utf8_lossy(&second);
        assert_eq!(parsed(&second).1, uri_too_long(), "{second}");

        // Longer than the service reads, though the HTTP layer would.
        let query = "a".repeat(9_000);
        let response = app
            .get_response(&format!("/api/v1/societies/bsanz/register?q={query}"), None)
            .await;
        assert_eq!(response.status(), StatusCode::URI_TOO_LONG);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert!(response.headers().contains_key("x-request-id"));
        assert_eq!(response.json::<Value>().await.unwrap(), uri_too_long());
        let page = app
            .get_response(&format!("/societies/bsanz/register?q={query}"), None)
            .await;
        assert_eq!(page.status(), StatusCode::URI_TOO_LONG);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(page
            .text()
            .await
            .unwrap()
            .contains("This address is too long"));

        // Just within it, a search like any other.
        let admin = app.create_admin().await;
        app.create_society(&admin, "bsanz").await;
        let query = "a".repeat(8_000);
        let (status, body) = app
            .get(&format!("/api/v1/societies/bsanz/register?q={query}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 0);
    }
);

e2e_test!(
    async fn unreadable_heads_are_problems_not_empty_answers(app: TestApp) {
        let large = format!(
            "GET /healthz HTTP/1.1\r\nhost: x\r\nx-large: {}\r\n\r\n",
            "a".repeat(140_000)
        );
        let many: String = (0..120).map(|i| format!("x-h{i}: a\r\n")).collect();
        let many = format!("GET /healthz HTTP/1.1\r\nhost: x\r\n{many}\r\n");
        let too_large = problem(
            431,
            "headers-too-large",
            "Request header fields too large",
            "the request's headers are larger than 128 KiB, or more than 96 of them",
        );
        for request in [large, many] {
            let answer = app.raw(request.as_bytes()).await;
            let (status, body) = parsed(&answer);
            assert_eq!(
                status, "HTTP/1.1 431 Request Header Fields Too Large",
                "{answer}"
            );
            assert_eq!(body, too_large);
        }
        let answer = app.raw(b"GET /\x01 HTTP/1.1\r\nhost: x\r\n\r\n").await;
        let (status, body) = parsed(&answer);
        assert_eq!(status, "HTTP/1.1 400 Bad Request", "{answer}");
        let mut expected = problem(
            400,
            "bad-request",
            "Bad request",
            "the request could not be read: its request line or headers are not HTTP/1.1",
        );
        expected["errors"] = json!([]);
        assert_eq!(body, expected);
    }
);

e2e_test!(
    async fn over_large_bodies_are_413_in_words(app: TestApp) {
        let app =
            TestApp::spawn_with(app.backend, |settings| settings.json_limit_bytes = 4096).await;
        let cast = Cast::assemble(&app).await;
        let too_large = |limit: usize| {
            problem(
                413,
                "payload-too-large",
                "Payload too large",
                &format!("the request body is larger than {limit} bytes"),
            )
        };
        // A register import may be 16 times the JSON limit; a pathway
        // document as large as it.
        let big = format!("registration,family_name\n{}", "x".repeat(16 * 4096));
        for (method, path, content_type, limit) in [
            (
                reqwest::Method::POST,
                "/api/v1/societies/bsanz/register/import",
                "text/csv",
                16 * 4096,
            ),
            (
                reqwest::Method::PUT,
                "/api/v1/societies/bsanz/pathway",
                "application/json",
                4096,
            ),
            (
                reqwest::Method::POST,
                "/api/v1/societies/bsanz/people",
                "application/json",
                4096,
            ),
        ] {
            let (status, body) = app
                .send(
                    app.builder(method, path, Some(&cast.registrar.token))
                        .header("content-type", content_type)
                        .body(big.clone()),
                )
                .await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {body}");
            assert_eq!(body, too_large(limit), "{path}");
        }
        // A logbook up to 16 MiB.
        let logbook = format!(
            "kind,date,amount,unit,notes\n{}",
            "x".repeat(16 * 1024 * 1024)
        );
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::POST,
                    &format!(
                        "/api/v1/societies/bsanz/people/{}/activities/bulk",
                        cast.member_person
                    ),
                    Some(&cast.registrar.token),
                )
                .header("content-type", "text/csv")
                .body(logbook),
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(body, too_large(16 * 1024 * 1024));

        // A form over 64 KiB is a page saying so.
        let response = app
            .client
            .post(format!("{}/login", app.base_url))
            .form(&[("email", "a".repeat(70 * 1024))])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("The form was larger than the service accepts."));
    }
);
