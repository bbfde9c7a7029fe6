//! From spans to observed edges: what each span touched, and which
//! service answered a client span.
//!
//! - The emitting service is a node of kind `service` named by
//!   `service.name` (alias `name[service]:<name>`). `faas.name` makes it a
//!   `function` with alias `name[function]:<faas.name>`, so a Lambda's spans
//!   land on the declared function; `cloud.resource_id` adds its ARN (a
//!   Lambda's version or alias qualifier dropped) and, for a Lambda, the
//!   function's name; `k8s.deployment.name` adds `name[service]:<deployment>`.
//! - An AWS SDK span (`rpc.system` = `aws-api`) is an edge to the resource
//!   it names (queue URL, table names, bucket, topic, function, state
//!   machine, secret, stream), of the kind the operation implies
//!   (`GetItem` reads, `PutItem` writes, `SendMessage` publishes,
//!   `ReceiveMessage` consumes, `Invoke` invokes), the same table the code
//!   readers use.
//! - A database span (`db.system`) reads or writes each table it names
//!   (`db.collection.name`/`db.sql.table`, `aws.dynamodb.table_names`, else
//!   the tables of its query text, parsed; the text itself is never kept);
//!   one naming no table is an edge to the database (`db.namespace`).
//! - A messaging span publishes to (producer) or consumes from (consumer)
//!   its destination: a queue for SQS, RabbitMQ, ActiveMQ, JMS and Service
//!   Bus, a topic otherwise (SNS, Kafka, Pub/Sub…).
//! - Any other client span is a call to a service: `peer.service` when set;
//!   else the service of the server span whose parent is this client span
//!   (matched by trace and span ids, in either order); else the endpoint
//!   its URL or `server.address` names (`name[endpoint]:https://host`, as
//!   the code readers name endpoints). The operation is the server's route
//!   (`GET /orders/{id}`) where known, else the client's method or RPC.
//!
//! # Bounded memory
//!
//! Matching needs the client spans waiting for their server span and the
//! server spans waiting for their client. Both wait in maps of at most
//! [`PENDING_LIMIT`] entries each; when one is full its oldest entry is
//! dropped first (a client then falls back to its endpoint). A collector's
//! file holds the spans of one trace close together, so the bound loses
//! matches only when a trace's spans are further apart than that.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use infrawise_core::{Alias, EdgeKind, NodeKind, Timestamp};

use super::aggregate::Observations;
use super::spans::{Resource, Span, SpanAttrs, SpanKind};
use crate::code::{self, AwsService};

/// How many unmatched client (and, separately, server) spans wait at most.
pub const PENDING_LIMIT: usize = 65_536;

/// How many parsed query texts are remembered.
const QUERY_CACHE_LIMIT: usize = 4_096;

/// A client span waiting for the server span that answered it.
#[derive(Clone, Copy, Debug)]
struct PendingCall {
    from: u32,
    operation: u32,
    /// The endpoint to fall back on if no server span answers (an index
    /// into `SpanReader::endpoints`; its node is made only if needed).
    endpoint: Option<u32>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    error: bool,
}

/// A server span waiting for its client span.
#[derive(Clone, Copy, Debug)]
struct Answer {
    service: u32,
    operation: Option<u32>,
}

/// A map that keeps at most `limit` entries, dropping the oldest first.
#[derive(Debug)]
struct Bounded<V> {
    map: FxHashMap<(u128, u128), V>,
    order: VecDeque<(u128, u128)>,
    limit: usize,
}

impl<V> Bounded<V> {
    fn new(limit: usize) -> Self {
        Bounded {
            map: FxHashMap::default(),
            order: VecDeque::new(),
            limit,
        }
    }

