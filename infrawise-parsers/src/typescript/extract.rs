//! One file's facts from its syntax tree: imports (to resolve later),
//! symbols, handler exports, environment reads, and (through `infra`)
//! what the code does with infrastructure.

use std::collections::{BTreeMap, HashMap};

use infrawise_core::{Alias, Diagnostic, Edge, EdgeKind, Evidence, Node, NodeKind, NodeRef};
use tree_sitter::Node as SyntaxNode;

use super::infra::Client;
use super::values::{Val, env_read, is_process_env, string_text, unwrap_expression};
use crate::code;

/// The extractor name on every piece of evidence.
pub(crate) const EXTRACTOR: &str = "typescript";

/// An import as written, before resolution.
#[derive(Clone, Debug)]
pub(crate) struct RawImport {
    /// The specifier (`./x`, `@scope/pkg/sub`).
    pub(crate) spec: String,
    /// What was written, with markers (` [type-only]`, ` [dynamic]`, ` [in function]`).
    pub(crate) detail: String,
    /// The 1-based line.
    pub(crate) line: u32,
}

/// Everything one file gave.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    /// Imports to resolve.
    pub(crate) imports: Vec<RawImport>,
    /// Nodes: symbols, env vars, topics, endpoints.
    pub(crate) nodes: Vec<Node>,
    /// Edges from the module or its symbols.
    pub(crate) edges: Vec<Edge>,
    /// Diagnostics.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Walks one syntax tree.
pub(crate) struct Walker<'a> {
    pub(crate) src: &'a [u8],
    pub(crate) display: &'a str,
    pub(crate) module_id: String,
    /// Local names bound by imports and `require`, to the module they come from.
    pub(crate) imported: HashMap<String, String>,
    /// Module-level constants.
    consts: HashMap<String, Val>,
    /// Variables (or `this.x` fields) holding SDK and library clients.
    pub(crate) clients: HashMap<String, Client>,
    /// Local bindings, one map per enclosing function.
    scopes: Vec<HashMap<String, Val>>,
    /// The ids of the enclosing symbols, innermost last.
    symbols: Vec<String>,
    /// How many functions enclose the current node.
    pub(crate) function_depth: usize,
    /// Top-level functions by name, as indexes into `facts.nodes`.
    top_functions: BTreeMap<String, usize>,
    /// Names `module.exports = { … }` exports.
    exported: Vec<String>,
    /// Whether the walk is inside a top-level class body.
    in_class: bool,
    /// How deep the walk is in the syntax tree.
    depth: usize,
    pub(crate) facts: FileFacts,
}

/// How deep the walk follows the syntax tree: recursion past this could
/// exhaust a thread's stack on generated or adversarial input.
const MAX_DEPTH: usize = 600;

/// 1-based line of a syntax node.
pub(crate) fn line_of(node: SyntaxNode<'_>) -> u32 {
    node.start_position().row as u32 + 1
}

impl<'a> Walker<'a> {
    /// Extracts everything from the tree rooted at `root`.
    pub(crate) fn run(
        root: SyntaxNode<'_>,
        src: &'a [u8],
        display: &'a str,
        module_id: &str,
    ) -> FileFacts {
        let mut walker = Walker {
            src,
            display,
            module_id: module_id.to_owned(),
            imported: HashMap::new(),
            consts: HashMap::new(),
            clients: HashMap::new(),
            scopes: Vec::new(),
            symbols: Vec::new(),
            function_depth: 0,
            top_functions: BTreeMap::new(),
            exported: Vec::new(),
            in_class: false,
            depth: 0,
            facts: FileFacts::default(),
        };
        walker.prepass(root);
        // Most modules import no client library; they need no second walk.
        if walker
            .imported
            .values()
            .any(|source| super::infra::is_client_package(source))
        {
            walker.find_clients(root);
        }
        walker.visit(root);
        for name in std::mem::take(&mut walker.exported) {
            walker.add_handler_aliases(&name);
        }
        walker.facts
    }

