//! The few Spark Connect protobuf messages the client sends and reads, written by hand
//! with `prost` derives instead of generated from the protos (no `protoc`, no build
//! script). Field numbers are those of `spark/connect/base.proto` and `relations.proto`
//! (package `spark.connect`; unchanged from Spark 3.4 to 4.x). Protobuf decoding skips
//! fields a message does not declare, so a response's other members (metrics, schema,
//! `result_complete`, …) are read past.

/// `Plan`: only the `root` member of its `op_type` oneof (tag 1).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Plan {
    #[prost(message, optional, tag = "1")]
    pub root: Option<Relation>,
}

/// `Relation`: only the `sql` member of its `rel_type` oneof (tag 10).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Relation {
    #[prost(message, optional, tag = "10")]
    pub sql: Option<Sql>,
}

/// `SQL`: a query without parameters.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sql {
    #[prost(string, tag = "1")]
    pub query: String,
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
