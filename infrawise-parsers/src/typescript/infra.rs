//! What code does with infrastructure: AWS SDK v2 and v3 calls, Kafka
//! (kafkajs), Redis (ioredis, node-redis), HTTP (`fetch`, axios, got) and
//! SQL strings handed to query methods.

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind, NodeRef};
use tree_sitter::Node as SyntaxNode;

use super::extract::{Walker, line_of};
use super::values::{Val, string_text, unwrap_expression};
use crate::code::{self, AwsService};

/// What a variable or field holds, when it is a client this module knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Client {
    /// An SDK object whose methods are operations: v2 (`new AWS.SQS()`),
    /// v3's aggregated clients (`new SQS()`), and the document clients
    /// (`doc`), whose `put`/`get`/… stand for `put_item`/`get_item`/….
    AwsMethods { service: AwsService, doc: bool },
    /// A v3 client that only `send`s commands; the commands say it all.
    AwsSend,
    /// A Redis client and the endpoint it was made for.
    Redis(Option<Val>),
    /// An HTTP client instance (`axios.create({baseURL})`).
    Http(Option<Val>),
    /// A kafkajs producer.
    KafkaProducer,
    /// A kafkajs consumer.
    KafkaConsumer,
}

const HTTP_VERBS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
];
const REDIS_READS: [&str; 14] = [
    "get",
    "mget",
    "hget",
    "hgetall",
    "hmget",
    "lrange",
    "smembers",
    "zrange",
    "exists",
    "ttl",
    "xread",
    "xreadgroup",
    "getex",
    "scan",
];
const REDIS_WRITES: [&str; 17] = [
    "set", "setex", "mset", "hset", "hmset", "del", "expire", "incr", "decr", "lpush", "rpush",
    "sadd", "srem", "zadd", "xadd", "publish", "hdel",
];
const SQL_METHODS: [&str; 8] = [
    "query",
    "execute",
    "raw",
    "$queryRaw",
    "$executeRaw",
    "$queryRawUnsafe",
    "$executeRawUnsafe",
    "unsafe",
];

