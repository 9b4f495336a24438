//! Spark Connect: the relational part of a metric step runs as Spark SQL on a remote
//! server (Apache Spark 4 `start-connect-server.sh`, or Sail), over the lake's Parquet
//! files; the small aggregate comes back as Arrow and is finished here like the local
//! step (user docs: docs/spark.md).
//!
//! The client is minimal and home-made only where no crate of the build does the job: the
//! few protobuf messages ([`proto`], `prost` derives) and gRPC's framing ([`grpc`], over
//! hyper's HTTP/2 client). Arrow IPC decoding is `arrow-ipc`.
//!
//! [`steps`] holds the steps that can run remotely (so far `hashtag_daily` and
//! `reach_daily`'s post side), as Spark SQL built from the campaign and the lake's manifest.
//!
//! Readings taken:
//! - **URL.** `sc://HOST[:PORT][/;key=value…]` (Spark's "client connection string"), port
//!   15002 when left out (Spark's default), an IPv6 address in brackets. Parameters read:
//!   `user_id` (sent in every request's user context; `rallylens` when absent), `token`
//!   (sent as `authorization: Bearer <token>` on every call; when the URL has none,
//!   `SPARK_CONNECT_AUTHENTICATE_TOKEN` is read, as Spark's Python client does) and
//!   `use_ssl` (`true`/`false`). Others (`session_id`, `user_agent`, gRPC keep-alive, …)
//!   are ignored.
//! - **TLS.** As Spark's Python client: `use_ssl=true` is TLS, and so is a token, except to
//!   `localhost` or a loopback address, where the token goes in plain text (the connection
//!   does not leave the machine; this is how Spark's local server with
//!   `spark.connect.authenticate.token` is reached, and how a tunnel is). TLS is rustls
//!   (ring) with the system's trusted roots (`SSL_CERT_FILE`/`SSL_CERT_DIR` override them)
//!   and ALPN `h2`; no client certificate.
//! - **The token is never printed**: [`Endpoint`]'s `Display` is `sc://HOST:PORT`, its
//!   `Debug` hides the token, `--engine`'s parse errors show the URL with `token=***`
//!   ([`redact`]), and an error that would quote it (a server echoing the header) has it
//!   replaced by `***`.
//! - **Session.** One random (v4) UUID per [`Client`]; `client_type` is
//!   `rallylens/<version>`; the temporary views a step creates live in that session only,
//!   which is released (`ReleaseSession`) when the client is dropped.
//! - **What is sent.** The SQL text and the paths of the lake's live part files: never the
//!   lake's key, never a row. The server reads the files itself, so it must see them at the
//!   same paths (same machine, or a shared file system).
//! - **Errors.** The server's message is quoted as it comes (Spark's and Sail's name the
//!   query and the files, not the rows).

pub mod grpc;
pub mod proto;
pub mod steps;

use std::io::Cursor;

use anyhow::{bail, ensure, Context, Result};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType as ArrowType, Date32Type, Int64Type};
use polars::prelude::*;

/// A parsed `sc://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user_id: String,
    /// `token=…` (else `SPARK_CONNECT_AUTHENTICATE_TOKEN`): sent as `authorization: Bearer`.
    pub token: Option<Secret>,
    /// Whether the connection must be TLS: `use_ssl=true`, or a token to a host that is not
    /// loopback (see the module docs).
    pub tls: bool,
}

/// A token: never printed (its `Debug` is `Secret(***)`); [`Secret::expose`] is for the
/// one header that carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The environment variable Spark's own clients read a token from when the URL has none.
pub const TOKEN_ENV: &str = "SPARK_CONNECT_AUTHENTICATE_TOKEN";

/// `url` with the value of every `token=` parameter replaced by `***` (for messages).
pub fn redact(url: &str) -> String {
    let Some((head, params)) = url.split_once("/;") else { return url.to_string() };
    let params: Vec<String> = params
        .split(';')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k == "token" => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{head}/;{}", params.join(";"))
}

/// Whether `host` is this machine: `localhost` or a loopback address.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
}

