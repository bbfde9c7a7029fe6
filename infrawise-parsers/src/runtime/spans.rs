//! Spans as every trace format states them, and the OpenTelemetry
//! semantic conventions that say what a span touched.
//!
//! The OTLP and Jaeger readers turn their input into [`Resource`]s and
//! [`Span`]s, and one shared classifier turns those into observed nodes
//! and edges (the rules are in the [`runtime`](super) module docs and on
//! [`otlp`](super::otlp)).
//!
//! # Attributes read
//!
//! Current names win over older ones when a span carries both; the older
//! names are read so that spans from older instrumentations count too.
//!
//! | fact | current | older |
//! |---|---|---|
//! | the service | `service.name`; aliases `faas.name`, `cloud.resource_id`, `k8s.deployment.name` | |
//! | peer service | `peer.service` | |
//! | peer address | `server.address`, `server.port` | `net.peer.name`, `net.peer.port` |
//! | HTTP | `http.request.method`, `http.route`, `url.template`, `url.full` | `http.method`, `http.url` |
//! | RPC | `rpc.system`, `rpc.service`, `rpc.method` | |
//! | database | `db.system.name`, `db.namespace`, `db.collection.name`, `db.operation.name`, `db.query.text` | `db.system`, `db.name`, `db.sql.table`, `db.mongodb.collection`, `db.cassandra.table`, `db.operation`, `db.statement` |
//! | DynamoDB | `aws.dynamodb.table_names` | |
//! | messaging | `messaging.system`, `messaging.destination.name`, `messaging.operation.type` | `messaging.destination` (a string), `messaging.operation`, `messaging.url` |
//! | AWS resources | `aws.sqs.queue.url`, `aws.s3.bucket`, `aws.sns.topic.arn`, `aws.kinesis.stream_name`, `aws.lambda.invoked_arn`, `faas.invoked_name`, `aws.step_functions.state_machine.arn`, `aws.secretsmanager.secret.arn` | |
//! | error | span status `ERROR`; `otel.status_code` = `ERROR`, `error` = true (Jaeger tags) | |

use std::borrow::Cow;

/// What a span is, from the OTLP `kind` or Jaeger's `span.kind` tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SpanKind {
    /// Not stated.
    #[default]
    Unspecified,
    /// Work inside a service.
    Internal,
    /// The handling of a request.
    Server,
    /// An outgoing request.
    Client,
    /// A message sent.
    Producer,
    /// A message received.
    Consumer,
}

impl SpanKind {
    /// OTLP's numeric kind (`2` is server).
    pub fn from_number(number: i64) -> Self {
        match number {
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => SpanKind::Unspecified,
        }
    }

    /// OTLP's enum name (`SPAN_KIND_SERVER`) or Jaeger's tag value (`server`).
    pub fn from_name(name: &str) -> Self {
        let name = name.strip_prefix("SPAN_KIND_").unwrap_or(name);
        match name.to_ascii_lowercase().as_str() {
            "internal" => SpanKind::Internal,
            "server" => SpanKind::Server,
            "client" => SpanKind::Client,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            _ => SpanKind::Unspecified,
        }
    }
}

/// An attribute value, as much of it as matters here.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A floating-point number.
    Double(f64),
    /// An array.
    Array(Vec<AttrValue<'a>>),
    /// Anything else (bytes, key-value lists): never needed.
    Other,
}