    pub(crate) fn text(&self, node: SyntaxNode<'_>) -> &'a str {
        node.utf8_text(self.src).unwrap_or("")
    }

    /// The id edges start from: the innermost symbol, else the module.
    pub(crate) fn source_id(&self) -> String {
        self.symbols
            .last()
            .cloned()
            .unwrap_or_else(|| self.module_id.clone())
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Val> {
        for scope in self.scopes.iter().rev() {
            if let Some(found) = scope.get(name) {
                return Some(found.clone());
            }
        }
        match self.consts.get(name)? {
            Val::Known { text, .. } => Some(Val::Known {
                text: text.clone(),
                literal: false,
                how: format!("const {name} = {text:?}"),
            }),
            other => Some(other.clone()),
        }
    }

    /// Adds an edge from the current symbol (or module).
    pub(crate) fn edge(
        &mut self,
        to: NodeRef,
        kind: EdgeKind,
        detail: String,
        confidence: f64,
        line: u32,
    ) {
        let evidence =
            Evidence::inferred(EXTRACTOR, detail, confidence).at(self.display, Some(line));
        let from = NodeRef::Id(infrawise_core::NodeId::new(self.source_id()));
        self.facts.edges.push(Edge::new(from, to, kind, evidence));
    }

    /// Top-level statements: imports, constants and `require` bindings, so
    /// that functions defined above them still see them.
    fn prepass(&mut self, root: SyntaxNode<'_>) {
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            let statement = if statement.kind() == "export_statement" {
                match statement.child_by_field_name("declaration") {
                    Some(declaration) => declaration,
                    None => continue,
                }
            } else {
                statement
            };
            match statement.kind() {
                "import_statement" => self.bind_import_names(statement),
                "lexical_declaration" | "variable_declaration" => {
                    let mut inner = statement.walk();
                    for declarator in statement.named_children(&mut inner) {
                        if declarator.kind() == "variable_declarator" {
                            self.bind_declarator(declarator, true);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn bind_import_names(&mut self, statement: SyntaxNode<'_>) {
        let Some(source) = statement
            .child_by_field_name("source")
            .and_then(|s| string_text(s, self.src))
        else {
            // `import x = require('y')`
            if let Some(clause) = named_child_of_kind(statement, "import_require_clause")
                && let (Some(name), Some(source)) = (
                    named_child_of_kind(clause, "identifier"),
                    clause
                        .child_by_field_name("source")
                        .and_then(|s| string_text(s, self.src)),
                )
            {
                self.imported.insert(self.text(name).to_owned(), source);
            }
            return;
        };
        let mut stack = vec![statement];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "import_specifier" => {
                    let local = node
                        .child_by_field_name("alias")
                        .or_else(|| node.child_by_field_name("name"));
                    if let Some(local) = local {
                        self.imported
                            .insert(self.text(local).to_owned(), source.clone());
                    }
                }
                "identifier" => {
                    self.imported
                        .insert(self.text(node).to_owned(), source.clone());
                }
                "string" => {}
                _ => {
                    let mut cursor = node.walk();
                    stack.extend(node.named_children(&mut cursor));
                }
            }
        }
    }

    /// Binds what a declarator makes known: a value (module constant or
    /// local), names from `require`, names destructured from `process.env`.
    fn bind_declarator(&mut self, declarator: SyntaxNode<'_>, top_level: bool) {
        let (Some(name), Some(value)) = (
            declarator.child_by_field_name("name"),
            declarator.child_by_field_name("value"),
        ) else {
            return;
        };
        let value = unwrap_expression(value);
        let required = require_source(value, self.src);
        match name.kind() {
            "identifier" => {
                let name = self.text(name).to_owned();
                if let Some(source) = required {
                    self.imported.insert(name, source);
                } else if let Some(known) = self.eval(value) {
                    if top_level {
                        self.consts.insert(name, known);
                    } else if let Some(scope) = self.scopes.last_mut() {
                        scope.insert(name, known);
                    }
                }
            }
            "object_pattern" => {
                let from_env = is_process_env(value, self.src);
                for (key, local) in pattern_bindings(name, self.src) {
                    if let Some(source) = &required {
                        self.imported.insert(local, source.clone());
                    } else if from_env {
                        let known = Val::Env {
                            var: key,
                            whole: true,
                        };
                        if top_level {
                            self.consts.insert(local, known);
                        } else if let Some(scope) = self.scopes.last_mut() {
                            scope.insert(local, known);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn visit(&mut self, node: SyntaxNode<'_>) {
        match node.kind() {
            "import_statement" => self.import_statement(node),
            "export_statement" if node.child_by_field_name("source").is_some() => {
                self.reexport(node);
                return;
            }
            "function_declaration" | "generator_function_declaration" => {
                if self.at_top()
                    && let Some(name) = node.child_by_field_name("name")
                {
                    let name = self.text(name).to_owned();
                    let exported = node
                        .parent()
                        .is_some_and(|p| p.kind() == "export_statement");
                    self.symbol_scope(node, &name, "function", exported);
                    return;
                }
                self.function_scope(node);
                return;
            }
            "class_declaration" | "abstract_class_declaration" | "class" => {
                if self.symbols.is_empty()
                    && let Some(name) = node.child_by_field_name("name")
                {
                    let name = self.text(name).to_owned();
                    let id = self.add_symbol(&name, "class", node, false);
                    self.symbols.push(id);
                    self.in_class = true;
                    self.visit_children(node);
                    self.in_class = false;
                    self.symbols.pop();
                    return;
                }
            }
            "method_definition" | "public_field_definition" => {
                let is_function = node.kind() == "method_definition"
                    || node.child_by_field_name("value").is_some_and(|v| {
                        matches!(v.kind(), "arrow_function" | "function_expression")
                    });
                if is_function
                    && self.in_class
                    && self.symbols.len() == 1
                    && self.function_depth == 0
                    && let Some(name) = node.child_by_field_name("name")
                {
                    let class_name = self.symbols[0].rsplit('#').next().unwrap_or("").to_owned();
                    let qualified = format!("{class_name}.{}", self.text(name));
                    self.symbol_scope(node, &qualified, "method", false);
                    return;
                }
                if is_function {
                    self.function_scope(node);
                    return;
                }
            }
            "variable_declarator" => {
                self.declarator(node);
                return;
            }
            "expression_statement" if self.at_top() && self.commonjs_export(node) => {
                return;
            }
            "arrow_function" | "function_expression" | "generator_function" => {
                self.function_scope(node);
                return;
            }
            "call_expression" => self.call(node),
            "new_expression" => self.new_expression(node),
            // A byte test first: field lookups on every member expression
            // cost more than the rest of the walk.
            "member_expression" | "subscript_expression"
                if self
                    .src
                    .get(node.start_byte()..)
                    .is_some_and(|rest| rest.starts_with(b"process")) =>
            {
                if let Some(var) = env_read(node, self.src) {
                    self.env_edge(&var, node);
                }
            }
            _ => {}
        }
        self.visit_children(node);
    }

    fn visit_children(&mut self, node: SyntaxNode<'_>) {
        if self.depth >= MAX_DEPTH {
            if !self
                .facts
                .diagnostics
                .iter()
                .any(|d| d.message.starts_with("nesting"))
            {
                self.facts.diagnostics.push(Diagnostic::warning(
                    self.display,
                    Some(line_of(node)),
                    format!("nesting deeper than {MAX_DEPTH} levels; the code inside was not read"),
                ));
            }
            return;
        }
        self.depth += 1;
        self.visit_children_within(node);
        self.depth -= 1;
    }

    fn visit_children_within(&mut self, node: SyntaxNode<'_>) {
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                if child.is_named() {
                    self.visit(child);
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    }

    fn at_top(&self) -> bool {
        self.symbols.is_empty() && self.function_depth == 0
    }

    /// A function-like node that is no symbol: a scope for locals only.
    fn function_scope(&mut self, node: SyntaxNode<'_>) {
        self.function_depth += 1;
        self.scopes.push(HashMap::new());
        self.visit_children(node);
        self.scopes.pop();
        self.function_depth -= 1;
    }

    /// A function that is a symbol: edges inside start at it.
    fn symbol_scope(
        &mut self,
        node: SyntaxNode<'_>,
        qualified: &str,
        raw_type: &str,
        exported: bool,
    ) {
        let id = self.add_symbol(qualified, raw_type, node, exported);
        self.symbols.push(id);
        self.function_scope(node);
        self.symbols.pop();
    }

    fn declarator(&mut self, node: SyntaxNode<'_>) {
        let top = self.at_top();
        if !top {
            self.bind_declarator(node, false);
        }
        if let (Some(name), Some(value)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("value"),
        ) {
            if name.kind() == "object_pattern" && is_process_env(unwrap_expression(value), self.src)
            {
                for (key, _) in pattern_bindings(name, self.src) {
                    self.env_edge(&key, node);
                }
            }
            let value = unwrap_expression(value);
            if top
                && name.kind() == "identifier"
                && matches!(
                    value.kind(),
                    "arrow_function" | "function_expression" | "generator_function"
                )
            {
                let exported = node
                    .parent()
                    .and_then(|d| d.parent())
                    .is_some_and(|p| p.kind() == "export_statement");
                let name = self.text(name).to_owned();
                self.symbol_scope(value, &name, "function", exported);
                return;
            }
            if top && name.kind() == "identifier" && self.wraps_function(value) {
                // `export const handler = middy(async (event) => …)`: the
                // wrapped function is what a Lambda runs under this name.
                let exported = node
                    .parent()
                    .and_then(|d| d.parent())
                    .is_some_and(|p| p.kind() == "export_statement");
                let name = self.text(name).to_owned();
                let id = self.add_symbol(&name, "function", value, exported);
                self.symbols.push(id);
                self.function_depth += 1;
                self.scopes.push(HashMap::new());
                self.visit(value);
                self.scopes.pop();
                self.function_depth -= 1;
                self.symbols.pop();
                return;
            }
        }
        self.visit_children(node);
    }

    /// Whether `value` is a call chain that wraps a function: an inline
    /// function argument (`middy(async () => …)`) or a top-level function
    /// of this file (`wrap(handler).use(cors())`).
    fn wraps_function(&self, value: SyntaxNode<'_>) -> bool {
        let mut current = Some(value);
        let mut steps = 0;
        while let Some(node) = current.map(unwrap_expression) {
            steps += 1;
            if steps > 16 {
                return false;
            }
            match node.kind() {
                "call_expression" => {
                    if let Some(arguments) = node.child_by_field_name("arguments") {
                        let mut cursor = arguments.walk();
                        let wraps = arguments.named_children(&mut cursor).any(|argument| {
                            matches!(argument.kind(), "arrow_function" | "function_expression")
                                || (argument.kind() == "identifier"
                                    && self.top_functions.contains_key(self.text(argument)))
                        });
                        if wraps {
                            return true;
                        }
                    }
                    current = node.child_by_field_name("function");
                }
                "member_expression" => current = node.child_by_field_name("object"),
                _ => return false,
            }
        }
        false
    }

    /// `exports.f = …`, `module.exports.f = …`, `module.exports = { f, g: … }`.
    /// Returns whether the statement was one (and has been visited).
    fn commonjs_export(&mut self, statement: SyntaxNode<'_>) -> bool {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|n| n.kind() == "assignment_expression")
        else {
            return false;
        };
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            return false;
        };
        let target = self.text(left);
        let right = unwrap_expression(right);
        if target == "module.exports" && right.kind() == "object" {
            let mut cursor = right.walk();
            for entry in right.named_children(&mut cursor) {
                match entry.kind() {
                    "shorthand_property_identifier" => {
                        self.exported.push(self.text(entry).to_owned());
                    }
                    "pair" => {
                        let (Some(key), Some(value)) = (
                            entry.child_by_field_name("key"),
                            entry.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        let key = self.text(key).trim_matches(['"', '\'']).to_owned();
                        let value = unwrap_expression(value);
                        if matches!(value.kind(), "arrow_function" | "function_expression") {
                            self.symbol_scope(value, &key, "function", true);
                        } else if value.kind() == "identifier" {
                            self.exported.push(self.text(value).to_owned());
                        } else {
                            self.visit(value);
                        }
                    }
                    _ => self.visit(entry),
                }
            }
            return true;
        }
        let name = target
            .strip_prefix("module.exports.")
            .or_else(|| target.strip_prefix("exports."));
        let Some(name) = name.filter(|n| {
            n.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        }) else {
            return false;
        };
        if matches!(right.kind(), "arrow_function" | "function_expression") {
            self.symbol_scope(right, name, "function", true);
            return true;
        }
        if right.kind() == "identifier" {
            self.exported.push(self.text(right).to_owned());
        }
        false
    }

    /// Adds a symbol node contained in the module (or its class) and
    /// returns its id; exported top-level functions get handler aliases.
    fn add_symbol(
        &mut self,
        qualified: &str,
        raw_type: &str,
        node: SyntaxNode<'_>,
        exported: bool,
    ) -> String {
        let id = format!("{}#{qualified}", self.module_id);
        let line = line_of(node);
        let symbol = Node::new(id.clone(), NodeKind::CodeSymbol, qualified)
            .with_raw_type(raw_type)
            .with_evidence(
                Evidence::inferred(EXTRACTOR, format!("{raw_type} {qualified}"), 1.0)
                    .at(self.display, Some(line)),
            );
        let container = self
            .symbols
            .last()
            .cloned()
            .unwrap_or_else(|| self.module_id.clone());
        self.facts.edges.push(Edge::new(
            infrawise_core::NodeId::new(container),
            infrawise_core::NodeId::new(id.clone()),
            EdgeKind::Contains,
            Evidence::inferred(EXTRACTOR, format!("defines {raw_type} {qualified}"), 1.0)
                .at(self.display, Some(line)),
        ));
        if raw_type == "function" && self.symbols.is_empty() {
            self.top_functions
                .insert(qualified.to_owned(), self.facts.nodes.len());
        }
        self.facts.nodes.push(symbol);
        if exported && raw_type == "function" {
            self.add_handler_aliases(qualified);
        }
        id
    }

    fn add_handler_aliases(&mut self, name: &str) {
        let Some(&index) = self.top_functions.get(name) else {
            return;
        };
        for key in code::handler_keys(self.display, name) {
            if let Some(node) = self.facts.nodes.get_mut(index) {
                node.aliases.insert(code::handler_alias(key));
            }
        }
    }

    /// An env-var read: the node and a `configured_by` edge.
    pub(crate) fn env_edge(&mut self, var: &str, at: SyntaxNode<'_>) {
        let line = line_of(at);
        let id = code::env_var_id(var);
        self.facts.nodes.push(
            Node::new(id.clone(), NodeKind::EnvVar, var)
                .with_raw_type("env_var")
                .with_evidence(
                    Evidence::inferred(
                        EXTRACTOR,
                        format!("process.env.{var}"),
                        code::confidence::LITERAL,
                    )
                    .at(self.display, Some(line)),
                ),
        );
        self.edge(
            NodeRef::Id(infrawise_core::NodeId::new(id)),
            EdgeKind::ConfiguredBy,
            format!("reads process.env.{var}"),
            code::confidence::LITERAL,
            line,
        );
    }

    /// The alias-free `name[kind]` target of a resource name, with confidence.
    pub(crate) fn target_of(kind: NodeKind, value: &Val) -> Option<(NodeRef, f64)> {
        match value {
            Val::Known { text, literal, .. } => code::resource_alias(kind, text).map(|alias| {
                let confidence = if *literal {
                    code::confidence::LITERAL
                } else {
                    code::confidence::CONSTANT
                };
                (NodeRef::Alias(alias), confidence)
            }),
            Val::Env { var, whole: true } => Some((
                NodeRef::Alias(code::env_value_alias(kind, var)),
                code::confidence::ENV_NAME_ONLY,
            )),
            _ => None,
        }
    }

    /// Names an alias target for an edge detail.
    pub(crate) fn how(value: &Val) -> String {
        match value {
            Val::Known { how, .. } => how.clone(),
            Val::Env { var, .. } => format!("env {var}"),
            Val::Prefix(text) => format!("{text:?}…"),
        }
    }

    /// Adds an alias-named node once per file (topics, endpoints).
    pub(crate) fn named_node(
        &mut self,
        id: &str,
        kind: NodeKind,
        raw_type: &str,
        name: &str,
        line: u32,
    ) {
        self.facts.nodes.push(
            Node::new(id, kind, name)
                .with_raw_type(raw_type)
                .with_alias(Alias::name(kind, name))
                .with_evidence(
                    Evidence::inferred(
                        EXTRACTOR,
                        format!("{raw_type} {name}"),
                        code::confidence::LITERAL,
                    )
                    .at(self.display, Some(line)),
                ),
        );
    }
}

/// Whether `node` is the `type` of `export type * from '…'` (TypeScript
/// 5.0), which tree-sitter-typescript 0.23 reads as an ERROR node inside an
/// otherwise whole re-export.
pub(crate) fn is_type_star_export(node: SyntaxNode<'_>, src: &[u8]) -> bool {
    node.is_error()
        && node.utf8_text(src).ok() == Some("type")
        && node.parent().is_some_and(|p| {
            p.kind() == "export_statement" && p.child_by_field_name("source").is_some()
        })
}

/// The first argument in an `arguments` node, comments skipped
/// (`import(/* webpackChunkName: "x" */ "./x")`).
pub(crate) fn first_argument(arguments: SyntaxNode<'_>) -> Option<SyntaxNode<'_>> {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .find(|a| a.kind() != "comment")
}

/// The module `require('x')` loads when `node` is such a call.
fn require_source(node: SyntaxNode<'_>, src: &[u8]) -> Option<String> {
    if node.kind() != "call_expression" {
        return None;
    }
    let function = node.child_by_field_name("function")?;
    if function.utf8_text(src).ok()? != "require" {
        return None;
    }
    string_text(first_argument(node.child_by_field_name("arguments")?)?, src)
}

/// `(key, local name)` for each name an object pattern binds.
fn pattern_bindings(pattern: SyntaxNode<'_>, src: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cursor = pattern.walk();
    for entry in pattern.named_children(&mut cursor) {
        let text = |n: SyntaxNode<'_>| n.utf8_text(src).unwrap_or("").to_owned();
        match entry.kind() {
            "shorthand_property_identifier_pattern" => out.push((text(entry), text(entry))),
            "object_assignment_pattern" => {
                if let Some(left) = entry.child_by_field_name("left") {
                    out.push((text(left), text(left)));
                }
            }
            "pair_pattern" => {
                let (Some(key), Some(value)) = (
                    entry.child_by_field_name("key"),
                    entry.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let value = if value.kind() == "assignment_pattern" {
                    value.child_by_field_name("left").unwrap_or(value)
                } else {
                    value
                };
                if value.kind() == "identifier" {
                    out.push((text(key).trim_matches(['"', '\'']).to_owned(), text(value)));
                }
            }
            _ => {}
        }
    }
    out
}

pub(crate) fn named_child_of_kind<'t>(node: SyntaxNode<'t>, kind: &str) -> Option<SyntaxNode<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).find(|c| c.kind() == kind)
}
