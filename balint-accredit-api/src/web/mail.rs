//! The page an e-mail's unsubscribe link leads to: it says which kind of
//! message from which society to which address it stops, and stops it
//! with one button. The link itself is the recipient's secret (no sign-in,
//! no CSRF token, as a password link); a mail client's one-click
//! unsubscribe (RFC 8058) posts to the same address.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use crate::actions::mail::{self, Unsubscription};
use crate::app::AppState;
use crate::web::layout::{self, notice};
use crate::web::{finish, page_response, Viewer};

/// Register the page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/mail/unsubscribe/{token}")
            .route(web::get().to(confirm))
            .route(web::post().to(unsubscribe)),
    );
}

fn draw(viewer: &Viewer, token: &str, u: &Unsubscription) -> HttpResponse {
    let title = if u.done {
        "You are unsubscribed"
    } else {
        "Unsubscribe"
    };
    page_response(
        StatusCode::OK,
        layout::page(
            viewer,
            title,
            html! {
                h1 { (title) }
                @if u.done {
                    (notice(&format!("{} no longer receives {} from {}.", u.recipient, u.kind.describe(), u.society)))
                    p { "Other messages from the society are not affected." }
                } @else {
                    p { "Stop " (u.kind.describe()) " from " strong { (u.society) } " to " (u.recipient) "?" }
                    form method="post" action={ "/mail/unsubscribe/" (token) } {
                        button type="submit" { "Unsubscribe" }
                    }
                }
            },
        ),
    )
}

/// `GET /mail/unsubscribe/{token}`: what the link stops, and a button.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let token = path.into_inner();
    let result = async {
        let u = mail::unsubscription(&state, token.clone()).await?;
        Ok(draw(&viewer, &token, &u))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /mail/unsubscribe/{token}`: stop that kind of message; the body,
/// if any, is not read.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let token = path.into_inner();
    let result = async {
        let u = mail::unsubscribe(&state, token.clone()).await?;
        Ok(draw(&viewer, &token, &u))
    }
    .await;
    finish(&req, &viewer, result)
}