    /// Inserts, giving back what was dropped to make room.
    fn insert(&mut self, key: (u128, u128), value: V) -> Option<V> {
        let mut dropped = None;
        // Keys already taken out by a match stay in `order`; they are
        // skipped here, and `order` never grows past twice the limit.
        while self.map.len() >= self.limit || self.order.len() >= 2 * self.limit {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(value) = self.map.remove(&oldest) {
                dropped = Some(value);
                if self.map.len() < self.limit && self.order.len() < 2 * self.limit {
                    break;
                }
            }
        }
        self.map.insert(key, value);
        self.order.push_back(key);
        dropped
    }

    fn take(&mut self, key: &(u128, u128)) -> Option<V> {
        let value = self.map.remove(key);
        if self.map.is_empty() {
            // Everything waiting was matched: the order of stale keys goes too.
            self.order.clear();
        }
        value
    }

    fn drain(&mut self) -> impl Iterator<Item = V> + '_ {
        // In insertion order, so the output does not depend on hashing.
        let map = &mut self.map;
        self.order.drain(..).filter_map(move |key| map.remove(&key))
    }
}

/// Aggregates the spans of one file into observations.
#[derive(Debug)]
pub(crate) struct SpanReader {
    pub(crate) observations: Observations,
    clients: Bounded<PendingCall>,
    servers: Bounded<Answer>,
    queries: FxHashMap<String, Vec<(String, EdgeKind)>>,
    /// Endpoint names of waiting client spans, with their RPC system.
    endpoints: Vec<(String, String)>,
    endpoint_index: FxHashMap<(String, String), u32>,
    /// Spans read, for the source's summary.
    pub(crate) spans: u64,
}

fn timestamp(nanos: Option<u64>) -> Option<Timestamp> {
    nanos.map(|n| Timestamp::from_unix_seconds((n / 1_000_000_000).cast_signed()))
}

impl SpanReader {
    pub(crate) fn new(extractor: &'static str, display: &str) -> Self {
        SpanReader {
            observations: Observations::new(extractor, display, Some("sampled spans")),
            clients: Bounded::new(PENDING_LIMIT),
            servers: Bounded::new(PENDING_LIMIT),
            queries: FxHashMap::default(),
            endpoints: Vec::new(),
            endpoint_index: FxHashMap::default(),
            spans: 0,
        }
    }

    /// The node of the service a resource describes.
    pub(crate) fn service(&mut self, resource: &Resource<'_>) -> u32 {
        let obs = &mut self.observations;
        let name = resource
            .service_name
            .as_deref()
            .or(resource.faas_name.as_deref())
            .or(resource.k8s_deployment.as_deref())
            .unwrap_or("unknown_service");
        let node = obs.node(
            NodeKind::Service,
            name,
            Some("otel_service"),
            "spans of service",
        );
        if let Some(function) = resource.faas_name.as_deref() {
            obs.set_kind(node, NodeKind::Function, "faas");
            obs.alias(node, Alias::name(NodeKind::Function, function));
        }
        if let Some(arn) = resource
            .cloud_resource_id
            .as_deref()
            .filter(|id| id.starts_with("arn:"))
        {
            let arn = unqualified_lambda_arn(arn);
            if let Some(alias) = code::resource_alias(NodeKind::Function, arn) {
                obs.set_kind(node, NodeKind::Function, "faas");
                obs.alias(node, alias);
            }
            obs.alias(node, Alias::arn(arn));
        }
        if let Some(deployment) = resource.k8s_deployment.as_deref() {
            obs.alias(node, Alias::name(NodeKind::Service, deployment));
        }
        node
    }

    /// Takes in one span of the service `from`.
    pub(crate) fn span(&mut self, from: u32, span: &Span<'_>) {
        self.spans += 1;
        let (start, end) = (timestamp(span.start_ns), timestamp(span.end_ns));
        let error = span.error || span.attrs.error;
        self.observations.observe_node(from, start, end, error);
        let at = At {
            from,
            start,
            end,
            error,
        };
        let attrs = &span.attrs;
        match span.kind {
            SpanKind::Server => self.server(from, span),
            SpanKind::Consumer => {
                let _ = self.aws(at, attrs, span.kind) || self.messaging(at, attrs, span.kind);
            }
            kind => {
                let done = self.aws(at, attrs, kind)
                    || self.database(at, attrs)
                    || self.messaging(at, attrs, kind);
                if !done && matches!(kind, SpanKind::Client | SpanKind::Producer) {
                    self.call(at, span);
                }
            }
        }
    }