impl Endpoint {
    /// Parses `sc://HOST[:PORT][/;key=value;…]` (see the module docs), a token from
    /// `SPARK_CONNECT_AUTHENTICATE_TOKEN` when the URL has none. Messages never hold the
    /// token.
    pub fn parse(url: &str) -> Result<Endpoint> {
        Endpoint::parse_with_env_token(url, std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()))
    }

    fn parse_with_env_token(url: &str, env_token: Option<String>) -> Result<Endpoint> {
        let shown = redact(url);
        let Some(rest) = url.strip_prefix("sc://") else {
            bail!("engine {shown:?}: expected a Spark Connect URL sc://HOST:PORT");
        };
        let (authority, params) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let port_of =
            |p: &str| p.parse::<u16>().with_context(|| format!("engine {shown:?}: port {p:?} is not a number 0-65535"));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            // An IPv6 address: [ADDRESS] or [ADDRESS]:PORT.
            match v6.split_once(']') {
                Some((h, "")) => (h, 15002),
                Some((h, p)) if p.starts_with(':') => (h, port_of(&p[1..])?),
                _ => bail!("engine {shown:?}: expected sc://[IPv6]:PORT"),
            }
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, port_of(p)?),
                None => (authority, 15002),
            }
        };
        if host.is_empty() {
            bail!("engine {shown:?}: no host (expected sc://HOST:PORT)");
        }
        if !params.is_empty() && !params.starts_with(';') {
            bail!("engine {shown:?}: parameters follow \"/;\" (sc://HOST:PORT/;key=value;…)");
        }
        let mut user_id = "rallylens".to_string();
        let mut token = None;
        let mut use_ssl = false;
        for kv in params.split(';').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match k {
                "use_ssl" => {
                    use_ssl = match v.to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => bail!("engine {shown:?}: use_ssl is true or false"),
                    }
                }
                "token" if v.is_empty() => bail!("engine {shown:?}: the token is empty"),
                "token" => token = Some(Secret::new(v)),
                "user_id" => user_id = v.to_string(),
                _ => {}
            }
        }
        let token = token.or(env_token.map(Secret::new));
        // As Spark's Python client: a token implies TLS, but to localhost it goes in plain
        // text (the connection does not leave the machine).
        let tls = use_ssl || (token.is_some() && !is_loopback(host));
        Ok(Endpoint { host: host.to_string(), port, user_id, token, tls })
    }
}

impl std::fmt::Display for Endpoint {
    /// `sc://HOST:PORT`: never the parameters (the token).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "sc://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "sc://{}:{}", self.host, self.port)
        }
    }
}

/// For clap: `--engine sc://HOST:PORT[/;…]`. Not a plain function parser: clap quotes the
/// value in its own error message, and the value can hold a token.
#[derive(Clone, Copy, Debug)]
pub struct EngineParser;

impl clap::builder::TypedValueParser for EngineParser {
    type Value = Endpoint;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Endpoint, clap::Error> {
        let fail = |m: String| {
            let mut cmd = cmd.clone();
            cmd.error(clap::error::ErrorKind::ValueValidation, format!("invalid value for '--engine': {m}"))
        };
        let Some(url) = value.to_str() else { return Err(fail("not UTF-8".into())) };
        Endpoint::parse(url).map_err(|e| fail(format!("{e:#}")))
    }
}

/// A connected Spark Connect session.
pub struct Client {
    rt: tokio::runtime::Runtime,
    channel: grpc::Channel,
    session: String,
    endpoint: Endpoint,
}

const EXECUTE_PLAN: &str = "/spark.connect.SparkConnectService/ExecutePlan";
const RELEASE_SESSION: &str = "/spark.connect.SparkConnectService/ReleaseSession";

/// How long releasing the session may take when the client is dropped.
const RELEASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long connecting may take before the server is said to be unreachable.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Client {
    /// Connects to the server at `endpoint` (a new session).
    pub fn connect(endpoint: &Endpoint) -> Result<Client> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
        let token = endpoint.token.as_ref().map(Secret::expose);
        let channel = rt
            .block_on(grpc::Channel::connect(&endpoint.host, endpoint.port, endpoint.tls, token, CONNECT_TIMEOUT))
            .map_err(|e| scrub(e, endpoint))
            .with_context(|| {
                format!(
                    "connecting to the Spark Connect server at {endpoint}{}",
                    if endpoint.tls { " (TLS)" } else { "" }
                )
            })?;
        Ok(Client { rt, channel, session: uuid_v4(), endpoint: endpoint.clone() })
    }

    /// The server this client talks to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Executes `plan`; the Arrow record batches of its result (none for a command), in the
    /// server's order.
    fn execute(&mut self, plan: proto::Plan) -> Result<Vec<RecordBatch>> {
        use prost::Message;
        let client_type = client_type();
        let request = proto::ExecutePlanRequest {
            session_id: self.session.clone(),
            user_context: Some(self.user_context()),
            plan: Some(plan),
            client_type: Some(client_type.clone()),
        };
        let channel = &mut self.channel;
        let messages = self
            .rt
            .block_on(channel.server_streaming(EXECUTE_PLAN, &request.encode_to_vec(), &client_type))
            .map_err(|e| scrub(e, &self.endpoint))
            .with_context(|| format!("Spark Connect server {}", self.endpoint))?;
        let mut batches = Vec::new();
        for m in messages {
            let r = proto::ExecutePlanResponse::decode(m)
                .context("the server sent a response that is not an ExecutePlanResponse")?;
            let Some(b) = r.arrow_batch else { continue };
            let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(b.data), None)
                .context("the server sent an Arrow batch that is not an Arrow IPC stream")?;
            for batch in reader {
                batches.push(batch.context("decoding an Arrow batch from the server")?);
            }
        }
        Ok(batches)
    }

    fn user_context(&self) -> proto::UserContext {
        proto::UserContext { user_id: self.endpoint.user_id.clone(), user_name: self.endpoint.user_id.clone() }
    }

    /// Runs one Spark SQL query; its rows as Arrow record batches.
    pub fn sql(&mut self, query: &str) -> Result<Vec<RecordBatch>> {
        let root = proto::Relation { sql: Some(proto::Sql { query: query.to_string() }), read: None };
        self.execute(proto::Plan { root: Some(root), command: None })
    }

    /// Makes `name` a temporary view (of this session) of the Parquet files `paths`, read
    /// with the DDL schema `schema` (a column a file lacks reads as null).
    pub fn parquet_view(&mut self, name: &str, schema: &str, paths: Vec<String>) -> Result<()> {
        let read = proto::Read {
            data_source: Some(proto::DataSource {
                format: Some("parquet".into()),
                schema: Some(schema.to_string()),
                paths,
            }),
        };
        let view = proto::CreateDataFrameViewCommand {
            input: Some(proto::Relation { read: Some(read), sql: None }),
            name: name.to_string(),
            is_global: false,
            replace: true,
        };
        let command = proto::Command { create_dataframe_view: Some(view) };
        self.execute(proto::Plan { root: None, command: Some(command) })
            .with_context(|| format!("creating the view {name}"))?;
        Ok(())
    }
}

