//! Just enough gRPC for Spark Connect's `ExecutePlan`: one request message, a stream of
//! response messages, over one HTTP/2 connection (hyper's client, which the default build
//! already compiles for polars' object store; no tonic, no tower, no protoc).
//!
//! Readings taken (gRPC over HTTP/2, "PROTOCOL-HTTP2" of grpc/grpc):
//! - A request is `POST /<service>/<method>` with `content-type: application/grpc` and
//!   `te: trailers`; its body is one length-prefixed message: a compressed flag (0: this
//!   client never compresses and announces no `grpc-accept-encoding`, so a server may not
//!   compress either), a 4-byte big-endian length, the protobuf bytes.
//! - The response body is a sequence of such messages; the call's outcome is the
//!   `grpc-status` trailer (0 is OK), or the same header in a "trailers-only" response
//!   (no message: an error, or a success with nothing to return, which is how Apache Spark
//!   4 answers a `CreateDataFrameViewCommand`). `grpc-message` is percent-encoded UTF-8.
//! - A call that ends without `grpc-status` is an error (the server went away mid-stream).
//!
//! Responses are read whole before they are decoded: the Spark steps bring back small
//! aggregates (one row per campaign, hashtag and day), not tables of the lake's size.

use anyhow::{bail, Context, Result};
use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, TE, USER_AGENT};

/// An HTTP/2 connection to a gRPC server, driven by the caller's tokio runtime.
pub struct Channel {
    send: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
    authority: String,
    scheme: &'static str,
    /// `authorization: Bearer …`, marked sensitive (HPACK never indexes it).
    authorization: Option<HeaderValue>,
}

impl Channel {
    /// Connects to `host:port` — over TLS when `tls` (the system's trusted roots, or
    /// `SSL_CERT_FILE`/`SSL_CERT_DIR`; ALPN `h2`), else plain HTTP/2 — giving up after
    /// `timeout`. Every call then carries `authorization: Bearer <token>` when a token is
    /// given. Must run inside a tokio runtime (the connection's task is spawned on it).
    pub async fn connect(
        host: &str,
        port: u16,
        tls: bool,
        token: Option<&str>,
        timeout: std::time::Duration,
    ) -> Result<Channel> {
        let tcp = tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port)))
            .await
            .map_err(|_| anyhow::anyhow!("no answer within {} s", timeout.as_secs()))??;
        tcp.set_nodelay(true).ok();
        let builder = {
            let mut b = hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new());
            // Spark sends result batches of up to 4 MiB by default: a larger window saves
            // round trips.
            b.initial_stream_window_size(4 << 20).initial_connection_window_size(8 << 20);
            b
        };
        let send = if tls {
            let stream = tokio::time::timeout(timeout, tls_connect(host, tcp))
                .await
                .map_err(|_| anyhow::anyhow!("no TLS handshake within {} s", timeout.as_secs()))??;
            let (send, conn) =
                builder.handshake(hyper_util::rt::TokioIo::new(stream)).await.context("HTTP/2 handshake")?;
            tokio::spawn(async move {
                // The connection ends with an error when the server goes away; the call in
                // flight then reports it.
                let _ = conn.await;
            });
            send
        } else {
            let (send, conn) =
                builder.handshake(hyper_util::rt::TokioIo::new(tcp)).await.context("HTTP/2 handshake")?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            send
        };
        let authority = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        let authorization = match token {
            Some(t) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {t}"))
                    .map_err(|_| anyhow::anyhow!("the token holds a character a header cannot carry"))?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        Ok(Channel { send, authority, scheme: if tls { "https" } else { "http" }, authorization })
    }

    /// Calls `path` (`/package.Service/Method`) with one encoded message; the messages of the
    /// response stream, in order.
    pub async fn server_streaming(&mut self, path: &str, message: &[u8], user_agent: &str) -> Result<Vec<Bytes>> {
        let mut body = Vec::with_capacity(5 + message.len());
        body.push(0u8);
        body.extend_from_slice(&u32::try_from(message.len()).context("request too large for gRPC")?.to_be_bytes());
        body.extend_from_slice(message);
        let mut request = hyper::Request::post(format!("{}://{}{path}", self.scheme, self.authority))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/grpc"))
            .header(TE, HeaderValue::from_static("trailers"))
            .header(USER_AGENT, HeaderValue::from_str(user_agent).unwrap_or(HeaderValue::from_static("rallylens")))
            .body(Full::new(Bytes::from(body)))
            .context("building the gRPC request")?;
        if let Some(a) = &self.authorization {
            request.headers_mut().insert(AUTHORIZATION, a.clone());
        }
        self.send.ready().await.context("the connection to the server is closed")?;
        let response = self.send.send_request(request).await.context("sending the request")?;
        let (parts, body) = response.into_parts();
        if parts.status != hyper::StatusCode::OK {
            bail!("the server answered HTTP {} (is it a Spark Connect server?)", parts.status);
        }
        if let Some(outcome) = trailers_only(&parts.headers) {
            return outcome;
        }
        let collected = body.collect().await.context("reading the response")?;
        let trailers = collected.trailers().cloned();
        let mut data = collected.to_bytes();
        match trailers.as_ref() {
            Some(t) if t.contains_key("grpc-status") => {
                if let Some(e) = status_error(t) {
                    return Err(e);
                }
            }
            _ => bail!("the response ended without a gRPC status (the server stopped mid-answer?)"),
        }
        split_messages(&mut data)
    }
}

