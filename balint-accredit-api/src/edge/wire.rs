//! Requests whose head the HTTP layer cannot read, answered in words.
//!
//! actix-http answers a request line or headers it cannot read before any
//! route or middleware sees the request, and with an empty body: a URL
//! longer than the `http` crate takes (65,534 bytes) is a bare 400, a head
//! larger than 128 KiB (or with more than 96 headers) a bare 431, a head
//! that does not arrive within the client request timeout a bare 408. Every
//! connection is read through an [`EdgeStream`], which writes such an
//! answer as problem+json instead, with the same status except where the
//! request line alone was too long: that is 414, the answer the app gives
//! to a URL over [`URL_LIMIT_BYTES`] (see [`super::guard`]).
//!
//! The stream recognises those answers by their shape, which no answer of
//! the app has: a status line of 400, 408 or 431 and then only
//! `content-length: 0`, `connection: close` and `date` (every answer of the
//! app carries an `x-request-id`), at the very end of what is written (the
//! connection closes after it). It knows how long the request line was by
//! counting the bytes read since the last answer up to the first line end.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::ApiError;

/// The longest URL (path and query string, as sent) the service reads, in
/// bytes; a longer one is answered 414 with problem+json.
pub const URL_LIMIT_BYTES: usize = 8 * 1024;

/// A connection, read and written through: see the module's docs.
#[derive(Debug)]
pub struct EdgeStream<S> {
    inner: S,
    /// Bytes of the request line read since the last answer was written.
    request_line: usize,
    /// Whether the request line's end was read.
    request_line_read: bool,
    replacing: Option<Replacement>,
}

/// A problem+json answer being written in place of an empty one.
#[derive(Debug)]
struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    /// How many of the caller's bytes it stands for.
    stands_for: usize,
}

impl<S> EdgeStream<S> {
    /// `inner`, read and written through.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            request_line: 0,
            request_line_read: false,
            replacing: None,
        }
    }

    fn read(&mut self, bytes: &[u8]) {
        if self.request_line_read {
            return;
        }
        match memchr::memchr(b'\n', bytes) {
            Some(end) => {
                self.request_line = self.request_line.saturating_add(end);
                self.request_line_read = true;
            }
            None => self.request_line = self.request_line.saturating_add(bytes.len()),
        }
    }

    /// An answer was written: what is read next is the next request.
    fn answered(&mut self) {
        self.request_line = 0;
        self.request_line_read = false;
    }

    /// What to say for the empty answer `status`.
    fn problem(&self, status: u16) -> ApiError {
        if self.request_line > URL_LIMIT_BYTES {
            return ApiError::UriTooLong {
                limit: URL_LIMIT_BYTES,
            };
        }
        match status {
            431 => ApiError::HeadersTooLarge,
            408 => ApiError::RequestTimeout,
            _ => ApiError::BadRequest {
                detail:
                    "the request could not be read: its request line or headers are not HTTP/1.1"
                        .to_owned(),
                errors: Vec::new(),
            },
        }
    }
}

/// Where an empty answer of the HTTP layer starts in `written`, and its
/// status, when `written` ends with one.
fn empty_answer_at_end(written: &[u8]) -> Option<(usize, u16)> {
    let start = memchr::memmem::rfind(written, b"HTTP/1.1 ")?;
    let head = std::str::from_utf8(&written[start..]).ok()?;
    let head = head.strip_suffix("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = match lines.next()? {
        "HTTP/1.1 400 Bad Request" => 400,
        "HTTP/1.1 408 Request Timeout" => 408,
        "HTTP/1.1 431 Request Header Fields Too Large" => 431,
        _ => return None,
    };
    let mut empty = false;
    for line in lines {
        match line {
            "content-length: 0" => empty = true,
            "connection: close" => {}
            date if date.starts_with("date: ") => {}
            _ => return None,
        }
    }
    empty.then_some((start, status))
}

/// `error` as a whole HTTP/1.1 answer, the connection closing after it.
fn answer(error: &ApiError) -> Vec<u8> {
    let problem = error.problem();
    let body = serde_json::to_string(&problem).unwrap_or_else(|_| {
        r#"{"type":"/problems/bad-request","title":"Bad request","status":400,"detail":"the request could not be read"}"#.to_owned()
    });
    let reason = match problem.status {
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        _ => "Bad Request",
    };
    format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        problem.status,
        body.len()
    )
    .into_bytes()
}

