//! The execution client `submit` (and `report --vault`) talks to, through alloy: its provider over an HTTP transport
//! that bounds each answer ([`MAX_ANSWER_BYTES`]) and each call ([`CALL_TIMEOUT`]), and every
//! failure classified by whether the request may have reached the node ([`Delivery`]): what a
//! failed `eth_sendRawTransaction` means for the user.

use alloy::providers::RootProvider;
use alloy::rpc::client::RpcClient;
use alloy::rpc::json_rpc::{RequestPacket, ResponsePacket};
use alloy::transports::http::reqwest::{self, Url};
use alloy::transports::{RpcError, TransportError, TransportErrorKind, TransportFut};
use anyhow::{anyhow, Context, Result};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

/// The longest a single JSON-RPC call may take, body included.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest JSON-RPC answer read: a node that sends more is cut off.
pub(crate) const MAX_ANSWER_BYTES: usize = 1 << 20;
/// The most of a node's text (an answer that does not decode, an error object) a message shows.
const MAX_SHOWN: usize = 300;

/// Whether a failed call reached the node: what a failed `eth_sendRawTransaction` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The request never left, or was refused (no connection, HTTP 4xx, a JSON-RPC error).
    Refused,
    /// The node may have acted on it (no answer, a broken answer, HTTP 3xx or 5xx).
    Unknown,
}

/// A failed JSON-RPC call (made by alloy's provider), named for the method.
#[derive(Debug, thiserror::Error)]
#[error("{method} to {url}: {msg}")]
pub(crate) struct CallError {
    method: &'static str,
    url: String,
    msg: String,
    pub(crate) delivery: Delivery,
    /// The node answered a JSON-RPC error object.
    pub(crate) node_error: bool,
    /// The node answered something that is not what the method returns (a quantity too wide
    /// for its field, a receipt that does not decode): asking again will not mend it.
    pub(crate) malformed: bool,
}

impl CallError {
    /// The node's error message, for a JSON-RPC error object.
    pub(crate) fn says(&self, what: &str) -> bool {
        self.node_error && self.msg.to_ascii_lowercase().contains(what)
    }
}

/// `text` cut to [`MAX_SHOWN`] characters, control characters escaped: a node's words in a
/// message.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(MAX_SHOWN).collect();
    let more = if text.chars().count() > MAX_SHOWN {
        "…"
    } else {
        ""
    };
    format!("{}{more}", cut.escape_debug())
}

/// alloy's HTTP transport with a bound on the answer: reqwest underneath, the body read chunk
/// by chunk up to [`MAX_ANSWER_BYTES`]. A JSON-RPC answer is taken whatever the HTTP status
/// (some nodes send their error objects with 4xx or 5xx); anything else with a failing status
/// is an HTTP error.
#[derive(Clone)]
pub(crate) struct BoundedHttp {
    client: reqwest::Client,
    url: Url,
}

impl tower::Service<RequestPacket> for BoundedHttp {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: RequestPacket) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let mut resp = this
                .client
                .post(this.url)
                .json(&req)
                .send()
                .await
                .map_err(TransportErrorKind::custom)?;
            let status = resp.status();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(TransportErrorKind::custom)? {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(TransportErrorKind::custom_str(&format!(
                        "the answer exceeds {MAX_ANSWER_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            let text = || shown(&String::from_utf8_lossy(&body));
            match serde_json::from_slice::<ResponsePacket>(&body) {
                Ok(packet) => Ok(packet),
                Err(_) if !status.is_success() => {
                    Err(TransportErrorKind::http_error(status.as_u16(), text()))
                }
                Err(e) => Err(TransportError::deser_err(e, text())),
            }
        })
    }
}

/// The node: alloy's provider over [`BoundedHttp`], on one current-thread runtime.
pub(crate) struct Node {
    url: String,
    pub(crate) provider: RootProvider<BoundedHttp>,
    rt: tokio::runtime::Runtime,
}

impl Node {
    /// A provider for `url` (an `http://` or `https://` URL) given as `--rpc-url`.
    pub(crate) fn connect(url: &str) -> Result<Self> {
        Self::connect_as(url, "--rpc-url")
    }