/// The first argument of a call or `new`.
fn first_arg(node: SyntaxNode<'_>) -> Option<SyntaxNode<'_>> {
    node.child_by_field_name("arguments")
        .and_then(super::extract::first_argument)
}

/// Whether importing `source` can bring a client this module recognises.
pub(crate) fn is_client_package(source: &str) -> bool {
    source.starts_with("@aws-sdk/")
        || source.starts_with("aws-sdk")
        || matches!(source, "ioredis" | "redis" | "axios" | "kafkajs")
}

/// The AWS service of an SDK v3 package (`@aws-sdk/client-sqs`,
/// `@aws-sdk/lib-dynamodb`).
fn v3_service(package: &str) -> Option<AwsService> {
    let name = package.strip_prefix("@aws-sdk/")?;
    if name == "lib-dynamodb" {
        return Some(AwsService::DynamoDb);
    }
    let name = name.strip_prefix("client-")?;
    AwsService::from_client_name(match name {
        "eventbridge" | "cloudwatch-events" => "events",
        "sfn" => "stepfunctions",
        "secrets-manager" => "secretsmanager",
        other => other,
    })
}

/// A document client's short operation name as the service's own.
fn document_operation(op: &str) -> String {
    match op {
        "put" | "get" | "update" | "delete" | "batch_write" | "batch_get" => format!("{op}_item"),
        "transact_write" | "transact_get" => format!("{op}_items"),
        other => other.to_owned(),
    }
}

impl Walker<'_> {
    fn imported_from(&self, name: &str) -> Option<&str> {
        self.imported.get(name).map(String::as_str)
    }

    fn imports_package(&self, package: &str) -> bool {
        self.imported.values().any(|source| source == package)
    }

    /// Records every variable and field that holds a client, before the main
    /// walk, so a method may use a client a later line creates.
    pub(crate) fn find_clients(&mut self, root: SyntaxNode<'_>) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            let binding = match node.kind() {
                "variable_declarator" => node
                    .child_by_field_name("name")
                    .filter(|n| n.kind() == "identifier")
                    .zip(node.child_by_field_name("value"))
                    .map(|(name, value)| (self.text(name).to_owned(), value)),
                "assignment_expression" => node
                    .child_by_field_name("left")
                    .zip(node.child_by_field_name("right"))
                    .map(|(left, right)| (self.text(left).to_owned(), right)),
                "public_field_definition" => node
                    .child_by_field_name("name")
                    .zip(node.child_by_field_name("value"))
                    .map(|(name, value)| (format!("this.{}", self.text(name)), value)),
                _ => None,
            };
            if let Some((name, value)) = binding
                && let Some(client) = self.classify_client(value)
            {
                self.clients.insert(name, client);
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }

    fn classify_client(&self, value: SyntaxNode<'_>) -> Option<Client> {
        let value = unwrap_expression(value);
        match value.kind() {
            "new_expression" => {
                let constructor = value.child_by_field_name("constructor")?;
                if constructor.kind() == "member_expression" {
                    // `new AWS.SQS()`, `new AWS.DynamoDB.DocumentClient()`
                    let class = self.text(constructor.child_by_field_name("property")?);
                    let root = self.text(constructor).split('.').next().unwrap_or("");
                    let from_v2 = root == "AWS"
                        || self
                            .imported_from(root)
                            .is_some_and(|s| s.starts_with("aws-sdk"));
                    if !from_v2 {
                        return None;
                    }
                    if class == "DocumentClient" {
                        return Some(Client::AwsMethods {
                            service: AwsService::DynamoDb,
                            doc: true,
                        });
                    }
                    return AwsService::from_js_client(class).map(|service| Client::AwsMethods {
                        service,
                        doc: false,
                    });
                }
                let class = self.text(constructor);
                let source = self.imported_from(class).unwrap_or("");
                if source.starts_with("aws-sdk") {
                    if class == "DocumentClient" {
                        return Some(Client::AwsMethods {
                            service: AwsService::DynamoDb,
                            doc: true,
                        });
                    }
                    return AwsService::from_js_client(class).map(|service| Client::AwsMethods {
                        service,
                        doc: false,
                    });
                }
                if let Some(service) = v3_service(source) {
                    if class.ends_with("Client") {
                        return Some(Client::AwsSend);
                    }
                    return Some(Client::AwsMethods {
                        service,
                        doc: class == "DynamoDBDocument",
                    });
                }
                if source == "ioredis" || (source.is_empty() && class == "Redis") {
                    return Some(Client::Redis(
                        first_arg(value).and_then(|a| self.redis_target(a)),
                    ));
                }
                None
            }
            "call_expression" => {
                let function = value.child_by_field_name("function")?;
                if function.kind() == "identifier" {
                    let name = self.text(function);
                    if name == "createClient" && self.imported_from(name) == Some("redis") {
                        return Some(Client::Redis(
                            first_arg(value).and_then(|a| self.redis_target(a)),
                        ));
                    }
                    return None;
                }
                if function.kind() != "member_expression" {
                    return None;
                }
                let object = self.text(function.child_by_field_name("object")?);
                let method = self.text(function.child_by_field_name("property")?);
                match method {
                    "create"
                        if object == "axios" || self.imported_from(object) == Some("axios") =>
                    {
                        let base = first_arg(value)
                            .and_then(|a| self.property(a, "baseURL"))
                            .and_then(|v| self.eval(v));
                        Some(Client::Http(base))
                    }
                    "producer" if self.imports_package("kafkajs") => Some(Client::KafkaProducer),
                    "consumer" if self.imports_package("kafkajs") => Some(Client::KafkaConsumer),
                    "from" if object == "DynamoDBDocument" => Some(Client::AwsMethods {
                        service: AwsService::DynamoDb,
                        doc: true,
                    }),
                    "from" if object == "DynamoDBDocumentClient" => Some(Client::AwsSend),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The endpoint a Redis client is made for: a URL string, or an
    /// options object's `url` or `host`.
    fn redis_target(&self, argument: SyntaxNode<'_>) -> Option<Val> {
        let argument = unwrap_expression(argument);
        if argument.kind() == "object" {
            let value = self
                .property(argument, "url")
                .or_else(|| self.property(argument, "host"))?;
            return self.eval(value);
        }
        self.eval(argument)
    }

    /// The value node of property `key` of an object literal.
    pub(crate) fn property<'t>(&self, object: SyntaxNode<'t>, key: &str) -> Option<SyntaxNode<'t>> {
        let object = unwrap_expression(object);
        if object.kind() != "object" {
            return None;
        }
        let mut cursor = object.walk();
        for entry in object.named_children(&mut cursor) {
            match entry.kind() {
                "pair" => {
                    let name = entry.child_by_field_name("key")?;
                    let name = match name.kind() {
                        "string" => string_text(name, self.src).unwrap_or_default(),
                        _ => self.text(name).to_owned(),
                    };
                    if name == key {
                        return entry.child_by_field_name("value");
                    }
                }
                "shorthand_property_identifier" if self.text(entry) == key => return Some(entry),
                _ => {}
            }
        }
        None
    }

    /// A call: imports, then what it does with infrastructure.
    pub(crate) fn call(&mut self, call: SyntaxNode<'_>) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        if self.dynamic_import(call, function) {
            return;
        }
        let arguments = call.child_by_field_name("arguments");
        let first = arguments.and_then(|a| {
            if a.kind() == "template_string" {
                Some(a)
            } else {
                super::extract::first_argument(a)
            }
        });
        let line = line_of(call);
        match function.kind() {
            "identifier" => {
                let name = self.text(function);
                let source = self.imported_from(name).unwrap_or("");
                if name == "fetch"
                    || source == "node-fetch"
                    || source == "got"
                    || source == "axios"
                    || name == "axios"
                {
                    let url = first.and_then(|a| {
                        self.property(a, "url")
                            .map_or_else(|| self.eval(a), |u| self.eval(u))
                    });
                    let detail = format!("{name}()");
                    self.endpoint_use(url, EdgeKind::Calls, &detail, line);
                }
            }
            "member_expression" => {
                let (Some(object), Some(property)) = (
                    function.child_by_field_name("object"),
                    function.child_by_field_name("property"),
                ) else {
                    return;
                };
                let method = self.text(property).to_owned();
                let receiver = self.text(object).to_owned();
                if let Some(client) = self.clients.get(&receiver).cloned() {
                    self.client_call(&client, &receiver, &method, first, line);
                    return;
                }
                let source = self.imported_from(&receiver).unwrap_or("");
                if (receiver == "axios"
                    || source == "axios"
                    || source == "got"
                    || receiver == "got")
                    && HTTP_VERBS.contains(&method.as_str())
                {
                    let url = first.and_then(|a| self.eval(a));
                    self.endpoint_use(
                        url,
                        EdgeKind::Calls,
                        &format!("{receiver}.{method}()"),
                        line,
                    );
                    return;
                }
                if self.imports_package("kafkajs") {
                    if method == "send" && first.and_then(|a| self.property(a, "topic")).is_some() {
                        self.kafka(first, EdgeKind::Publishes, line);
                        return;
                    }
                    if method == "subscribe" {
                        self.kafka(first, EdgeKind::Consumes, line);
                        return;
                    }
                }
                if SQL_METHODS.contains(&method.as_str()) {
                    self.sql(first, &format!("{receiver}.{method}"), line);
                }
            }
            _ => {}
        }
    }

    fn client_call(
        &mut self,
        client: &Client,
        receiver: &str,
        method: &str,
        first: Option<SyntaxNode<'_>>,
        line: u32,
    ) {
        match client {
            Client::AwsMethods { service, doc } => {
                let mut operation = code::snake_operation(method);
                if *doc {
                    operation = document_operation(&operation);
                }
                self.aws_use(*service, &operation, first, line);
            }
            Client::AwsSend => {}
            Client::Redis(endpoint) => {
                let edge = if REDIS_READS.contains(&method) {
                    EdgeKind::Reads
                } else if REDIS_WRITES.contains(&method) {
                    EdgeKind::Writes
                } else {
                    return;
                };
                self.endpoint_use(
                    endpoint.clone(),
                    edge,
                    &format!("redis {receiver}.{method}()"),
                    line,
                );
            }
            Client::Http(base) => {
                if !HTTP_VERBS.contains(&method) {
                    return;
                }
                // An absolute URL at the call wins over the instance's base.
                let at_call = first
                    .and_then(|a| self.eval(a))
                    .filter(|v| matches!(v, Val::Known { text, .. } | Val::Prefix(text) if text.contains("://")));
                self.endpoint_use(
                    at_call.or_else(|| base.clone()),
                    EdgeKind::Calls,
                    &format!("{receiver}.{method}()"),
                    line,
                );
            }
            Client::KafkaProducer => {
                if matches!(method, "send" | "sendBatch") {
                    self.kafka(first, EdgeKind::Publishes, line);
                }
            }
            Client::KafkaConsumer => {
                if method == "subscribe" {
                    self.kafka(first, EdgeKind::Consumes, line);
                }
            }
        }
    }

    /// `new XCommand({...})` of an SDK v3 package.
    pub(crate) fn new_expression(&mut self, node: SyntaxNode<'_>) {
        let Some(constructor) = node.child_by_field_name("constructor") else {
            return;
        };
        let class = self.text(constructor);
        if !class.ends_with("Command") {
            return;
        }
        let Some(source) = self.imported_from(class) else {
            return;
        };
        let Some(service) = v3_service(source) else {
            return;
        };
        let mut operation = code::snake_operation(class);
        if source == "@aws-sdk/lib-dynamodb" {
            operation = document_operation(&operation);
        }
        let input = first_arg(node);
        self.aws_use(service, &operation, input, line_of(node));
    }

    /// One SDK operation with its input object.
    fn aws_use(
        &mut self,
        service: AwsService,
        operation: &str,
        input: Option<SyntaxNode<'_>>,
        line: u32,
    ) {
        let Some(op) = code::operation(service, operation) else {
            return;
        };
        let label = format!("{}.{operation}", service.as_str());
        let input = input.map(unwrap_expression);
        if let (Some(tables_param), Some(input)) = (op.keys_name_tables, input)
            && let Some(items) = self.property(input, tables_param).map(unwrap_expression)
        {
            self.tables_from_keys(items, op.edge, &label, tables_param, line);
            return;
        }
        let named = input.and_then(|input| {
            op.params
                .iter()
                .find_map(|param| self.property(input, param).map(|value| (*param, value)))
        });
        let Some((param, value)) = named else {
            self.not_fixed(&label, op.params.first().copied().unwrap_or("name"), line);
            return;
        };
        let value = unwrap_expression(value);
        let values: Vec<Option<Val>> = if value.kind() == "array" {
            let mut cursor = value.walk();
            value
                .named_children(&mut cursor)
                .map(|v| self.eval(v))
                .collect()
        } else {
            vec![self.eval(value)]
        };
        for found in values {
            let target = found.as_ref().and_then(|v| Self::target_of(op.target, v));
            let (Some(found), Some((to, confidence))) = (found, target) else {
                self.not_fixed(&label, param, line);
                continue;
            };
            let mut detail = format!("{label} {param}={}", Self::how(&found));
            if let (Some(index_param), Some(input)) = (op.index_param, input)
                && let Some(index) = self.property(input, index_param).and_then(|v| self.eval(v))
            {
                match (&found, &index) {
                    (
                        Val::Known { text: table, .. },
                        Val::Known {
                            text: index_name, ..
                        },
                    ) => {
                        let table = code::resource_alias(op.target, table).map(|a| a.value);
                        if let Some(table) = table {
                            let index_detail =
                                format!("{detail} {index_param}={}", Self::how(&index));
                            self.edge(
                                NodeRef::Alias(Alias::name(
                                    NodeKind::Index,
                                    format!("{table}/{index_name}"),
                                )),
                                op.edge,
                                index_detail,
                                confidence,
                                line,
                            );
                        }
                    }
                    _ => detail = format!("{detail} {index_param}={}", Self::how(&index)),
                }
            }
            self.edge(to, op.edge, detail, confidence, line);
        }
    }

    /// `RequestItems: { orders: […], [TABLE]: […] }`: each key names a table.
    fn tables_from_keys(
        &mut self,
        items: SyntaxNode<'_>,
        edge: EdgeKind,
        label: &str,
        param: &str,
        line: u32,
    ) {
        if items.kind() != "object" {
            self.not_fixed(label, param, line);
            return;
        }
        let mut cursor = items.walk();
        let entries: Vec<SyntaxNode<'_>> = items.named_children(&mut cursor).collect();
        for entry in entries {
            let key = match entry.kind() {
                "pair" => entry.child_by_field_name("key"),
                "shorthand_property_identifier" => Some(entry),
                _ => None,
            };
            let Some(key) = key else { continue };
            let value = match key.kind() {
                "property_identifier" => {
                    let text = self.text(key).to_owned();
                    let how = format!("{text:?}");
                    Some(Val::Known {
                        text,
                        literal: true,
                        how,
                    })
                }
                "computed_property_name" => key.named_child(0).and_then(|k| self.eval(k)),
                _ => self.eval(key),
            };
            match value
                .as_ref()
                .and_then(|v| Self::target_of(NodeKind::Table, v))
            {
                Some((to, confidence)) => {
                    let detail = format!(
                        "{label} {param} key {}",
                        value.as_ref().map(Self::how).unwrap_or_default()
                    );
                    self.edge(to, edge, detail, confidence, line);
                }
                None => self.not_fixed(label, param, line),
            }
        }
    }

    fn not_fixed(&mut self, label: &str, param: &str, line: u32) {
        self.facts
            .diagnostics
            .push(infrawise_core::Diagnostic::info(
                self.display,
                Some(line),
                format!("{label} {param}: the resource name is not fixed in code"),
            ));
    }

    /// kafkajs `send({topic})`, `sendBatch({topicMessages: [{topic}]})`,
    /// `subscribe({topic})` / `subscribe({topics: [...]})`.
    fn kafka(&mut self, argument: Option<SyntaxNode<'_>>, edge: EdgeKind, line: u32) {
        let Some(argument) = argument else { return };
        let mut values: Vec<Option<Val>> = Vec::new();
        if let Some(topic) = self.property(argument, "topic") {
            values.push(self.eval(topic));
        }
        for list in ["topics", "topicMessages"] {
            if let Some(array) = self.property(argument, list).map(unwrap_expression) {
                let mut cursor = array.walk();
                let items: Vec<SyntaxNode<'_>> = array.named_children(&mut cursor).collect();
                for item in items {
                    let item = self.property(item, "topic").unwrap_or(item);
                    values.push(self.eval(item));
                }
            }
        }
        let verb = if edge == EdgeKind::Publishes {
            "producer.send"
        } else {
            "consumer.subscribe"
        };
        for value in values {
            match value {
                Some(Val::Known { text, literal, how }) if !text.is_empty() => {
                    let id = format!("kafka:{text}");
                    self.named_node(&id, NodeKind::Topic, "kafka_topic", &text, line);
                    let confidence = if literal {
                        code::confidence::LITERAL
                    } else {
                        code::confidence::CONSTANT
                    };
                    self.edge(
                        NodeRef::Id(NodeId::new(id)),
                        edge,
                        format!("kafka {verb} topic={how}"),
                        confidence,
                        line,
                    );
                }
                Some(Val::Env { var, whole: true }) => {
                    self.edge(
                        NodeRef::Alias(code::env_value_alias(NodeKind::Topic, &var)),
                        edge,
                        format!("kafka {verb} topic=env {var}"),
                        code::confidence::ENV_NAME_ONLY,
                        line,
                    );
                }
                _ => self.not_fixed(&format!("kafka {verb}"), "topic", line),
            }
        }
    }

    /// An HTTP or Redis use of the endpoint `url` names.
    fn endpoint_use(&mut self, url: Option<Val>, edge: EdgeKind, detail: &str, line: u32) {
        match url {
            Some(Val::Env { var, .. }) => self.edge(
                NodeRef::Alias(code::env_value_alias(NodeKind::Endpoint, &var)),
                edge,
                format!("{detail} url=env {var}"),
                code::confidence::ENV_NAME_ONLY,
                line,
            ),
            Some(Val::Known { text, literal, .. }) => {
                self.endpoint_named(&text, literal, edge, detail, line);
            }
            Some(Val::Prefix(text)) => self.endpoint_named(&text, false, edge, detail, line),
            None => {}
        }
    }

    fn endpoint_named(
        &mut self,
        text: &str,
        literal: bool,
        edge: EdgeKind,
        detail: &str,
        line: u32,
    ) {
        // A path without a host (`/api/orders`) names no endpoint.
        let has_host = text.contains("://") || !text.starts_with('/') && text.contains(':');
        let Some(name) = code::endpoint_name(text).filter(|_| has_host) else {
            return;
        };
        // The host part of a prefix must be complete: `https://api.` is not a host.
        if !literal && !text.contains("://") {
            return;
        }
        let id = format!("endpoint:{name}");
        self.named_node(&id, NodeKind::Endpoint, "endpoint", &name, line);
        let confidence = if literal {
            code::confidence::LITERAL
        } else {
            code::confidence::CONSTANT
        };
        self.edge(
            NodeRef::Id(NodeId::new(id)),
            edge,
            format!("{detail} url={name}"),
            confidence,
            line,
        );
    }

    /// An SQL string handed to a query method.
    fn sql(&mut self, argument: Option<SyntaxNode<'_>>, call: &str, line: u32) {
        let Some(argument) = argument.map(unwrap_expression) else {
            return;
        };
        let text = if argument.kind() == "template_string" {
            // Tagged templates and templates with parameters: each `${…}` is a
            // bound value, which SQL sees as a placeholder.
            Some(self.template_with_placeholders(argument))
        } else {
            match self.eval(argument) {
                Some(Val::Known { text, .. }) => Some(text),
                _ => None,
            }
        };
        let Some(text) = text else { return };
        let Some(uses) = code::tables_in_sql(&text) else {
            return;
        };
        let mut shown: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if shown.chars().count() > 80 {
            shown = shown.chars().take(77).collect::<String>() + "...";
        }
        for table_use in uses {
            let detail = format!("{call}(\"{shown}\")");
            for column in &table_use.columns {
                self.edge(
                    NodeRef::Alias(Alias::name(
                        NodeKind::Column,
                        format!("{}.{column}", table_use.table),
                    )),
                    table_use.edge,
                    detail.clone(),
                    code::confidence::SQL_STRING,
                    line,
                );
            }
            self.edge(
                NodeRef::Alias(Alias::name(NodeKind::Table, table_use.table)),
                table_use.edge,
                detail,
                code::confidence::SQL_STRING,
                line,
            );
        }
    }

    fn template_with_placeholders(&self, template: SyntaxNode<'_>) -> String {
        let mut out = String::new();
        let mut cursor = template.walk();
        for part in template.named_children(&mut cursor) {
            match part.kind() {
                "template_substitution" => match part.named_child(0).and_then(|e| self.eval(e)) {
                    Some(Val::Known { text, .. }) if !text.contains(' ') => out.push_str(&text),
                    _ => out.push('?'),
                },
                _ => out.push_str(self.text(part)),
            }
        }
        out
    }
}