impl<S: AsyncRead + Unpin> AsyncRead for EdgeStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        this.read(&buf.filled()[before..]);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for EdgeStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            if let Some(replacement) = &mut this.replacing {
                while replacement.written < replacement.bytes.len() {
                    let rest = &replacement.bytes[replacement.written..];
                    match ready!(Pin::new(&mut this.inner).poll_write(cx, rest))? {
                        0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                        n => replacement.written += n,
                    }
                }
                let stands_for = replacement.stands_for;
                this.replacing = None;
                this.answered();
                return Poll::Ready(Ok(stands_for));
            }
            match empty_answer_at_end(buf) {
                // What comes before it first, as it is.
                Some((start, _)) if start > 0 => {
                    let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..start]))?;
                    return Poll::Ready(Ok(n));
                }
                Some((_, status)) => {
                    let bytes = answer(&this.problem(status));
                    this.replacing = Some(Replacement {
                        bytes,
                        written: 0,
                        stands_for: buf.len(),
                    });
                }
                None => {
                    let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
                    if n > 0 {
                        this.answered();
                    }
                    return Poll::Ready(Ok(n));
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const DATE: &str = "date: Thu, 03 Dec 2026 01:44:19 GMT\r\n";

    #[test]
    fn only_the_http_layers_empty_answers_are_recognised() {
        let bare = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n{DATE}\r\n"
        );
        assert_eq!(empty_answer_at_end(bare.as_bytes()), Some((0, 400)));
        let after = format!("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok{bare}");
        assert_eq!(empty_answer_at_end(after.as_bytes()), Some((40, 400)));
        let large = format!(
            "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n{DATE}\r\n"
        );
        assert_eq!(empty_answer_at_end(large.as_bytes()), Some((0, 431)));
        // The app's answers: with a body, or a request id.
        for written in [
            format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n{DATE}\r\n{{\"a\": \"bc\"}}"
            ),
            format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nx-request-id: 1\r\n{DATE}\r\n"
            ),
            format!("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n{DATE}\r\n"),
            format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{DATE}"),
        ] {
            assert_eq!(empty_answer_at_end(written.as_bytes()), None, "{written}");
        }
    }

    /// Write `request`, then `written` as the HTTP layer would, through an
    /// [`EdgeStream`]; what the client reads.
    async fn through(request: &[u8], written: &[u8]) -> String {
        let (client, server) = tokio::io::duplex(1 << 20);
        let mut server = EdgeStream::new(server);
        let (mut client_read, mut client_write) = tokio::io::split(client);
        client_write.write_all(request).await.unwrap();
        let mut read = vec![0; request.len()];
        server.read_exact(&mut read).await.unwrap();
        server.write_all(written).await.unwrap();
        server.shutdown().await.unwrap();
        drop(server);
        let mut out = String::new();
        client_read.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn an_over_long_request_line_is_414_in_words() {
        let request = format!("GET /?q={} HTTP/1.1\r\n", "a".repeat(70_000));
        let empty = format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{DATE}\r\n");
        let out = through(request.as_bytes(), empty.as_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{out}");
        assert!(out.contains("content-type: application/problem+json\r\n"));
        let body: serde_json::Value =
            serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "type": "/problems/uri-too-long", "title": "URI too long", "status": 414,
                "detail": "the URL (path and query string) is longer than 8192 bytes",
            })
        );
    }

    #[tokio::test]
    async fn other_unreadable_heads_keep_their_status_in_words() {
        let large = format!(
            "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n{DATE}\r\n"
        );
        let out = through(b"GET / HTTP/1.1\r\nx: y\r\n", large.as_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
        assert!(
            out.contains(r#""type":"/problems/headers-too-large""#),
            "{out}"
        );
        let bad = format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{DATE}\r\n");
        let out = through(b"GET /\x01 HTTP/1.1\r\n", bad.as_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(out.contains(r#""detail":"the request could not be read: its request line or headers are not HTTP/1.1""#), "{out}");
        // Anything else passes as it is.
        let fine = format!("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n{DATE}\r\nok");
        assert_eq!(
            through(b"GET / HTTP/1.1\r\n\r\n", fine.as_bytes()).await,
            fine
        );
    }
}