/// `rallylens/<version>`: the client type Spark logs.
fn client_type() -> String {
    format!("rallylens/{}", env!("CARGO_PKG_VERSION"))
}

impl Drop for Client {
    /// Releases the session (best effort, [`RELEASE_TIMEOUT`] at most): the server drops
    /// its temporary views now instead of at its idle timeout (an hour in Spark). A server
    /// without `ReleaseSession`, or gone, is no error: the work is done.
    fn drop(&mut self) {
        use prost::Message;
        let request = proto::ReleaseSessionRequest {
            session_id: self.session.clone(),
            user_context: Some(self.user_context()),
            client_type: Some(client_type()),
        };
        let (client_type, message) = (client_type(), request.encode_to_vec());
        let channel = &mut self.channel;
        // The timer is made inside the runtime (block_on's future), as tokio requires.
        let _ = self.rt.block_on(async {
            let call = channel.server_streaming(RELEASE_SESSION, &message, &client_type);
            tokio::time::timeout(RELEASE_TIMEOUT, call).await
        });
    }
}

/// Arrow record batches (a Spark result) as a polars frame with exactly `schema`'s columns
/// and types: text (`String`), days (`Date`) and counts (`Int64`); each column is found by
/// name and cast to its type (Spark's `INT` counts become `Int64`).
pub fn frame_of(batches: &[RecordBatch], schema: &[(&str, DataType)]) -> Result<DataFrame> {
    let mut columns: Vec<Vec<Series>> = vec![Vec::new(); schema.len()];
    for b in batches {
        for (i, (name, dtype)) in schema.iter().enumerate() {
            let Some(a) = b.column_by_name(name) else {
                let names: Vec<&str> = b.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
                bail!("the server's result has no column {name} (it has {})", names.join(", "));
            };
            let s = match dtype {
                DataType::String => {
                    let a = arrow::compute::cast(a, &ArrowType::Utf8)
                        .with_context(|| format!("column {name} is not text"))?;
                    let a = a.as_string::<i32>();
                    Series::new(
                        (*name).into(),
                        (0..a.len()).map(|j| a.is_valid(j).then(|| a.value(j))).collect::<Vec<_>>(),
                    )
                }
                DataType::Date => {
                    let a = arrow::compute::cast(a, &ArrowType::Date32)
                        .with_context(|| format!("column {name} is not a date"))?;
                    let a = a.as_primitive::<Date32Type>();
                    Series::new(
                        (*name).into(),
                        (0..a.len()).map(|j| a.is_valid(j).then(|| a.value(j))).collect::<Vec<_>>(),
                    )
                    .cast(&DataType::Date)?
                }
                DataType::Int64 => {
                    let a = arrow::compute::cast(a, &ArrowType::Int64)
                        .with_context(|| format!("column {name} is not an integer"))?;
                    let a = a.as_primitive::<Int64Type>();
                    Series::new(
                        (*name).into(),
                        (0..a.len()).map(|j| a.is_valid(j).then(|| a.value(j))).collect::<Vec<_>>(),
                    )
                }
                other => bail!("frame_of: no conversion to {other} yet"),
            };
            columns[i].push(s);
        }
    }
    let mut out = Vec::with_capacity(schema.len());
    for ((name, dtype), parts) in schema.iter().zip(columns) {
        let mut s = Series::new_empty((*name).into(), dtype);
        for p in parts {
            s.append(&p)?;
        }
        out.push(s.into_column());
    }
    let df = DataFrame::new_infer_height(out)?;
    ensure!(df.width() == schema.len(), "frame_of: columns lost");
    Ok(df)
}