impl<'a> AttrValue<'a> {
    /// The value as text: strings as they are, numbers printed.
    pub fn into_text(self) -> Option<Cow<'a, str>> {
        match self {
            AttrValue::Str(text) => Some(text),
            AttrValue::Int(number) => Some(Cow::Owned(number.to_string())),
            AttrValue::Array(mut values) if values.len() == 1 => values.pop()?.into_text(),
            _ => None,
        }
    }

    /// The strings of an array (or the one string).
    pub fn into_texts(self) -> Vec<Cow<'a, str>> {
        match self {
            AttrValue::Array(values) => values
                .into_iter()
                .filter_map(AttrValue::into_text)
                .collect(),
            other => other.into_text().into_iter().collect(),
        }
    }

    /// Whether the value is true (`true`, `"true"`).
    pub fn is_true(&self) -> bool {
        match self {
            AttrValue::Bool(value) => *value,
            AttrValue::Str(text) => text.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

/// The attributes of a resource (the process that emitted spans) that name it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource<'a> {
    /// `service.name`.
    pub service_name: Option<Cow<'a, str>>,
    /// `faas.name`: the function, for a Lambda.
    pub faas_name: Option<Cow<'a, str>>,
    /// `cloud.resource_id`: an ARN, for AWS.
    pub cloud_resource_id: Option<Cow<'a, str>>,
    /// `k8s.deployment.name`.
    pub k8s_deployment: Option<Cow<'a, str>>,
}

impl<'a> Resource<'a> {
    /// Records one resource attribute, ignoring those not needed.
    pub fn set(&mut self, key: &str, value: AttrValue<'a>) {
        let slot = match key {
            "service.name" => &mut self.service_name,
            "faas.name" => &mut self.faas_name,
            "cloud.resource_id" => &mut self.cloud_resource_id,
            "k8s.deployment.name" => &mut self.k8s_deployment,
            _ => return,
        };
        *slot = value.into_text().filter(|text| !text.is_empty());
    }
}

/// The span attributes that say what a span touched (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
#[expect(
    missing_docs,
    reason = "each field is the attribute of the same name, see the table"
)]
pub struct SpanAttrs<'a> {
    pub peer_service: Option<Cow<'a, str>>,
    pub server_address: Option<Cow<'a, str>>,
    pub server_port: Option<Cow<'a, str>>,
    pub http_method: Option<Cow<'a, str>>,
    pub http_route: Option<Cow<'a, str>>,
    pub url_template: Option<Cow<'a, str>>,
    pub url_full: Option<Cow<'a, str>>,
    pub rpc_system: Option<Cow<'a, str>>,
    pub rpc_service: Option<Cow<'a, str>>,
    pub rpc_method: Option<Cow<'a, str>>,
    pub db_system: Option<Cow<'a, str>>,
    pub db_namespace: Option<Cow<'a, str>>,
    pub db_collection: Option<Cow<'a, str>>,
    pub db_operation: Option<Cow<'a, str>>,
    pub db_query: Option<Cow<'a, str>>,
    pub dynamodb_tables: Vec<Cow<'a, str>>,
    pub messaging_system: Option<Cow<'a, str>>,
    pub messaging_destination: Option<Cow<'a, str>>,
    pub messaging_operation: Option<Cow<'a, str>>,
    pub sqs_queue_url: Option<Cow<'a, str>>,
    pub s3_bucket: Option<Cow<'a, str>>,
    pub sns_topic_arn: Option<Cow<'a, str>>,
    pub kinesis_stream: Option<Cow<'a, str>>,
    pub lambda_invoked: Option<Cow<'a, str>>,
    pub state_machine_arn: Option<Cow<'a, str>>,
    pub secret_arn: Option<Cow<'a, str>>,
    /// `otel.status_code` = `ERROR` or `error` = true (Jaeger).
    pub error: bool,
}

impl<'a> SpanAttrs<'a> {
    /// Records one span attribute, ignoring those not needed. A current
    /// name always wins; an older name fills only an empty slot.
    pub fn set(&mut self, key: &str, value: AttrValue<'a>) {
        let (slot, current) = match key {
            "peer.service" => (&mut self.peer_service, true),
            "server.address" => (&mut self.server_address, true),
            "net.peer.name" => (&mut self.server_address, false),
            "server.port" => (&mut self.server_port, true),
            "net.peer.port" => (&mut self.server_port, false),
            "http.request.method" => (&mut self.http_method, true),
            "http.method" => (&mut self.http_method, false),
            "http.route" => (&mut self.http_route, true),
            "url.template" => (&mut self.url_template, true),
            "url.full" => (&mut self.url_full, true),
            "http.url" => (&mut self.url_full, false),
            "rpc.system" => (&mut self.rpc_system, true),
            "rpc.service" => (&mut self.rpc_service, true),
            "rpc.method" => (&mut self.rpc_method, true),
            "db.system.name" => (&mut self.db_system, true),
            "db.system" => (&mut self.db_system, false),
            "db.namespace" => (&mut self.db_namespace, true),
            "db.name" => (&mut self.db_namespace, false),
            "db.collection.name" => (&mut self.db_collection, true),
            "db.sql.table" | "db.mongodb.collection" | "db.cassandra.table" => {
                (&mut self.db_collection, false)
            }
            "db.operation.name" => (&mut self.db_operation, true),
            "db.operation" => (&mut self.db_operation, false),
            "db.query.text" => (&mut self.db_query, true),
            "db.statement" => (&mut self.db_query, false),
            "messaging.system" => (&mut self.messaging_system, true),
            "messaging.destination.name" => (&mut self.messaging_destination, true),
            // Before semantic conventions 1.17, `messaging.destination` was the name.
            "messaging.destination" => (&mut self.messaging_destination, false),
            "messaging.operation.type" => (&mut self.messaging_operation, true),
            "messaging.operation" => (&mut self.messaging_operation, false),
            "aws.sqs.queue.url" => (&mut self.sqs_queue_url, true),
            "messaging.url" => (&mut self.sqs_queue_url, false),
            "aws.s3.bucket" => (&mut self.s3_bucket, true),
            "aws.sns.topic.arn" => (&mut self.sns_topic_arn, true),
            "aws.kinesis.stream_name" => (&mut self.kinesis_stream, true),
            "aws.lambda.invoked_arn" => (&mut self.lambda_invoked, true),
            "faas.invoked_name" => (&mut self.lambda_invoked, false),
            "aws.step_functions.state_machine.arn" => (&mut self.state_machine_arn, true),
            "aws.secretsmanager.secret.arn" => (&mut self.secret_arn, true),
            "aws.dynamodb.table_names" => {
                self.dynamodb_tables = value.into_texts();
                return;
            }
            "otel.status_code" => {
                self.error |=
                    matches!(&value, AttrValue::Str(code) if code.eq_ignore_ascii_case("error"));
                return;
            }
            "error" => {
                self.error |= value.is_true();
                return;
            }
            _ => return,
        };
        if current || slot.is_none() {
            *slot = value.into_text().filter(|text| !text.is_empty());
        }
    }
}