    /// Edges of the client spans still waiting: to their endpoints.
    pub(crate) fn flush(&mut self) {
        let waiting: Vec<PendingCall> = self.clients.drain().collect();
        for call in waiting {
            self.fall_back(call);
        }
    }

    fn fall_back(&mut self, call: PendingCall) {
        let endpoint = call
            .endpoint
            .and_then(|index| self.endpoints.get(index as usize))
            .map(|(name, raw)| {
                self.observations.node(
                    NodeKind::Endpoint,
                    name,
                    Some(raw),
                    "endpoint of client spans",
                )
            });
        if let Some(endpoint) = endpoint {
            self.observations.observe_edge_op(
                call.from,
                endpoint,
                EdgeKind::Calls,
                call.operation,
                call.start,
                call.end,
                call.error,
            );
        }
    }

    fn server(&mut self, service: u32, span: &Span<'_>) {
        let Some(parent) = span.parent else { return };
        let operation = server_operation(span).map(|op| self.observations.operation(&op));
        let key = (span.trace, parent);
        if let Some(call) = self.clients.take(&key) {
            self.observations.observe_edge_op(
                call.from,
                service,
                EdgeKind::Calls,
                operation.unwrap_or(call.operation),
                call.start,
                call.end,
                call.error,
            );
        } else {
            self.servers.insert(key, Answer { service, operation });
        }
    }

    fn call(&mut self, at: At, span: &Span<'_>) {
        let attrs = &span.attrs;
        let operation = client_operation(span);
        let operation = self.observations.operation(&operation);
        if let Some(peer) = attrs.peer_service.as_deref() {
            let to = self.observations.node(
                NodeKind::Service,
                peer,
                Some("otel_service"),
                "peer service of client spans",
            );
            self.observations.observe_edge_op(
                at.from,
                to,
                EdgeKind::Calls,
                operation,
                at.start,
                at.end,
                at.error,
            );
            return;
        }
        let key = (span.trace, span.span);
        if let Some(answer) = self.servers.take(&key) {
            self.observations.observe_edge_op(
                at.from,
                answer.service,
                EdgeKind::Calls,
                answer.operation.unwrap_or(operation),
                at.start,
                at.end,
                at.error,
            );
            return;
        }
        let endpoint = endpoint_of(attrs).map(|name| {
            let raw = attrs.rpc_system.as_deref().unwrap_or("http").to_owned();
            let next = self.endpoints.len() as u32;
            *self
                .endpoint_index
                .entry((name, raw))
                .or_insert_with_key(|key| {
                    self.endpoints.push(key.clone());
                    next
                })
        });
        let call = PendingCall {
            from: at.from,
            operation,
            endpoint,
            start: at.start,
            end: at.end,
            error: at.error,
        };
        if span.trace == 0 || span.span == 0 {
            self.fall_back(call);
        } else if let Some(dropped) = self.clients.insert(key, call) {
            self.fall_back(dropped);
        }
    }

