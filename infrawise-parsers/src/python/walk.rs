//! One Python file's facts, from its tree-sitter tree: imports, symbols,
//! environment reads and what the code does with infrastructure.

use std::collections::BTreeMap;

use infrawise_core::{Alias, EdgeKind, NodeKind};
use tree_sitter::Node as TsNode;

use crate::code::{self, AwsService, confidence};

/// An import as written.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Import {
    /// Dots of a relative import (`from ..a import b` has 2).
    pub(super) level: usize,
    /// The module named (`a.b`), empty for `from . import x`.
    pub(super) module: String,
    /// For `from m import x, y`: the names (a name may be a submodule).
    pub(super) names: Vec<String>,
    pub(super) line: u32,
    pub(super) detail: String,
}

/// A function, class or method.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Symbol {
    pub(super) qualname: String,
    pub(super) kind: &'static str,
    pub(super) line: u32,
    /// The enclosing class, for methods.
    pub(super) parent: Option<String>,
    pub(super) top_level_function: bool,
}

/// A node code names by itself (a Kafka topic, an HTTP or Redis endpoint):
/// id, kind, provider type and name. The TypeScript reader makes the same
/// ids, so both languages' uses meet on one node.
#[derive(Clone, Debug)]
pub(super) struct Defined {
    pub(super) id: String,
    pub(super) kind: NodeKind,
    pub(super) raw_type: &'static str,
    pub(super) name: String,
}

/// A use of something outside the code, from a symbol (or the module).
#[derive(Clone, Debug)]
pub(super) struct Use {
    /// The node the use names, when the code itself is its only source.
    pub(super) defines: Option<Defined>,
    pub(super) scope: Option<String>,
    pub(super) target: Alias,
    pub(super) edge: EdgeKind,
    pub(super) detail: String,
    pub(super) confidence: f64,
    pub(super) line: u32,
}

/// Everything one file says.
#[derive(Clone, Debug, Default)]
pub(super) struct FileFacts {
    pub(super) imports: Vec<Import>,
    pub(super) symbols: Vec<Symbol>,
    /// `(scope, variable, line)` of every environment read.
    pub(super) env_reads: Vec<(Option<String>, String, u32)>,
    pub(super) uses: Vec<Use>,
    /// Resource calls whose name the code never fixes: `(line, detail)`.
    pub(super) unfixed: Vec<(u32, String)>,
}

/// What an expression is known to be.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    /// A string, and how sure we are of it.
    Text(String, f64),
    /// The value of an environment variable.
    Env(String),
    /// A boto3 client or resource of a service.
    Client(AwsService),
    /// A DynamoDB table object or S3 bucket object named by a value.
    Object(AwsService, Box<Value>),
    /// The known start of a string whose rest is not known
    /// (`f"https://api.example.com/orders/{id}"`): enough to name a host.
    Prefix(String),
    /// A Kafka producer (confluent-kafka, kafka-python, aiokafka).
    KafkaProducer,
    /// A Kafka consumer.
    KafkaConsumer,
    /// A Redis client, with what names its server (a URL or host).
    Redis(Option<Box<Value>>),
    /// An HTTP client (`requests.Session()`, `httpx.Client(base_url=…)`),
    /// with its base URL.
    Http(Option<Box<Value>>),
}

// The names the walker reads clients and uses from. The lexer (`lex`)
// sends a file to the tree when it names them, so both read these lists.

/// Kafka client libraries.
pub(super) const KAFKA_LIBRARIES: [&str; 3] = ["confluent_kafka", "kafka", "aiokafka"];
/// Kafka producer classes (of any of [`KAFKA_LIBRARIES`]).
pub(super) const KAFKA_PRODUCERS: [&str; 4] = [
    "Producer",
    "KafkaProducer",
    "AIOKafkaProducer",
    "SerializingProducer",
];
/// Kafka consumer classes.
pub(super) const KAFKA_CONSUMERS: [&str; 4] = [
    "Consumer",
    "KafkaConsumer",
    "AIOKafkaConsumer",
    "DeserializingConsumer",
];
/// Redis clients: the classes, and `redis.from_url`.
pub(super) const REDIS_CLIENTS: [&str; 3] = ["Redis", "StrictRedis", "from_url"];
/// HTTP client libraries.
pub(super) const HTTP_LIBRARIES: [&str; 2] = ["requests", "httpx"];
/// HTTP sessions and clients made on those modules.
pub(super) const HTTP_CLIENTS: [&str; 3] = ["Session", "Client", "AsyncClient"];
/// Methods whose string argument is read as SQL.
pub(super) const SQL_METHODS: [&str; 5] = ["execute", "executemany", "raw", "query", "text"];

