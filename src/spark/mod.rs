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
//! - **URL.** `sc://HOST[:PORT][/;key=value…]`, port 15002 when left out (Spark's
//!   default). Parameters that need what this client lacks (`use_ssl=true`, `token`) are
//!   refused rather than ignored; `user_id` is sent; other parameters are ignored.
//! - **Session.** One random (v4) UUID per [`Client`]; `client_type` is
//!   `rallylens/<version>`; the temporary views a step creates live in that session only.
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
}

impl Endpoint {
    /// Parses `sc://HOST[:PORT][/;key=value;…]` (see the module docs).
    pub fn parse(url: &str) -> Result<Endpoint> {
        let Some(rest) = url.strip_prefix("sc://") else {
            bail!("engine {url:?}: expected a Spark Connect URL sc://HOST:PORT");
        };
        let (authority, params) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => {
                (h, p.parse::<u16>().with_context(|| format!("engine {url:?}: port {p:?} is not a number 0-65535"))?)
            }
            None => (authority, 15002),
        };
        if host.is_empty() {
            bail!("engine {url:?}: no host (expected sc://HOST:PORT)");
        }
        let mut user_id = "rallylens".to_string();
        for kv in params.split(';').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match k {
                "use_ssl" if v.eq_ignore_ascii_case("true") => {
                    bail!("engine {url:?}: use_ssl=true is not supported yet (plain gRPC only)")
                }
                "token" => bail!("engine {url:?}: token is not supported yet (it needs TLS)"),
                "user_id" => user_id = v.to_string(),
                _ => {}
            }
        }
        Ok(Endpoint { host: host.to_string(), port, user_id })
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sc://{}:{}", self.host, self.port)
    }
}

/// For clap: `--engine sc://HOST:PORT`.
pub fn parse_engine(s: &str) -> Result<Endpoint, String> {
    Endpoint::parse(s).map_err(|e| format!("{e:#}"))
}

/// A connected Spark Connect session.
pub struct Client {
    rt: tokio::runtime::Runtime,
    channel: grpc::Channel,
    session: String,
    endpoint: Endpoint,
}

const EXECUTE_PLAN: &str = "/spark.connect.SparkConnectService/ExecutePlan";

/// How long connecting may take before the server is said to be unreachable.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Client {
    /// Connects to the server at `endpoint` (a new session).
    pub fn connect(endpoint: &Endpoint) -> Result<Client> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
        let channel = rt
            .block_on(grpc::Channel::connect(&endpoint.host, endpoint.port, CONNECT_TIMEOUT))
            .with_context(|| format!("connecting to the Spark Connect server at {endpoint}"))?;
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
        let client_type = format!("rallylens/{}", env!("CARGO_PKG_VERSION"));
        let request = proto::ExecutePlanRequest {
            session_id: self.session.clone(),
            user_context: Some(proto::UserContext {
                user_id: self.endpoint.user_id.clone(),
                user_name: self.endpoint.user_id.clone(),
            }),
            plan: Some(plan),
            client_type: Some(client_type.clone()),
        };
        let channel = &mut self.channel;
        let messages = self
            .rt
            .block_on(channel.server_streaming(EXECUTE_PLAN, &request.encode_to_vec(), &client_type))
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
        let e = Endpoint::parse("sc://localhost").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.user_id.as_str()), ("localhost", 15002, "rallylens"));
        let e = Endpoint::parse("sc://10.0.0.7:50051/;user_id=ana;session_id=x").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.user_id.as_str()), ("10.0.0.7", 50051, "ana"));
        assert_eq!(e.to_string(), "sc://10.0.0.7:50051");
        for bad in ["http://h:1", "sc://:1", "sc://h:99999", "sc://h:1/;use_ssl=true", "sc://h/;token=t"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn session_ids_are_v4_uuids() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