    /// An AWS SDK span; `false` when it is not one or names no resource.
    fn aws(&mut self, at: At, attrs: &SpanAttrs<'_>, kind: SpanKind) -> bool {
        if attrs.rpc_system.as_deref() != Some("aws-api") {
            return false;
        }
        let Some(service) = attrs
            .rpc_service
            .as_deref()
            .and_then(AwsService::from_js_client)
        else {
            return false;
        };
        let method = attrs.rpc_method.as_deref().unwrap_or("");
        let target = service.node_kind();
        let names: Vec<&str> = match service {
            AwsService::Sqs => first([&attrs.sqs_queue_url, &attrs.messaging_destination]),
            AwsService::Sns => first([&attrs.sns_topic_arn, &attrs.messaging_destination]),
            AwsService::DynamoDb if !attrs.dynamodb_tables.is_empty() => {
                attrs.dynamodb_tables.iter().map(AsRef::as_ref).collect()
            }
            AwsService::DynamoDb => first([&attrs.db_collection]),
            AwsService::S3 => first([&attrs.s3_bucket]),
            AwsService::Lambda => first([&attrs.lambda_invoked]),
            AwsService::StepFunctions => first([&attrs.state_machine_arn]),
            AwsService::SecretsManager => first([&attrs.secret_arn]),
            AwsService::Kinesis => first([&attrs.kinesis_stream]),
            _ => Vec::new(),
        };
        let edge = code::operation(service, &code::snake_operation(method)).map_or_else(
            || match kind {
                SpanKind::Consumer => EdgeKind::Consumes,
                SpanKind::Producer => EdgeKind::Publishes,
                _ => EdgeKind::Calls,
            },
            |operation| operation.edge,
        );
        let mut any = false;
        for name in names {
            if let Some(to) = self.resource(target, name, service.as_str()) {
                let operation = if method.is_empty() {
                    service.as_str()
                } else {
                    method
                };
                self.observations
                    .observe_edge(at.from, to, edge, operation, at.start, at.end, at.error);
                any = true;
            }
        }
        any
    }

    /// The node of an AWS resource that spans name by name, URL or ARN.
    fn resource(&mut self, kind: NodeKind, text: &str, raw: &str) -> Option<u32> {
        let text = if kind == NodeKind::Function {
            unqualified_lambda_arn(text)
        } else {
            text
        };
        let alias = code::resource_alias(kind, text)?;
        let raw = super::aws_type(kind).filter(|_| is_aws(raw)).unwrap_or(raw);
        let node = self
            .observations
            .node(kind, &alias.value, Some(raw), "named in spans");
        if text.starts_with("arn:") {
            self.observations.alias(node, Alias::arn(text));
        } else if kind == NodeKind::Queue && text.starts_with("https://") {
            self.observations.alias(node, Alias::url(text));
        }
        Some(node)
    }

    fn database(&mut self, at: At, attrs: &SpanAttrs<'_>) -> bool {
        let Some(system) = attrs.db_system.as_deref() else {
            return false;
        };
        let operation = attrs
            .db_operation
            .as_deref()
            .or(attrs.rpc_method.as_deref())
            .unwrap_or("");
        let dynamodb = system == "dynamodb";
        let mut tables: Vec<(String, EdgeKind)> = Vec::new();
        let edge_of = |table_edge: Option<EdgeKind>| {
            if dynamodb {
                code::operation(AwsService::DynamoDb, &code::snake_operation(operation))
                    .map_or(EdgeKind::Calls, |op| op.edge)
            } else {
                operation_edge(operation)
                    .or(table_edge)
                    .unwrap_or(EdgeKind::Calls)
            }
        };
        if !attrs.dynamodb_tables.is_empty() {
            for table in &attrs.dynamodb_tables {
                tables.push((table.to_string(), edge_of(None)));
            }
        } else if let Some(table) = attrs.db_collection.as_deref() {
            let name = if dynamodb {
                table.to_owned()
            } else {
                crate::relational::identifier(table)
            };
            tables.push((name, edge_of(None)));
        } else if let Some(query) = attrs.db_query.as_deref() {
            for (table, edge) in self.tables_of(query) {
                tables.push((table, edge_of(Some(edge))));
            }
        }
        // Without an operation attribute, the query's first keyword
        // (`SELECT`) names it: never more of the text than that.
        let verb = attrs.db_query.as_deref().map(sql_verb).unwrap_or_default();
        let shown = match (operation.is_empty(), verb.is_empty()) {
            (false, _) => operation,
            (true, false) => verb.as_str(),
            (true, true) => system,
        };
        if tables.is_empty() {
            let name = attrs
                .db_namespace
                .as_deref()
                .or(attrs.server_address.as_deref())
                .unwrap_or(system);
            let (kind, detail) = if matches!(system, "redis" | "memcached" | "valkey") {
                (NodeKind::Cache, "cache of spans")
            } else {
                (NodeKind::Database, "database of spans")
            };
            let to = self.observations.node(kind, name, Some(system), detail);
            self.observations.observe_edge(
                at.from,
                to,
                edge_of(None),
                shown,
                at.start,
                at.end,
                at.error,
            );
            return true;
        }
        for (table, edge) in tables {
            let to =
                self.observations
                    .node(NodeKind::Table, &table, Some(system), "table of spans");
            self.observations
                .observe_edge(at.from, to, edge, shown, at.start, at.end, at.error);
        }
        true
    }

