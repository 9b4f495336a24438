//! Spark Connect (experimental, cargo feature `spark`; user docs: docs/spark.md).
//!
//! A minimal client of Spark's remote protocol: connect to `sc://HOST:PORT`, send one Spark
//! SQL query as a plan, read the rows back as Arrow record batches. Nothing is home-made
//! beyond the few protobuf messages ([`proto`]): gRPC is tonic over the tokio/hyper/h2 that
//! polars' object store already builds, Arrow IPC decoding is `arrow-ipc`.
//!
//! [`steps`] holds the relational steps defined twice, as a polars query (the local
//! engine) and as Spark SQL over the lake's Parquet files, with a test that requires both
//! to give the same table (`tests/it/spark.rs`, against a local Sail server).
//!
//! Readings taken:
//! - **URL.** `sc://HOST[:PORT][/;key=value…]`, port 15002 when left out (Spark's
//!   default). Parameters that need what this client lacks (`use_ssl=true`, `token`) are
//!   refused rather than ignored; `user_id` is sent; other parameters are ignored.
//! - **Session.** One random UUID per [`Client`]; `client_type` is `rallylens/<version>`.
//! - **Errors.** The server's message is quoted (it names the SQL, never lake values the
//!   query did not select); the lake's key is never sent: only Parquet part files are named.

pub mod proto;
pub mod steps;

use std::io::Cursor;

use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;

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

/// A connected Spark Connect session.
pub struct Client {
    rt: tokio::runtime::Runtime,
    grpc: tonic::client::Grpc<tonic::transport::Channel>,
    session: String,
    endpoint: Endpoint,
}

const EXECUTE_PLAN: &str = "/spark.connect.SparkConnectService/ExecutePlan";

impl Client {
    /// Connects to `url` (`sc://HOST:PORT`).
    pub fn connect(url: &str) -> Result<Client> {
        let endpoint = Endpoint::parse(url)?;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
        let target = format!("http://{}:{}", endpoint.host, endpoint.port);
        let channel = rt
            .block_on(
                tonic::transport::Endpoint::from_shared(target)
                    .context("Spark Connect address")?
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .connect(),
            )
            .with_context(|| format!("connecting to Spark Connect at {url}"))?;
        Ok(Client { rt, grpc: tonic::client::Grpc::new(channel), session: uuid_v4(), endpoint })
    }

    /// Runs one Spark SQL query; its rows as Arrow record batches, in the server's order.
    pub fn sql(&mut self, query: &str) -> Result<Vec<RecordBatch>> {
        let request = proto::ExecutePlanRequest {
            session_id: self.session.clone(),
            user_context: Some(proto::UserContext {
                user_id: self.endpoint.user_id.clone(),
                user_name: self.endpoint.user_id.clone(),
            }),
            plan: Some(proto::Plan {
                root: Some(proto::Relation { sql: Some(proto::Sql { query: query.to_string() }) }),
            }),
            client_type: Some(format!("rallylens/{}", env!("CARGO_PKG_VERSION"))),
        };
        let grpc = &mut self.grpc;
        let responses: Vec<proto::ExecutePlanResponse> = self.rt.block_on(async {
            grpc.ready().await.context("Spark Connect channel")?;
            let codec = tonic_prost::ProstCodec::<proto::ExecutePlanRequest, proto::ExecutePlanResponse>::default();
            let path = tonic::codegen::http::uri::PathAndQuery::from_static(EXECUTE_PLAN);
            let mut stream = grpc
                .server_streaming(tonic::Request::new(request), path, codec)
                .await
                .map_err(status_error)?
                .into_inner();
            let mut all = Vec::new();
            while let Some(m) = stream.message().await.map_err(status_error)? {
                all.push(m);
            }
            anyhow::Ok(all)
        })?;
        let mut batches = Vec::new();
        for r in responses {
            let Some(b) = r.arrow_batch else { continue };
            let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(b.data), None)
                .context("Spark Connect sent an Arrow batch that is not an IPC stream")?;
            for batch in reader {
                batches.push(batch.context("decoding a Spark Connect Arrow batch")?);
            }
        }
        Ok(batches)
    }
}

fn status_error(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("Spark Connect: {:?}: {}", s.code(), s.message())
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
