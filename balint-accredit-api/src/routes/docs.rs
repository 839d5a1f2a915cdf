//! The OpenAPI document, and a readable page made from it by this server
//! (no scripts, no CDN: it works offline).

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::OpenApi;

use crate::openapi::ApiDoc;

/// The OpenAPI 3 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// What the docs page may load: its own inline style and nothing else;
/// no other site may frame it.
const DOCS_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// The API documentation as an HTML page.
#[utoipa::path(get, path = "/api/v1/docs", tag = "operations",
    responses((status = 200, description = "The API documentation", content_type = "text/html")))]
pub async fn docs_page() -> HttpResponse {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, DOCS_POLICY))
        .body(render(&document))
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn pretty(value: &Value) -> String {
    escape(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// Render the document: endpoints grouped by tag, each with its
/// parameters, request body and responses, then the schemas.
pub fn render(doc: &Value) -> String {
    let info = &doc["info"];
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}\
         h2{{border-bottom:1px solid #ccc;margin-top:2.5rem}}\
         .op{{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}}\
         .method{{font-weight:bold;text-transform:uppercase;display:inline-block;min-width:4rem}}\
         code,pre{{background:#f5f5f5}} pre{{padding:.5rem;overflow:auto}} code{{overflow-wrap:anywhere}}\
         .table{{overflow-x:auto}} pre:focus,.table:focus{{outline:2px solid #1a4f8b}}\
         table{{border-collapse:collapse}} td,th{{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}}\
         </style></head><body><main><h1>{title}</h1><p>{description}</p>\
         <p>Machine-readable: <a href=\"/api/v1/openapi.json\">openapi.json</a></p>",
        title = escape(text(info, "title")),
        description = escape(text(info, "description")),
    );

    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    (
                        text(t, "name").to_owned(),
                        text(t, "description").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);

    for (tag, tag_description) in &tags {
        let _ = write!(
            html,
            "<h2 id=\"{tag}\">{tag}</h2><p>{desc}</p>",
            tag = escape(tag),
            desc = escape(tag_description)
        );
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let op_tag = op["tags"][0].as_str().unwrap_or("");
                if op_tag != tag {
                    continue;
                }
                render_operation(&mut html, method, path, op);
            }
        }
    }

    html.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                html,
                "<h3 id=\"schema-{n}\">{n}</h3><pre tabindex=\"0\">{s}</pre>",
                n = escape(name),
                s = pretty(schema)
            );
        }
    }
    html.push_str("</main></body></html>");
    html
}

fn render_operation(html: &mut String, method: &str, path: &str, op: &Value) {
    let _ = write!(
        html,
        "<div class=\"op\"><p><span class=\"method\">{m}</span> <code>{p}</code></p><p>{s}</p>",
        m = method,
        p = escape(path),
        s = escape(text(op, "description")).replace("\n\n", "</p><p>"),
    );
    if op.get("security").is_some() {
        html.push_str("<p><em>Requires a bearer token.</em></p>");
    }
    if let Some(params) = op["parameters"].as_array() {
        html.push_str(
            "<div class=\"table\" tabindex=\"0\"><table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>",
        );
        for p in params {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(text(p, "name")),
                escape(text(p, "in")),
                p["required"].as_bool().unwrap_or(false),
                escape(text(p, "description"))
            );
        }
        html.push_str("</table></div>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        for (media, body) in content {
            let _ = write!(
                html,
                "<p>Request body (<code>{}</code>):</p><pre tabindex=\"0\">{}</pre>",
                escape(media),
                pretty(&body["schema"])
            );
        }
    }
    if let Some(responses) = op["responses"].as_object() {
        html.push_str("<div class=\"table\" tabindex=\"0\"><table><tr><th>status</th><th>meaning</th><th>body</th></tr>");
        for (status, response) in responses {
            let body = response["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .map(|(media, b)| {
                    format!(
                        "<code>{}</code><pre tabindex=\"0\">{}</pre>",
                        escape(media),
                        pretty(&b["schema"])
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                escape(text(response, "description")),
                body
            );
        }
        html.push_str("</table></div>");
    }
    html.push_str("</div>");
}