/// `e` with the endpoint's token, should any part of it quote it (a server echoing the
/// header), replaced by `***`: its messages joined into one.
fn scrub(e: anyhow::Error, endpoint: &Endpoint) -> anyhow::Error {
    match &endpoint.token {
        Some(t) => {
            let m = format!("{e:#}");
            if m.contains(t.expose()) {
                anyhow::anyhow!(m.replace(t.expose(), "***"))
            } else {
                e
            }
        }
        None => e,
    }
}

/// A random (version 4) UUID, as Spark wants session ids.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_spark_defaults() {
        let p = |u: &str| Endpoint::parse_with_env_token(u, None);
        let e = p("sc://localhost").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.user_id.as_str(), e.tls), ("localhost", 15002, "rallylens", false));
        assert!(e.token.is_none());
        let e = p("sc://10.0.0.7:50051/;user_id=ana;session_id=x").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.user_id.as_str()), ("10.0.0.7", 50051, "ana"));
        assert_eq!(e.to_string(), "sc://10.0.0.7:50051");
        let e = p("sc://[::1]:7").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.to_string().as_str()), ("::1", 7, "sc://[::1]:7"));
        assert_eq!(p("sc://[::1]").unwrap().port, 15002);
        for bad in [
            "http://h:1",
            "sc://:1",
            "sc://h:99999",
            "sc://h:1/;use_ssl=yes",
            "sc://h/;token=",
            "sc://[::1",
            "sc://h/x",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }

    /// As Spark's Python client: use_ssl=true is TLS; a token is TLS too, but not to
    /// localhost or a loopback address; the environment's token is the default.
    #[test]
    fn tokens_and_tls_follow_spark_clients() {
        let p = |u: &str| Endpoint::parse_with_env_token(u, None).unwrap();
        let e = p("sc://spark.example.org/;token=abc;user_id=ana");
        assert_eq!((e.token.as_ref().map(Secret::expose), e.tls), (Some("abc"), true));
        for local in ["sc://localhost:1/;token=abc", "sc://127.0.0.1/;token=abc", "sc://[::1]/;token=abc"] {
            let e = p(local);
            assert_eq!((e.token.as_ref().map(Secret::expose), e.tls), (Some("abc"), false), "{local}");
        }
        assert!(p("sc://localhost/;token=abc;use_ssl=true").tls);
        assert!(p("sc://h/;use_ssl=TRUE").tls);
        let e = p("sc://h/;use_ssl=false");
        assert!(!e.tls && e.token.is_none());
        let e = Endpoint::parse_with_env_token("sc://h", Some("fromenv".into())).unwrap();
        assert_eq!((e.token.as_ref().map(Secret::expose), e.tls), (Some("fromenv"), true));
        let e = Endpoint::parse_with_env_token("sc://h/;token=url", Some("fromenv".into())).unwrap();
        assert_eq!(e.token.as_ref().map(Secret::expose), Some("url"));
    }

    /// The token is in no message: not in the endpoint's Display or Debug, not in a parse
    /// error, not in an error that quotes it.
    #[test]
    fn the_token_is_never_printed() {
        let t = "s3cr3t-Tok";
        let e = Endpoint::parse_with_env_token(&format!("sc://h:1/;user_id=u;token={t}"), None).unwrap();
        for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert!(!shown.contains(t), "{shown}");
        }
        for bad in [
            format!("sc://h:x/;token={t}"),
            format!("sc://h/;token={t};use_ssl=maybe"),
            format!("sc:/h/;token={t}"),
            format!("sc://h/;use_ssl=1;token={t};user_id=u"),
        ] {
            let m = format!("{:#}", Endpoint::parse_with_env_token(&bad, None).unwrap_err());
            assert!(!m.contains(t) && m.contains("token=***"), "{m}");
        }
        assert_eq!(redact(&format!("sc://h/;user_id=u;token={t};x=y")), "sc://h/;user_id=u;token=***;x=y");
        let quoted = anyhow::anyhow!("bad header Bearer {t}").context("calling");
        let m = format!("{:#}", scrub(quoted, &e));
        assert_eq!(m, "calling: bad header Bearer ***");
    }

    #[test]
    fn session_ids_are_v4_uuids() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