    /// A provider for `url`, given as the flag `flag` (named in the error if it is no URL).
    pub(crate) fn connect_as(url: &str, flag: &str) -> Result<Self> {
        let parsed: Url = url
            .parse()
            .map_err(|e| anyhow!("{flag} {url:?} is not a URL: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .context("building the HTTP client")?;
        let transport = BoundedHttp {
            client,
            url: parsed,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the runtime for the node's calls")?;
        Ok(Self {
            url: url.to_string(),
            provider: RootProvider::new(RpcClient::new(transport, false)),
            rt,
        })
    }

    /// Runs one call of `method`, bounded by `timeout`, and names its failure; `what` says
    /// what the answer must be (for a malformed one).
    pub(crate) fn run<T>(
        &self,
        method: &'static str,
        what: &str,
        timeout: Duration,
        call: impl std::future::IntoFuture<Output = Result<T, RpcError<TransportErrorKind>>>,
    ) -> Result<T, CallError> {
        let answer = self
            .rt
            .block_on(async { tokio::time::timeout(timeout, call.into_future()).await });
        let fail = |msg: String, delivery, node_error, malformed| CallError {
            method,
            url: self.url.clone(),
            msg,
            delivery,
            node_error,
            malformed,
        };
        match answer {
            Ok(Ok(v)) => Ok(v),
            Err(_) => Err(fail(
                format!("no answer within {} s", timeout.as_secs()),
                Delivery::Unknown,
                false,
                false,
            )),
            Ok(Err(RpcError::ErrorResp(err))) => {
                // A revert's data names the oracle's error: `ReportAlreadySubmitted(slot: …)`.
                let reverted = err
                    .as_revert_data()
                    .and_then(|d| stakeproof_contracts::errors::describe_revert(&d))
                    .map(|d| format!(": the oracle reverted with {d}"))
                    .unwrap_or_default();
                Err(fail(
                    format!(
                        "the node answered an error{reverted}: {}",
                        shown(&err.to_string())
                    ),
                    Delivery::Refused,
                    true,
                    false,
                ))
            }
            Ok(Err(RpcError::DeserError { err, text })) => Err(fail(
                format!("the answer is not {what} ({err}): {}", shown(&text)),
                Delivery::Unknown,
                false,
                true,
            )),
            Ok(Err(e)) => {
                let delivery = delivery_of(&e);
                Err(fail(shown(&e.to_string()), delivery, false, false))
            }
        }
    }

    /// [`Self::run`] bounded by [`CALL_TIMEOUT`].
    pub(crate) fn call<T>(
        &self,
        method: &'static str,
        what: &str,
        call: impl std::future::IntoFuture<Output = Result<T, RpcError<TransportErrorKind>>>,
    ) -> Result<T, CallError> {
        self.run(method, what, CALL_TIMEOUT, call)
    }
}

/// Whether a call that failed without a JSON-RPC error object may have reached the node.
fn delivery_of(e: &RpcError<TransportErrorKind>) -> Delivery {
    match e {
        // Nothing was sent: the request could not be built.
        RpcError::SerError(_) | RpcError::UnsupportedFeature(_) | RpcError::LocalUsageError(_) => {
            Delivery::Refused
        }
        // Refused by the server; a redirect or a server error may have acted on it.
        RpcError::Transport(TransportErrorKind::HttpError(h)) if (400..500).contains(&h.status) => {
            Delivery::Refused
        }
        RpcError::Transport(TransportErrorKind::Custom(c)) => {
            match c.downcast_ref::<reqwest::Error>() {
                Some(r) if r.is_connect() || r.is_builder() => Delivery::Refused,
                _ => Delivery::Unknown,
            }
        }
        // No answer, a broken one, or HTTP 3xx/5xx: the node may have acted on it.
        _ => Delivery::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn a_node_s_text_is_cut_and_escaped() {
        assert_eq!(shown("ok"), "ok");
        assert_eq!(shown("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        let long = "x".repeat(1000);
        assert_eq!(shown(&long).chars().count(), super::MAX_SHOWN + 1);
    }
}