/// A TLS client connection to `host` over `tcp`: rustls with ring (what the build already
/// compiles for polars' object store), the system's trusted roots, ALPN `h2` (gRPC).
async fn tls_connect(
    host: &str,
    tcp: tokio::net::TcpStream,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    use tokio_rustls::rustls;
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        bail!(
            "no trusted certificate authority found on this system (set SSL_CERT_FILE to a PEM file of them){}",
            found.errors.first().map(|e| format!(": {e}")).unwrap_or_default()
        );
    }
    let mut config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS set-up")?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .with_context(|| format!("{host:?} is not a host name TLS can check"))?;
    let stream = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(name, tcp)
        .await
        .context("TLS handshake")?;
    Ok(stream)
}

/// The length-prefixed messages of a response body.
fn split_messages(data: &mut Bytes) -> Result<Vec<Bytes>> {
    let mut out = Vec::new();
    while data.has_remaining() {
        if data.remaining() < 5 {
            bail!("a gRPC message is cut short ({} bytes of its 5-byte prefix)", data.remaining());
        }
        let compressed = data.get_u8();
        let len = data.get_u32() as usize;
        if compressed != 0 {
            bail!("the server compressed a message although none was accepted");
        }
        if data.remaining() < len {
            bail!("a gRPC message is cut short ({} of {len} bytes)", data.remaining());
        }
        out.push(data.split_to(len));
    }
    Ok(out)
}

/// The outcome of a "trailers-only" response (its `grpc-status` in the headers): no
/// message, and an error, or success with nothing to return (how Apache Spark answers a
/// command such as `CreateDataFrameViewCommand`). None when the headers hold no status:
/// messages follow.
fn trailers_only(h: &HeaderMap) -> Option<Result<Vec<Bytes>>> {
    h.contains_key("grpc-status").then(|| match status_error(h) {
        Some(e) => Err(e),
        None => Ok(Vec::new()),
    })
}

/// The error a `grpc-status` other than 0 stands for (None when it is 0 or absent).
fn status_error(h: &HeaderMap) -> Option<anyhow::Error> {
    let code = h.get("grpc-status")?.to_str().unwrap_or("?").trim().to_string();
    if code == "0" {
        return None;
    }
    let message = h.get("grpc-message").map(|m| percent_decode(m.as_bytes())).unwrap_or_default();
    Some(anyhow::anyhow!("{} (gRPC status {code}): {message}", code_name(&code)))
}

/// gRPC's status codes by name (as the server's errors are read by people).
fn code_name(code: &str) -> &'static str {
    match code {
        "1" => "cancelled",
        "2" => "unknown error",
        "3" => "invalid argument",
        "4" => "deadline exceeded",
        "5" => "not found",
        "6" => "already exists",
        "7" => "permission denied",
        "8" => "resource exhausted",
        "9" => "failed precondition",
        "10" => "aborted",
        "11" => "out of range",
        "12" => "unimplemented",
        "13" => "internal error",
        "14" => "unavailable",
        "15" => "data loss",
        "16" => "unauthenticated",
        _ => "error",
    }
}

/// `%XX` escapes decoded (invalid ones kept as they are), then UTF-8 read lossily.
fn percent_decode(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_and_cut_ones_are_errors() {
        let mut b = Bytes::from_static(&[0, 0, 0, 0, 2, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9]);
        let m = split_messages(&mut b).unwrap();
        assert_eq!(m, vec![Bytes::from_static(&[7, 8]), Bytes::new(), Bytes::from_static(&[9])]);
        assert!(split_messages(&mut Bytes::from_static(&[0, 0, 0, 0, 3, 1])).is_err());
        assert!(split_messages(&mut Bytes::from_static(&[0, 0])).is_err());
        assert!(split_messages(&mut Bytes::from_static(&[1, 0, 0, 0, 0])).is_err());
    }

    #[test]
    fn a_trailers_only_ok_is_success_with_no_message() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/grpc"));
        assert!(trailers_only(&h).is_none(), "no status in the headers: messages follow");
        h.insert("grpc-status", HeaderValue::from_static("0"));
        assert!(trailers_only(&h).unwrap().unwrap().is_empty());
        h.insert("grpc-status", HeaderValue::from_static("16"));
        h.insert("grpc-message", HeaderValue::from_static("Invalid%20authentication%20token"));
        let e = trailers_only(&h).unwrap().unwrap_err().to_string();
        assert_eq!(e, "unauthenticated (gRPC status 16): Invalid authentication token");
    }

    #[test]
    fn statuses_name_the_code_and_decode_the_message() {
        let mut h = HeaderMap::new();
        assert!(status_error(&h).is_none());
        h.insert("grpc-status", HeaderValue::from_static("0"));
        assert!(status_error(&h).is_none());
        h.insert("grpc-status", HeaderValue::from_static("3"));
        h.insert("grpc-message", HeaderValue::from_static("bad%20SQL%3A%20%C3%A9%"));
        let e = status_error(&h).unwrap().to_string();
        assert_eq!(e, "invalid argument (gRPC status 3): bad SQL: é%");
    }
}