/// Whether `imports` hold an absolute import of `package` (or of a module
/// below it).
pub(super) fn imports_package(imports: &[Import], package: &str) -> bool {
    imports.iter().any(|import| {
        import.level == 0
            && import
                .module
                .strip_prefix(package)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// HTTP methods of `requests`, `httpx` and their sessions and clients.
pub(super) const HTTP_VERBS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];
/// Redis commands that read.
const REDIS_READS: [&str; 16] = [
    "get",
    "mget",
    "hget",
    "hgetall",
    "hmget",
    "lrange",
    "smembers",
    "sismember",
    "zrange",
    "zrangebyscore",
    "exists",
    "ttl",
    "keys",
    "scan",
    "xread",
    "xrange",
];
/// Redis commands that write.
const REDIS_WRITES: [&str; 18] = [
    "set", "setex", "mset", "hset", "hmset", "delete", "expire", "incr", "decr", "lpush", "rpush",
    "sadd", "srem", "zadd", "xadd", "publish", "hdel", "getset",
];

pub(super) struct Walker<'a> {
    source: &'a [u8],
    facts: FileFacts,
    module_values: BTreeMap<String, Value>,
    self_values: BTreeMap<String, Value>,
    locals: Vec<BTreeMap<String, Value>>,
    type_checking: usize,
    depth: usize,
}

pub(super) fn line_of(node: TsNode<'_>) -> u32 {
    node.start_position().row as u32 + 1
}

const MAX_DEPTH: usize = 400;

impl<'a> Walker<'a> {
    pub(super) fn new(source: &'a [u8]) -> Self {
        Walker {
            source,
            facts: FileFacts::default(),
            module_values: BTreeMap::new(),
            self_values: BTreeMap::new(),
            locals: Vec::new(),
            type_checking: 0,
            depth: 0,
        }
    }

    pub(super) fn finish(self) -> FileFacts {
        self.facts
    }

    fn text(&self, node: TsNode<'_>) -> &'a str {
        node.utf8_text(self.source).unwrap_or("")
    }

    /// Walks `node` inside `scope` (the innermost symbol's qualified name).
    pub(super) fn walk(&mut self, node: TsNode<'_>, scope: Option<&str>, class: Option<&str>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        match node.kind() {
            "import_statement" => self.import(node, scope),
            "import_from_statement" => self.import_from(node, scope),
            "function_definition" => self.function(node, scope, class),
            "class_definition" => self.class(node, scope),
            "if_statement" if self.is_type_checking(node) => {
                self.type_checking += 1;
                if let Some(body) = node.child_by_field_name("consequence") {
                    self.walk(body, scope, class);
                }
                self.type_checking -= 1;
                let mut cursor = node.walk();
                for alternative in node.children_by_field_name("alternative", &mut cursor) {
                    self.walk(alternative, scope, class);
                }
            }
            "assignment" => {
                self.assignment(node, scope);
                self.children(node, scope, class);
            }
            "call" => {
                self.call(node, scope);
                self.children(node, scope, class);
            }
            "subscript" => {
                if let Some(variable) = self.env_subscript(node) {
                    self.facts
                        .env_reads
                        .push((scope.map(str::to_owned), variable, line_of(node)));
                }
                self.children(node, scope, class);
            }
            _ => self.children(node, scope, class),
        }
        self.depth -= 1;
    }

    fn children(&mut self, node: TsNode<'_>, scope: Option<&str>, class: Option<&str>) {
        let mut cursor = node.walk();
        let children: Vec<TsNode<'_>> = node.named_children(&mut cursor).collect();
        for child in children {
            self.walk(child, scope, class);
        }
    }

    fn is_type_checking(&self, node: TsNode<'_>) -> bool {
        node.child_by_field_name("condition")
            .is_some_and(|c| matches!(self.text(c), "TYPE_CHECKING" | "typing.TYPE_CHECKING"))
    }

    fn marks(&self, scope: Option<&str>) -> String {
        let mut marks = String::new();
        if self.type_checking > 0 {
            marks.push_str(" [type-only]");
        }
        if scope.is_some() {
            marks.push_str(" [in function]");
        }
        marks
    }

    fn import(&mut self, node: TsNode<'_>, scope: Option<&str>) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let dotted = match name.kind() {
                "aliased_import" => name.child_by_field_name("name").map(|n| self.text(n)),
                _ => Some(self.text(name)),
            };
            if let Some(module) = dotted.filter(|m| !m.is_empty()) {
                let detail = format!("{}{}", self.text(node), self.marks(scope));
                self.facts.imports.push(Import {
                    level: 0,
                    module: module.to_owned(),
                    names: Vec::new(),
                    line: line_of(node),
                    detail,
                });
            }
        }
    }

    fn import_from(&mut self, node: TsNode<'_>, scope: Option<&str>) {
        let Some(module_node) = node.child_by_field_name("module_name") else {
            return;
        };
        let (level, module) = if module_node.kind() == "relative_import" {
            let text = self.text(module_node);
            let level = text.chars().take_while(|c| *c == '.').count();
            (level, text[level..].to_owned())
        } else {
            (0, self.text(module_node).to_owned())
        };
        let mut names = Vec::new();
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let plain = match name.kind() {
                "aliased_import" => name.child_by_field_name("name").map(|n| self.text(n)),
                _ => Some(self.text(name)),
            };
            names.extend(plain.map(str::to_owned));
        }
        let detail = format!(
            "{}{}",
            self.text(node)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            self.marks(scope)
        );
        self.facts.imports.push(Import {
            level,
            module,
            names,
            line: line_of(node),
            detail,
        });
    }

    fn function(&mut self, node: TsNode<'_>, scope: Option<&str>, class: Option<&str>) {
        let Some(name) = node.child_by_field_name("name").map(|n| self.text(n)) else {
            return;
        };
        let qualname = match scope {
            Some(outer) => format!("{outer}.{name}"),
            None => name.to_owned(),
        };
        let is_method = class.is_some() && scope == class;
        self.facts.symbols.push(Symbol {
            qualname: qualname.clone(),
            kind: if is_method { "method" } else { "function" },
            line: line_of(node),
            parent: scope.map(str::to_owned),
            top_level_function: scope.is_none(),
        });
        self.locals.push(BTreeMap::new());
        if let Some(body) = node.child_by_field_name("body") {
            self.walk(body, Some(&qualname), None);
        }
        self.locals.pop();
    }

    fn class(&mut self, node: TsNode<'_>, scope: Option<&str>) {
        let Some(name) = node.child_by_field_name("name").map(|n| self.text(n)) else {
            return;
        };
        let qualname = match scope {
            Some(outer) => format!("{outer}.{name}"),
            None => name.to_owned(),
        };
        self.facts.symbols.push(Symbol {
            qualname: qualname.clone(),
            kind: "class",
            line: line_of(node),
            parent: scope.map(str::to_owned),
            top_level_function: false,
        });
        let saved = std::mem::take(&mut self.self_values);
        if let Some(body) = node.child_by_field_name("body") {
            // Clients set on `self` in any method serve every method.
            self.prescan_self(body);
            self.walk(body, Some(&qualname), Some(&qualname));
        }
        self.self_values = saved;
    }

    /// Records `self.x = <client>` anywhere in a class body before the
    /// methods are walked, so a method defined before `__init__` sees them.
    fn prescan_self(&mut self, node: TsNode<'_>) {
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            if current.kind() == "assignment"
                && let (Some(left), Some(right)) = (
                    current.child_by_field_name("left"),
                    current.child_by_field_name("right"),
                )
                && left.kind() == "attribute"
                && left
                    .child_by_field_name("object")
                    .is_some_and(|o| self.text(o) == "self")
                && let Some(attribute) = left.child_by_field_name("attribute")
                && let Some(value) = self.value(right)
            {
                self.self_values
                    .insert(self.text(attribute).to_owned(), value);
            }
            let mut cursor = current.walk();
            stack.extend(current.named_children(&mut cursor));
        }
    }

    fn assignment(&mut self, node: TsNode<'_>, scope: Option<&str>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let Some(value) = self.value(right) else {
            return;
        };
        match left.kind() {
            "identifier" => {
                let name = self.text(left).to_owned();
                if let (Some(_), Some(locals)) = (scope, self.locals.last_mut()) {
                    locals.insert(name, value);
                } else {
                    {
                        // A module constant is as sure as the literal behind
                        // it, a step below a literal at the call.
                        let value = match value {
                            Value::Text(text, _) => Value::Text(text, confidence::CONSTANT),
                            other => other,
                        };
                        self.module_values.insert(name, value);
                    }
                }
            }
            "attribute"
                if left
                    .child_by_field_name("object")
                    .is_some_and(|o| self.text(o) == "self") =>
            {
                if let Some(attribute) = left.child_by_field_name("attribute") {
                    self.self_values
                        .insert(self.text(attribute).to_owned(), value);
                }
            }
            _ => {}
        }
    }

    /// `os.environ["X"]`: the variable.
    fn env_subscript(&self, node: TsNode<'_>) -> Option<String> {
        let value = node.child_by_field_name("value")?;
        if !matches!(self.text(value), "os.environ" | "environ") {
            return None;
        }
        let key = node.child_by_field_name("subscript")?;
        self.literal(key)
    }

    /// `os.environ.get("X")`, `os.getenv("X")`: the variable.
    fn env_call(&self, node: TsNode<'_>) -> Option<String> {
        let function = self.text(node.child_by_field_name("function")?);
        if !matches!(
            function,
            "os.environ.get" | "os.getenv" | "getenv" | "environ.get"
        ) {
            return None;
        }
        let arguments = node.child_by_field_name("arguments")?;
        let mut cursor = arguments.walk();
        let first = arguments.named_children(&mut cursor).next()?;
        self.literal(first)
    }

    /// The text of a plain string literal (no interpolation).
    fn literal(&self, node: TsNode<'_>) -> Option<String> {
        if node.kind() != "string" {
            return None;
        }
        let mut text = String::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "string_content" | "escape_sequence" => text.push_str(self.text(child)),
                "interpolation" => return None,
                _ => {}
            }
        }
        Some(text)
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        self.locals
            .iter()
            .rev()
            .find_map(|locals| locals.get(name))
            .or_else(|| self.module_values.get(name))
            .cloned()
    }

    /// What an expression is, as far as the file says.
    fn value(&self, node: TsNode<'_>) -> Option<Value> {
        match node.kind() {
            "string" => {
                if let Some(text) = self.literal(node) {
                    return Some(Value::Text(text, confidence::LITERAL));
                }
                self.fstring(node).or_else(|| self.fstring_prefix(node))
            }
            "identifier" => self.lookup(self.text(node)),
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attribute = node.child_by_field_name("attribute")?;
                (self.text(object) == "self")
                    .then(|| self.self_values.get(self.text(attribute)).cloned())
                    .flatten()
            }
            "subscript" => self.env_subscript(node).map(Value::Env),
            "parenthesized_expression" => {
                let mut cursor = node.walk();
                let inner = node.named_children(&mut cursor).next()?;
                self.value(inner)
            }
            "call" => {
                if let Some(variable) = self.env_call(node) {
                    return Some(Value::Env(variable));
                }
                self.constructed(node)
            }
            _ => None,
        }
    }

    /// An f-string whose every part is known.
    fn fstring(&self, node: TsNode<'_>) -> Option<Value> {
        let mut text = String::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "string_content" | "escape_sequence" => text.push_str(self.text(child)),
                "interpolation" => {
                    let expression = child.child_by_field_name("expression")?;
                    match self.value(expression)? {
                        Value::Text(part, _) => text.push_str(&part),
                        _ => return None,
                    }
                }
                _ => {}
            }
        }
        Some(Value::Text(text, confidence::CONSTANT))
    }

    /// The known text of an f-string up to its first unknown part.
    fn fstring_prefix(&self, node: TsNode<'_>) -> Option<Value> {
        let mut text = String::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "string_content" | "escape_sequence" => text.push_str(self.text(child)),
                "interpolation" => {
                    match child
                        .child_by_field_name("expression")
                        .and_then(|e| self.value(e))
                    {
                        Some(Value::Text(part, _)) => text.push_str(&part),
                        _ => break,
                    }
                }
                _ => {}
            }
        }
        (!text.is_empty()).then_some(Value::Prefix(text))
    }

    /// Whether the file imports `package` (or a module below it).
    fn imports(&self, package: &str) -> bool {
        imports_package(&self.facts.imports, package)
    }

    /// The last name of a callee: `Producer` for `confluent_kafka.Producer`.
    fn callee_name<'t>(&self, function: TsNode<'t>) -> (&'a str, Option<&'a str>) {
        match function.kind() {
            "attribute" => (
                function
                    .child_by_field_name("attribute")
                    .map_or("", |a| self.text(a)),
                function.child_by_field_name("object").map(|o| self.text(o)),
            ),
            _ => (self.text(function), None),
        }
    }

    /// Kafka, Redis and HTTP clients made by a call.
    fn client(&self, node: TsNode<'_>) -> Option<Value> {
        let function = node.child_by_field_name("function")?;
        let arguments = node.child_by_field_name("arguments")?;
        let (name, object) = self.callee_name(function);
        let kafka = KAFKA_LIBRARIES.iter().any(|library| self.imports(library));
        match name {
            _ if kafka && KAFKA_PRODUCERS.contains(&name) => Some(Value::KafkaProducer),
            _ if kafka && KAFKA_CONSUMERS.contains(&name) => Some(Value::KafkaConsumer),
            "Redis" | "StrictRedis" if self.imports("redis") => {
                let target = self
                    .keyword(arguments, "host")
                    .and_then(|host| self.value(host))
                    .map(|host| match host {
                        Value::Text(text, sure) if !text.contains("://") => {
                            let port = self
                                .keyword(arguments, "port")
                                .map(|p| self.text(p).to_owned())
                                .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
                                .unwrap_or_else(|| "6379".to_owned());
                            Value::Text(format!("redis://{text}:{port}"), sure)
                        }
                        other => other,
                    });
                Some(Value::Redis(target.map(Box::new)))
            }
            "from_url"
                if self.imports("redis")
                    && object.is_some_and(|o| o.starts_with("redis") || o.ends_with("Redis")) =>
            {
                let url = Self::first_positional(arguments)
                    .or_else(|| self.keyword(arguments, "url"))
                    .and_then(|u| self.value(u));
                Some(Value::Redis(url.map(Box::new)))
            }
            "Session" if object == Some("requests") && self.imports("requests") => {
                Some(Value::Http(None))
            }
            "Client" | "AsyncClient" if object == Some("httpx") && self.imports("httpx") => {
                let base = self
                    .keyword(arguments, "base_url")
                    .and_then(|b| self.value(b));
                Some(Value::Http(base.map(Box::new)))
            }
            _ => None,
        }
    }

    fn first_positional(arguments: TsNode<'_>) -> Option<TsNode<'_>> {
        let mut cursor = arguments.walk();
        arguments
            .named_children(&mut cursor)
            .find(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
    }

    /// `boto3.client("sqs")`, `session.resource("dynamodb")`,
    /// `<dynamodb resource>.Table(name)`, `<s3 resource>.Bucket(name)`.
    fn constructed(&self, node: TsNode<'_>) -> Option<Value> {
        let function = node.child_by_field_name("function")?;
        let arguments = node.child_by_field_name("arguments")?;
        let first = {
            let mut cursor = arguments.walk();
            arguments
                .named_children(&mut cursor)
                .find(|a| a.kind() != "keyword_argument")
        };
        if let Some(client) = self.client(node) {
            return Some(client);
        }
        if function.kind() != "attribute" {
            return None;
        }
        let method = self.text(function.child_by_field_name("attribute")?);
        let object = function.child_by_field_name("object")?;
        match method {
            "client" | "resource" => {
                let name =
                    self.literal(first.or_else(|| self.keyword(arguments, "service_name"))?)?;
                AwsService::from_client_name(&name).map(Value::Client)
            }
            "Table" | "Bucket" => {
                let service = if method == "Table" {
                    AwsService::DynamoDb
                } else {
                    AwsService::S3
                };
                let receiver = self.value(object)?;
                (receiver == Value::Client(service)).then_some(())?;
                let name = first.and_then(|a| self.value(a))?;
                Some(Value::Object(service, Box::new(name)))
            }
            _ => None,
        }
    }

    fn keyword<'t>(&self, arguments: TsNode<'t>, name: &str) -> Option<TsNode<'t>> {
        let mut cursor = arguments.walk();
        let found = arguments.named_children(&mut cursor).find(|a| {
            a.kind() == "keyword_argument"
                && a.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == name)
        });
        found.and_then(|a| a.child_by_field_name("value"))
    }

    fn call(&mut self, node: TsNode<'_>, scope: Option<&str>) {
        if let Some(variable) = self.env_call(node) {
            self.facts
                .env_reads
                .push((scope.map(str::to_owned), variable, line_of(node)));
            return;
        }
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return;
        };
        let line = line_of(node);
        // kafka-python and aiokafka consumers subscribe as they are made.
        let (callee, callee_object) = self.callee_name(function);
        if matches!(callee, "KafkaConsumer" | "AIOKafkaConsumer")
            && (self.imports("kafka") || self.imports("aiokafka"))
        {
            let mut cursor = arguments.walk();
            let topics: Vec<TsNode<'_>> = arguments
                .named_children(&mut cursor)
                .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
                .collect();
            for topic in topics {
                self.kafka_use(
                    Some(topic),
                    EdgeKind::Consumes,
                    "KafkaConsumer()",
                    scope,
                    line,
                );
            }
            return;
        }
        // `requests.get(url)`, `httpx.post(url)`.
        if let Some(module @ ("requests" | "httpx")) = callee_object
            && HTTP_VERBS.contains(&callee)
            && self.imports(module)
        {
            let url = self.url_argument(arguments, callee);
            self.endpoint_use(
                url,
                EdgeKind::Calls,
                &format!("{module}.{callee}()"),
                scope,
                line,
            );
            return;
        }
        if function.kind() != "attribute" {
            return;
        }
        let (Some(object), Some(method)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let method = self.text(method);
        if SQL_METHODS.contains(&method) {
            self.sql(arguments, scope, method, line);
        }
        let receiver = self.value(object);
        let receiver_text = self.text(object);
        match &receiver {
            Some(Value::KafkaProducer) => {
                if matches!(method, "produce" | "send" | "send_and_wait") {
                    let topic = self
                        .keyword(arguments, "topic")
                        .or_else(|| Self::first_positional(arguments));
                    let detail = format!("kafka {receiver_text}.{method}()");
                    self.kafka_use(topic, EdgeKind::Publishes, &detail, scope, line);
                }
                return;
            }
            Some(Value::KafkaConsumer) => {
                if method == "subscribe" {
                    let topics = self
                        .keyword(arguments, "topics")
                        .or_else(|| Self::first_positional(arguments));
                    let detail = format!("kafka {receiver_text}.subscribe()");
                    match topics {
                        Some(list) if matches!(list.kind(), "list" | "tuple") => {
                            let mut cursor = list.walk();
                            let items: Vec<TsNode<'_>> = list.named_children(&mut cursor).collect();
                            for item in items {
                                self.kafka_use(
                                    Some(item),
                                    EdgeKind::Consumes,
                                    &detail,
                                    scope,
                                    line,
                                );
                            }
                        }
                        other => self.kafka_use(other, EdgeKind::Consumes, &detail, scope, line),
                    }
                }
                return;
            }
            Some(Value::Redis(target)) => {
                let edge = if REDIS_READS.contains(&method) {
                    EdgeKind::Reads
                } else if REDIS_WRITES.contains(&method) {
                    EdgeKind::Writes
                } else {
                    return;
                };
                let target = target.as_deref().cloned();
                let detail = format!("redis {receiver_text}.{method}()");
                self.endpoint_use(target, edge, &detail, scope, line);
                return;
            }
            Some(Value::Http(base)) => {
                if HTTP_VERBS.contains(&method) {
                    // An absolute URL at the call wins over the client's base.
                    let at_call = self.url_argument(arguments, method).filter(
                        |v| matches!(v, Value::Text(t, _) | Value::Prefix(t) if t.contains("://")),
                    );
                    let url = at_call.or_else(|| base.as_deref().cloned());
                    let detail = format!("{receiver_text}.{method}()");
                    self.endpoint_use(url, EdgeKind::Calls, &detail, scope, line);
                }
                return;
            }
            _ => {}
        }
        let (service, object_name) = match receiver {
            Some(Value::Client(service)) => (service, None),
            Some(Value::Object(service, name)) => (service, Some(*name)),
            _ => return,
        };
        let Some(operation) = code::operation(service, &code::snake_operation(method)) else {
            return;
        };
        let named = match &object_name {
            Some(name) => Some((name.clone(), "object")),
            None => operation
                .params
                .iter()
                .find_map(|param| {
                    self.keyword(arguments, param)
                        .map(|v| (self.value(v), *param))
                })
                .or_else(|| {
                    let position = operation.position?;
                    let mut cursor = arguments.walk();
                    let argument = arguments
                        .named_children(&mut cursor)
                        .filter(|a| a.kind() != "keyword_argument")
                        .nth(position)?;
                    Some((self.value(argument), "positional"))
                })
                .and_then(|(value, param)| value.map(|v| (v, param))),
        };
        let call_name = format!("{}.{method}", service.as_str());
        let Some((value, param)) = named else {
            self.facts.unfixed.push((
                line,
                format!("{call_name}: the resource name is not fixed in code; no resource edge"),
            ));
            return;
        };
        let (target, how, sure) = match &value {
            Value::Text(text, sure) => {
                let Some(alias) = code::resource_alias(operation.target, text) else {
                    return;
                };
                (alias, format!("{text:?}"), *sure)
            }
            Value::Env(variable) => (
                code::env_value_alias(operation.target, variable),
                format!("env {variable}"),
                confidence::ENV_NAME_ONLY,
            ),
            _ => return,
        };
        self.facts.uses.push(Use {
            defines: None,
            scope: scope.map(str::to_owned),
            target,
            edge: operation.edge,
            detail: format!("{call_name} {param}={how}"),
            confidence: sure,
            line,
        });
        // A query through a secondary index also reads the index.
        if let (Some(param), Value::Text(table, sure)) = (operation.index_param, &value)
            && let Some(Value::Text(index, _)) =
                self.keyword(arguments, param).and_then(|v| self.value(v))
        {
            {
                self.facts.uses.push(Use {
                    defines: None,
                    scope: scope.map(str::to_owned),
                    target: Alias::name(NodeKind::Index, format!("{table}/{index}")),
                    edge: EdgeKind::Reads,
                    detail: format!("{call_name} {param}={index:?}"),
                    confidence: *sure,
                    line,
                });
            }
        }
    }

    /// The URL of an HTTP call: the first argument, or the second of
    /// `request(method, url)`, or `url=`.
    fn url_argument(&self, arguments: TsNode<'_>, method: &str) -> Option<Value> {
        let mut cursor = arguments.walk();
        let position = usize::from(method == "request");
        let positional = arguments
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
            .nth(position);
        positional
            .or_else(|| self.keyword(arguments, "url"))
            .and_then(|u| self.value(u))
    }

    /// A Kafka topic named by `topic`, published to or consumed from.
    fn kafka_use(
        &mut self,
        topic: Option<TsNode<'_>>,
        edge: EdgeKind,
        detail: &str,
        scope: Option<&str>,
        line: u32,
    ) {
        let value = topic.and_then(|t| self.value(t));
        let (target, defines, how, sure) = match value {
            Some(Value::Text(text, sure)) if !text.is_empty() => (
                Alias::name(NodeKind::Topic, text.clone()),
                Some(Defined {
                    id: format!("kafka:{text}"),
                    kind: NodeKind::Topic,
                    raw_type: "kafka_topic",
                    name: text.clone(),
                }),
                format!("{text:?}"),
                sure,
            ),
            Some(Value::Env(variable)) => (
                code::env_value_alias(NodeKind::Topic, &variable),
                None,
                format!("env {variable}"),
                confidence::ENV_NAME_ONLY,
            ),
            _ => {
                self.facts.unfixed.push((
                    line,
                    format!("{detail}: the topic is not fixed in code; no topic edge"),
                ));
                return;
            }
        };
        self.facts.uses.push(Use {
            defines,
            scope: scope.map(str::to_owned),
            target,
            edge,
            detail: format!("{detail} topic={how}"),
            confidence: sure,
            line,
        });
    }

    /// An HTTP or Redis server named by `url` (a URL, a URL prefix with a
    /// complete host, or an environment variable).
    fn endpoint_use(
        &mut self,
        url: Option<Value>,
        edge: EdgeKind,
        detail: &str,
        scope: Option<&str>,
        line: u32,
    ) {
        let (text, sure) = match url {
            Some(Value::Env(variable)) => {
                self.facts.uses.push(Use {
                    defines: None,
                    scope: scope.map(str::to_owned),
                    target: code::env_value_alias(NodeKind::Endpoint, &variable),
                    edge,
                    detail: format!("{detail} url=env {variable}"),
                    confidence: confidence::ENV_NAME_ONLY,
                    line,
                });
                return;
            }
            Some(Value::Text(text, sure)) => (text, sure),
            // The host of a prefix must be complete: `https://api.` is not one.
            Some(Value::Prefix(text)) if text.contains("://") => {
                let host = text.split("://").nth(1).unwrap_or("");
                if !host.contains('/') && !host.contains(':') {
                    return;
                }
                (text, confidence::CONSTANT)
            }
            _ => return,
        };
        if !text.contains("://") {
            return;
        }
        let Some(name) = code::endpoint_name(&text) else {
            return;
        };
        self.facts.uses.push(Use {
            defines: Some(Defined {
                id: format!("endpoint:{name}"),
                kind: NodeKind::Endpoint,
                raw_type: "endpoint",
                name: name.clone(),
            }),
            scope: scope.map(str::to_owned),
            target: Alias::name(NodeKind::Endpoint, name.clone()),
            edge,
            detail: format!("{detail} url={name}"),
            confidence: sure,
            line,
        });
    }

    /// SQL in a string passed to `execute`/`query`/`text`/`raw`.
    fn sql(&mut self, arguments: TsNode<'_>, scope: Option<&str>, method: &str, line: u32) {
        let mut cursor = arguments.walk();
        let Some(first) = arguments.named_children(&mut cursor).next() else {
            return;
        };
        let Some(Value::Text(text, _)) = self.value(first) else {
            return;
        };
        let Some(tables) = code::tables_in_sql(&text) else {
            return;
        };
        for table in tables {
            self.facts.uses.push(Use {
                defines: None,
                scope: scope.map(str::to_owned),
                target: Alias::name(NodeKind::Table, table.table.clone()),
                edge: table.edge,
                detail: format!("sql in {method}(): {} {}", table.edge, table.table),
                confidence: confidence::SQL_STRING,
                line,
            });
            for column in &table.columns {
                self.facts.uses.push(Use {
                    defines: None,
                    scope: scope.map(str::to_owned),
                    target: Alias::name(NodeKind::Column, format!("{}.{column}", table.table)),
                    edge: table.edge,
                    detail: format!("sql in {method}(): column {column}"),
                    confidence: confidence::SQL_STRING,
                    line,
                });
            }
        }
    }
}
