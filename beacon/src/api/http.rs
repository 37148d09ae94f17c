//! HTTP transport: one GET bounded as a whole by the timeout (connect, headers, body: ureq's
//! overall deadline, re-armed before every read) and by a byte cap, retried with exponential
//! backoff on 5xx answers, timeouts, connection failures and truncated bodies (404 is an
//! answer, other 4xx are final).

use super::{ApiError, BeaconClient};
use std::io::{self, Read};

/// Bytes of an error body quoted in [`ApiError::Status`].
const EXCERPT_CHARS: usize = 200;
/// Largest preallocation for a body, whatever its Content-Length says.
const MAX_PREALLOC: u64 = 64 << 20;

/// A successful response, body read in full.
pub(super) struct Body {
    pub(super) bytes: Vec<u8>,
    pub(super) consensus_version: Option<String>,
    pub(super) content_type: Option<String>,
}

/// Why one attempt failed.
enum Attempt {
    /// HTTP status other than 2xx and 404 (retried when 5xx).
    Status { status: u16, body: String },
    /// Connect or read timeout.
    Timeout(String),
    /// Connection failed or broke.
    Connect(String),
    /// Body shorter than announced.
    Truncated {
        expected: Option<u64>,
        received: u64,
    },
    /// The connection broke mid-body.
    Interrupted { received: u64, detail: String },
    /// Not retried.
    Fatal(ApiError),
}

impl Attempt {
    fn retryable(&self) -> bool {
        match self {
            Attempt::Status { status, .. } => *status >= 500,
            Attempt::Timeout(_)
            | Attempt::Connect(_)
            | Attempt::Truncated { .. }
            | Attempt::Interrupted { .. } => true,
            Attempt::Fatal(_) => false,
        }
    }
}

impl BeaconClient {
    /// GET with retries. `Ok(None)` on 404.
    pub(super) fn get(
        &self,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Option<Body>, ApiError> {
        self.config.validate()?;
        let attempts = self.config.retries.saturating_add(1);
        let mut n = 0;
        loop {
            n += 1;
            let failure = match self.attempt(url, accept, limit) {
                Ok(b) => return Ok(b),
                Err(f) => f,
            };
            if !failure.retryable() || n >= attempts {
                return Err(self.final_error(url, n, failure));
            }
            let factor = 1u32 << (n - 1).min(20);
            std::thread::sleep(self.config.backoff.saturating_mul(factor));
        }
    }

    fn final_error(&self, url: &str, attempts: u32, failure: Attempt) -> ApiError {
        let url = url.to_string();
        match failure {
            Attempt::Status { status, body } => ApiError::Status {
                url,
                status,
                body,
                attempts,
            },
            Attempt::Timeout(detail) => ApiError::Timeout {
                url,
                timeout: self.config.timeout,
                attempts,
                detail,
            },
            Attempt::Connect(detail) => ApiError::Connect {
                url,
                attempts,
                detail,
            },
            Attempt::Truncated { expected, received } => ApiError::Truncated {
                url,
                expected,
                received,
                attempts,
            },
            Attempt::Interrupted { received, detail } => ApiError::BodyInterrupted {
                url,
                received,
                attempts,
                detail,
            },
            Attempt::Fatal(e) => e,
        }
    }

    fn attempt(&self, url: &str, accept: &str, limit: u64) -> Result<Option<Body>, Attempt> {
        let resp = match self.agent.get(url).set("Accept", accept).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) => return Ok(None),
            Err(ureq::Error::Status(status, r)) => {
                return Err(Attempt::Status {
                    status,
                    body: excerpt(r),
                })
            }
            Err(ureq::Error::Transport(t)) => return Err(classify_transport(url, &t)),
        };
        let consensus_version = resp
            .header("Eth-Consensus-Version")
            .map(|v| v.trim().to_string());
        let content_type = resp.header("Content-Type").map(str::to_string);
        let bytes = read_body(url, resp, limit)?;
        Ok(Some(Body {
            bytes,
            consensus_version,
            content_type,
        }))
    }
}

/// The start of an error body, for messages.
fn excerpt(resp: ureq::Response) -> String {
    let mut buf = Vec::new();
    // Best effort: an unreadable error body leaves the excerpt empty.
    let _ = resp.into_reader().take(1024).read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let text = text.trim();
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// The first `io::Error` in an error's source chain.
fn io_source<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn is_timeout(kind: io::ErrorKind) -> bool {
    matches!(kind, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

fn classify_transport(url: &str, t: &ureq::Transport) -> Attempt {
    use ureq::ErrorKind as K;
    let detail = t.to_string();
    let io_kind = std::error::Error::source(t)
        .and_then(io_source)
        .map(io::Error::kind);
    match t.kind() {
        K::InvalidUrl | K::UnknownScheme | K::InsecureRequestHttpsOnly | K::InvalidProxyUrl => {
            Attempt::Fatal(ApiError::BadUrl {
                url: url.to_string(),
                detail,
            })
        }
        K::BadStatus | K::BadHeader | K::TooManyRedirects => Attempt::Fatal(ApiError::Protocol {
            url: url.to_string(),
            detail,
        }),
        _ if io_kind.is_some_and(is_timeout) => Attempt::Timeout(detail),
        _ => Attempt::Connect(detail),
    }
}

fn read_body(url: &str, resp: ureq::Response, limit: u64) -> Result<Vec<u8>, Attempt> {
    let too_large = || {
        Attempt::Fatal(ApiError::TooLarge {
            url: url.to_string(),
            limit,
        })
    };
    // ureq drops Content-Length when it decompresses a body, so it is the decoded length here.
    let expected = resp
        .header("Content-Length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if expected.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(expected.unwrap_or(0).min(MAX_PREALLOC) as usize);
    let res = resp
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf);
    let received = buf.len() as u64;
    match res {
        Ok(_) => {}
        Err(e) if is_timeout(e.kind()) => {
            return Err(Attempt::Timeout(format!(
                "reading the body after {received} bytes: {e}"
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            return Err(Attempt::Truncated { expected, received })
        }
        Err(e) => {
            return Err(Attempt::Interrupted {
                received,
                detail: e.to_string(),
            })
        }
    }
    if received > limit {
        return Err(too_large());
    }
    if expected.is_some_and(|n| received < n) {
        return Err(Attempt::Truncated { expected, received });
    }
    Ok(buf)
}
