//! One Python file's facts, from its tree-sitter tree: imports, symbols,
//! environment reads and what the code does with infrastructure.

use std::collections::BTreeMap;

use infrawise_core::{Alias, EdgeKind, NodeKind};
use tree_sitter::Node as TsNode;

use crate::code::{self, AwsService, confidence};

/// An import as written.
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug)]
pub(super) struct Symbol {
    pub(super) qualname: String,
    pub(super) kind: &'static str,
    pub(super) line: u32,
    /// The enclosing class, for methods.
    pub(super) parent: Option<String>,
    pub(super) top_level_function: bool,
}

/// A use of something outside the code, from a symbol (or the module).
#[derive(Clone, Debug)]
pub(super) struct Use {
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
}

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
                self.fstring(node)
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
        if matches!(method, "execute" | "executemany" | "raw" | "query" | "text") {
            self.sql(arguments, scope, method, line_of(node));
        }
        let receiver = self.value(object);
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
        let line = line_of(node);
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
                scope: scope.map(str::to_owned),
                target: Alias::name(NodeKind::Table, table.table.clone()),
                edge: table.edge,
                detail: format!("sql in {method}(): {} {}", table.edge, table.table),
                confidence: confidence::SQL_STRING,
                line,
            });
            for column in &table.columns {
                self.facts.uses.push(Use {
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