    /// The tables a query text names, parsed once per distinct text.
    fn tables_of(&mut self, query: &str) -> Vec<(String, EdgeKind)> {
        if let Some(found) = self.queries.get(query) {
            return found.clone();
        }
        let found: Vec<(String, EdgeKind)> = code::tables_in_sql(query)
            .unwrap_or_default()
            .into_iter()
            .map(|table_use| (table_use.table, table_use.edge))
            .collect();
        if self.queries.len() >= QUERY_CACHE_LIMIT {
            self.queries.clear();
        }
        self.queries.insert(query.to_owned(), found.clone());
        found
    }

    fn messaging(&mut self, at: At, attrs: &SpanAttrs<'_>, kind: SpanKind) -> bool {
        let Some(system) = attrs.messaging_system.as_deref() else {
            return false;
        };
        let target = messaging_kind(system);
        let Some(destination) = attrs
            .messaging_destination
            .as_deref()
            .or(attrs.sqs_queue_url.as_deref())
        else {
            return false;
        };
        let operation = attrs.messaging_operation.as_deref().unwrap_or("");
        let receiving = kind == SpanKind::Consumer
            || matches!(operation, "receive" | "process" | "deliver" | "settle");
        let (edge, shown) = if receiving {
            (
                EdgeKind::Consumes,
                if operation.is_empty() {
                    "receive"
                } else {
                    operation
                },
            )
        } else {
            (
                EdgeKind::Publishes,
                if operation.is_empty() {
                    "publish"
                } else {
                    operation
                },
            )
        };
        let Some(to) = self.resource(target, destination, system) else {
            return false;
        };
        if let Some(url) = attrs
            .sqs_queue_url
            .as_deref()
            .filter(|url| target == NodeKind::Queue && url.starts_with("https://"))
        {
            self.observations.alias(to, Alias::url(url));
        }
        self.observations
            .observe_edge(at.from, to, edge, shown, at.start, at.end, at.error);
        true
    }
}

/// The emitting service and time of a span, for the edges it makes.
#[derive(Clone, Copy, Debug)]
struct At {
    from: u32,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    error: bool,
}

fn first<'s, const N: usize>(slots: [&'s Option<std::borrow::Cow<'_, str>>; N]) -> Vec<&'s str> {
    slots
        .into_iter()
        .find_map(|slot| slot.as_deref())
        .into_iter()
        .collect()
}

/// Whether a messaging system or SDK service name is AWS's (`aws_sqs`,
/// `AmazonSQS`, `sqs`, `dynamodb`…), whose resources take CloudFormation types.
fn is_aws(system: &str) -> bool {
    let system = system.to_ascii_lowercase();
    system.starts_with("aws")
        || system.starts_with("amazon")
        || AwsService::from_client_name(&system).is_some()
}

/// A Lambda ARN without its version or alias (`…:function:name:live`).
fn unqualified_lambda_arn(arn: &str) -> &str {
    let mut colons = arn.match_indices(':').map(|(at, _)| at);
    if arn.starts_with("arn:")
        && arn.split(':').nth(2) == Some("lambda")
        && let Some(seventh) = colons.nth(6)
    {
        return &arn[..seventh];
    }
    arn
}