/// One span: ids, kind, times, status and the attributes that matter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Span<'a> {
    /// The trace id, as a key (see [`id_key`]).
    pub trace: u128,
    /// The span id, as a key.
    pub span: u128,
    /// The parent span id, as a key; `None` for a root span.
    pub parent: Option<u128>,
    /// What the span is.
    pub kind: SpanKind,
    /// The span's name.
    pub name: Cow<'a, str>,
    /// Start, in nanoseconds since the Unix epoch.
    pub start_ns: Option<u64>,
    /// End, in nanoseconds since the Unix epoch.
    pub end_ns: Option<u64>,
    /// Whether the span's status is an error.
    pub error: bool,
    /// What it touched.
    pub attrs: SpanAttrs<'a>,
}

/// A trace or span id as a number: the hex ids OTLP JSON and Jaeger write
/// are parsed; anything else (base64 from old exporters) is hashed, which
/// is as good for matching. An empty or all-zero id is `None`.
pub fn id_key(text: &str) -> Option<u128> {
    id_key_bytes(text.as_bytes())
}

/// [`id_key`] over the raw bytes of the id's text.
pub fn id_key_bytes(text: &[u8]) -> Option<u128> {
    if text.is_empty() {
        return None;
    }
    let mut key: u128 = 0;
    let mut hex = text.len() <= 32;
    if hex {
        for &byte in text {
            let digit = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                _ => {
                    hex = false;
                    break;
                }
            };
            key = (key << 4) | u128::from(digit);
        }
    }
    if !hex {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        let low = hasher.finish();
        text.len().hash(&mut hasher);
        key = (u128::from(hasher.finish()) << 64) | u128::from(low);
    }
    (key != 0).then_some(key)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{AttrValue, SpanAttrs, SpanKind, id_key};

    #[test]
    fn current_attribute_names_win_over_older_ones_in_any_order() {
        let text = |s: &'static str| AttrValue::Str(Cow::Borrowed(s));
        let mut attrs = SpanAttrs::default();
        attrs.set("db.namespace", text("orders"));
        attrs.set("db.name", text("legacy"));
        attrs.set("net.peer.name", text("old-host"));
        attrs.set("server.address", text("new-host"));
        assert_eq!(attrs.db_namespace.as_deref(), Some("orders"));
        assert_eq!(attrs.server_address.as_deref(), Some("new-host"));
        attrs.set("messaging.destination", text("invoices"));
        assert_eq!(attrs.messaging_destination.as_deref(), Some("invoices"));
        attrs.set("error", AttrValue::Bool(true));
        assert!(attrs.error);
    }

    #[test]
    fn ids_and_kinds() {
        assert_eq!(id_key("00000000000000000000000000000000"), None);
        assert_eq!(id_key(""), None);
        assert_eq!(id_key("ff"), Some(255));
        assert!(id_key("W47/95gDgQPSabYzgT/GDA==").is_some());
        assert_eq!(SpanKind::from_name("SPAN_KIND_CLIENT"), SpanKind::Client);
        assert_eq!(SpanKind::from_name("producer"), SpanKind::Producer);
        assert_eq!(SpanKind::from_number(5), SpanKind::Consumer);
    }
}
