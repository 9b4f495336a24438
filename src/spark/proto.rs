//! The few Spark Connect protobuf messages the client sends and reads, written by hand with
//! `prost` derives instead of generated from the protos (no `protoc`, no build script).
//!
//! Field numbers are those of `spark/connect/base.proto`, `relations.proto` and
//! `commands.proto` (package `spark.connect`, Spark 3.4 to 4.x; read in apache/spark's
//! `sql/connect/common/src/main/protobuf`). A `oneof` is written as optional members, one
//! per alternative used: on the wire a oneof with one member set is that member. Decoding
//! skips the fields a message does not declare, so a response's other members (metrics,
//! schema, `result_complete`, …) are read past.

/// `Plan`: `root` (tag 1) or `command` (tag 2) of its `op_type` oneof.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Plan {
    #[prost(message, optional, tag = "1")]
    pub root: Option<Relation>,
    #[prost(message, optional, tag = "2")]
    pub command: Option<Command>,
}

/// `Relation`: `read` (tag 2) or `sql` (tag 10) of its `rel_type` oneof.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Relation {
    #[prost(message, optional, tag = "2")]
    pub read: Option<Read>,
    #[prost(message, optional, tag = "10")]
    pub sql: Option<Sql>,
}

/// `Read`: only `data_source` (tag 2 of its `read_type` oneof).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Read {
    #[prost(message, optional, tag = "2")]
    pub data_source: Option<DataSource>,
}

/// `Read.DataSource`: files of one format, with the schema to read them with.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DataSource {
    #[prost(string, optional, tag = "1")]
    pub format: Option<String>,
    /// DDL (`a STRING, b BIGINT`): the columns read, in this order, whatever each file holds.
    #[prost(string, optional, tag = "2")]
    pub schema: Option<String>,
    #[prost(string, repeated, tag = "4")]
    pub paths: Vec<String>,
}

/// `SQL`: a query without parameters.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sql {
    #[prost(string, tag = "1")]
    pub query: String,
}

/// `Command`: only `create_dataframe_view` (tag 3 of its `command_type` oneof).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Command {
    #[prost(message, optional, tag = "3")]
    pub create_dataframe_view: Option<CreateDataFrameViewCommand>,
}

/// `CreateDataFrameViewCommand`: a (session-local) temporary view of a relation.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CreateDataFrameViewCommand {
    #[prost(message, optional, tag = "1")]
    pub input: Option<Relation>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(bool, tag = "3")]
    pub is_global: bool,
    #[prost(bool, tag = "4")]
    pub replace: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct UserContext {
    #[prost(string, tag = "1")]
    pub user_id: String,
    #[prost(string, tag = "2")]
    pub user_name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutePlanRequest {
    /// A UUID, one per client session.
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub user_context: Option<UserContext>,
    #[prost(message, optional, tag = "3")]
    pub plan: Option<Plan>,
    #[prost(string, optional, tag = "4")]
    pub client_type: Option<String>,
}

/// `ReleaseSessionRequest`: ends the session on the server (its temporary views, its
/// state), as a client does when it is done, rather than leaving it to the server's idle
/// timeout. `allow_reconnect` (4) left false.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReleaseSessionRequest {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub user_context: Option<UserContext>,
    #[prost(string, optional, tag = "3")]
    pub client_type: Option<String>,
}

/// `ExecutePlanResponse`: only `arrow_batch` (tag 2 of its `response_type` oneof).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutePlanResponse {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub arrow_batch: Option<ArrowBatch>,
}

/// Rows as an Arrow IPC stream (schema message, then record batches).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ArrowBatch {
    #[prost(int64, tag = "1")]
    pub row_count: i64,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// The bytes of a SQL plan as protoc would write them: Plan.root (1) { Relation.sql (10) {
    /// SQL.query (1) } }.
    #[test]
    fn a_sql_plan_encodes_with_spark_field_numbers() {
        let p =
            Plan { root: Some(Relation { sql: Some(Sql { query: "SELECT 1".into() }), read: None }), command: None };
        let b = p.encode_to_vec();
        assert_eq!(b, [&[0x0a, 12, 0x52, 10, 0x0a, 8][..], b"SELECT 1"].concat());
    }

    /// ReleaseSessionRequest's fields as Spark 4.3's descriptor numbers them: session_id 1,
    /// user_context 2 (UserContext.user_id 1), client_type 3.
    #[test]
    fn a_session_release_encodes_with_spark_field_numbers() {
        let r = ReleaseSessionRequest {
            session_id: "s".into(),
            user_context: Some(UserContext { user_id: "u".into(), user_name: String::new() }),
            client_type: Some("c".into()),
        };
        assert_eq!(r.encode_to_vec(), [0x0a, 1, b's', 0x12, 3, 0x0a, 1, b'u', 0x1a, 1, b'c']);
    }
}