/// The kind of a messaging system's destinations.
fn messaging_kind(system: &str) -> NodeKind {
    let system = system.to_ascii_lowercase();
    if system.contains("sqs")
        || ["rabbitmq", "activemq", "jms", "servicebus"].contains(&system.as_str())
    {
        NodeKind::Queue
    } else {
        NodeKind::Topic
    }
}

/// The first keyword of a query text, upper-cased (`SELECT`).
fn sql_verb(query: &str) -> String {
    query
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Reads or writes, from a database operation name (`SELECT`, `find`, `INSERT`).
fn operation_edge(operation: &str) -> Option<EdgeKind> {
    const READS: [&str; 9] = [
        "select",
        "find",
        "get",
        "query",
        "scan",
        "read",
        "count",
        "aggregate",
        "mget",
    ];
    const WRITES: [&str; 11] = [
        "insert", "update", "delete", "put", "set", "write", "replace", "upsert", "merge",
        "truncate", "del",
    ];
    let word = operation
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if READS.iter().any(|prefix| word.starts_with(prefix)) {
        Some(EdgeKind::Reads)
    } else if WRITES.iter().any(|prefix| word.starts_with(prefix)) {
        Some(EdgeKind::Writes)
    } else {
        None
    }
}

/// A server span's operation: method and route, the RPC, or its name.
fn server_operation(span: &Span<'_>) -> Option<String> {
    let attrs = &span.attrs;
    if let Some(route) = attrs.http_route.as_deref() {
        return Some(match attrs.http_method.as_deref() {
            Some(method) => format!("{method} {route}"),
            None => route.to_owned(),
        });
    }
    if let (Some(service), Some(method)) =
        (attrs.rpc_service.as_deref(), attrs.rpc_method.as_deref())
    {
        return Some(format!("{service}/{method}"));
    }
    (!span.name.is_empty()).then(|| span.name.to_string())
}

/// A client span's operation: method and URL template, the RPC, or its name.
fn client_operation(span: &Span<'_>) -> String {
    let attrs = &span.attrs;
    if let (Some(service), Some(method)) =
        (attrs.rpc_service.as_deref(), attrs.rpc_method.as_deref())
    {
        return format!("{service}/{method}");
    }
    match (attrs.http_method.as_deref(), attrs.url_template.as_deref()) {
        (Some(method), Some(template)) => format!("{method} {template}"),
        // A client's raw URL path carries ids: the method alone is the operation.
        (Some(method), None) => method.to_owned(),
        _ => span.name.to_string(),
    }
}

/// The endpoint a client span talked to, named as the code readers name
/// endpoints: scheme and host of its URL, else `server.address[:port]`.
fn endpoint_of(attrs: &SpanAttrs<'_>) -> Option<String> {
    if let Some(url) = attrs.url_full.as_deref().filter(|url| url.contains("://")) {
        return code::endpoint_name(url);
    }
    let host = attrs.server_address.as_deref()?;
    Some(match attrs.server_port.as_deref() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::{Bounded, unqualified_lambda_arn};

    #[test]
    fn bounded_maps_drop_the_oldest() {
        let mut map = Bounded::new(2);
        assert_eq!(map.insert((1, 1), 'a'), None);
        assert_eq!(map.insert((2, 2), 'b'), None);
        assert_eq!(map.take(&(1, 1)), Some('a'));
        assert_eq!(map.insert((3, 3), 'c'), None);
        assert_eq!(map.insert((4, 4), 'd'), Some('b'));
        assert_eq!(map.drain().collect::<String>(), "cd");
    }

    #[test]
    fn lambda_qualifiers_are_dropped() {
        assert_eq!(
            unqualified_lambda_arn("arn:aws:lambda:eu-west-1:123456789012:function:resize:live"),
            "arn:aws:lambda:eu-west-1:123456789012:function:resize"
        );
        assert_eq!(
            unqualified_lambda_arn("arn:aws:lambda:eu-west-1:123456789012:function:resize"),
            "arn:aws:lambda:eu-west-1:123456789012:function:resize"
        );
        assert_eq!(unqualified_lambda_arn("resize"), "resize");
    }
}
