//! What hyper answers on its own, before any route runs — a request line or header it cannot
//! read (400), an address longer than 64 KiB (414), a head too large or with too many
//! headers (431) — is a bare status with an empty body. The connections `serve` accepts are
//! wrapped so that those answers, and only those, get the project's words: the JSON envelope
//! when the request was for `/api/`, the French page otherwise, with the security headers.
//! hyper closes the connection after them, so the longer answer cannot confuse a next one.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::headers::CONTENT_SECURITY_POLICY_VALUE;
use crate::views::Web;

/// How much of a request's start is kept to tell an API request from a page's.
const PREFIX_BYTES: usize = 32;

/// The answers hyper makes itself, by status: the API's body and the page's.
struct Answers {
    by_status: Vec<(u16, Vec<u8>, Vec<u8>)>,
}

impl Answers {
    fn new(web: &Web) -> Self {
        let statuses = [
            (
                StatusCode::BAD_REQUEST,
                "bad_request",
                "requête illisible : sa première ligne ou un de ses en-têtes n'est pas du HTTP valide",
            ),
            (
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                "l'adresse demandée est trop longue (64 Kio au plus)",
            ),
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                "les en-têtes de la requête sont trop nombreux (100 au plus) ou trop volumineux",
            ),
        ];
        let by_status = statuses
            .into_iter()
            .map(|(status, code, message)| {
                let api = serde_json::json!({"error": {"code": code, "message": message}});
                (
                    status.as_u16(),
                    api.to_string().into_bytes(),
                    web.error_html(status).into_bytes(),
                )
            })
            .collect();
        Self { by_status }
    }

    /// The complete answer that replaces `head` when it is one of hyper's own (a status
    /// above, `connection: close`, an empty body, nothing after the head).
    fn replacing(&self, head: &[u8], for_api: bool) -> Option<Vec<u8>> {
        let status: u16 = std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()?;
        let (_, api, page) = self.by_status.iter().find(|(s, ..)| *s == status)?;
        let text = std::str::from_utf8(head).ok()?;
        let own = (text.starts_with("HTTP/1.1 ") || text.starts_with("HTTP/1.0 "))
            && text.ends_with("\r\n\r\n")
            && text.matches("\r\n\r\n").count() == 1
            && text.contains("\r\ncontent-length: 0\r\n")
            && text.contains("\r\nconnection: close\r\n");
        if !own {
            return None;
        }
        let (body, content_type) = if for_api {
            (api, "application/json")
        } else {
            (page, "text/html; charset=utf-8")
        };
        let kept = text
            .trim_end_matches("\r\n")
            .split("\r\n")
            .filter(|line| !line.starts_with("content-length:"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let mut answer = format!(
            "{kept}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
             content-security-policy: {CONTENT_SECURITY_POLICY_VALUE}\r\n\
             x-content-type-options: nosniff\r\nx-frame-options: DENY\r\n\
             referrer-policy: strict-origin-when-cross-origin\r\n\r\n",
            body.len()
        )
        .into_bytes();
        answer.extend_from_slice(body);
        Some(answer)
    }
}

/// The listener `serve` uses: TCP connections, each wrapped in [`Answered`].
pub struct AnsweredListener {
    inner: TcpListener,
    answers: Arc<Answers>,
}

/// Wraps a bound listener.
pub fn answered(inner: TcpListener, web: &Web) -> AnsweredListener {
    AnsweredListener {
        inner,
        answers: Arc::new(Answers::new(web)),
    }
}

impl axum::serve::Listener for AnsweredListener {
    type Io = Answered;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, address) = axum::serve::Listener::accept(&mut self.inner).await;
        let io = Answered {
            stream,
            answers: self.answers.clone(),
            prefix: Vec::with_capacity(PREFIX_BYTES),
            capturing: true,
            pending: None,
        };
        (io, address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that remembers how the current request starts (what was read first after
/// the last answer) and completes hyper's empty answers.
pub struct Answered {
    stream: TcpStream,
    answers: Arc<Answers>,
    prefix: Vec<u8>,
    capturing: bool,
    /// A replacement being written, and how many of its bytes are out.
    pending: Option<(Vec<u8>, usize)>,
}

impl Answered {
    /// Whether the request being answered asked for the API: `METHOD /api/…`.
    fn for_api(&self) -> bool {
        let target = self
            .prefix
            .iter()
            .position(|&b| b == b' ')
            .map(|space| &self.prefix[space + 1..]);
        target.is_some_and(|t| t.starts_with(b"/api/"))
    }
}

impl AsyncRead for Answered {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if self.capturing {
            let room = PREFIX_BYTES - self.prefix.len();
            let new = &buf.filled()[before..];
            let taken = &new[..new.len().min(room)];
            self.prefix.extend_from_slice(taken);
            if self.prefix.len() >= PREFIX_BYTES {
                self.capturing = false;
            }
        }
        polled
    }
}

impl AsyncWrite for Answered {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_none() {
            let for_api = self.for_api();
            if let Some(answer) = self.answers.replacing(buf, for_api) {
                self.pending = Some((answer, 0));
            }
        }
        let this = &mut *self;
        if let Some((answer, written)) = &mut this.pending {
            while *written < answer.len() {
                match Pin::new(&mut this.stream).poll_write(cx, &answer[*written..]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                    Poll::Ready(Ok(n)) => *written += n,
                    other => return other,
                }
            }
            this.pending = None;
            return Poll::Ready(Ok(buf.len()));
        }
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            // An answer is going out: what is read next starts the next request.
            this.prefix.clear();
            this.capturing = true;
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    /// hyper then gathers each answer into one buffer (its head whole), which
    /// [`Answers::replacing`] needs.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_own_empty_answers_are_replaced() {
        let web = Web::new().expect("templates");
        let answers = Answers::new(&web);
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 20:44:39 GMT\r\n\r\n";
        let api = answers.replacing(head, true).expect("replaced");
        let api = String::from_utf8(api).expect("utf-8");
        assert!(api.starts_with("HTTP/1.1 431 "), "{api}");
        assert!(api.contains("\r\ndate: Tue"), "{api}");
        assert!(api.contains("content-type: application/json"), "{api}");
        assert!(api.ends_with("\"code\":\"headers_too_large\",\"message\":\"les en-têtes de la requête sont trop nombreux (100 au plus) ou trop volumineux\"}}"), "{api}");
        let page = String::from_utf8(answers.replacing(head, false).expect("page")).expect("utf-8");
        assert!(page.contains("En-têtes trop volumineux"));
        // An answer of the application, even with the same status, is left alone.
        let ours = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n";
        assert!(answers.replacing(ours, true).is_none());
        let ok = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(answers.replacing(ok, true).is_none());
    }
}
