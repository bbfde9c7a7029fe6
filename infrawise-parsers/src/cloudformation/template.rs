//! One template into nodes and edges: the stack, its parameters,
//! conditions, mappings, resources and outputs, and the references between
//! them. See the module docs of [`super`] for the shape of the output.

use infrawise_core::{
    Alias, AttributeValue, Diagnostic, Edge, EdgeKind, Evidence, Fragment, Node, NodeId, NodeKind,
    NodeRef, Origin, Text,
};

use super::Template;
use super::kinds::{name_property, node_kind};
use super::refs::{self, RefKind, Reference};
use super::resolve::Scope;
use super::sam;
use super::sam_generated;
use super::stacks::Context;
use super::value::{Entry, Kind, Value};

const EXTRACTOR: &str = "cloudformation";

/// Emits the nodes and edges of one template.
pub(crate) struct Emitter<'a> {
    pub(crate) template: &'a Template,
    pub(crate) root: &'a Value,
    pub(crate) index: usize,
    pub(crate) context: &'a Context,
    pub(crate) stack: &'a str,
    pub(crate) path: &'a str,
    pub(crate) scope: Scope<'a>,
    pub(crate) out: Fragment,
}

/// How an edge found by a reference is to be stated.
enum Role {
    Plain(EdgeKind),
    EnvVar(String),
}

pub(crate) fn emit(template: &Template, root: &Value, index: usize, context: &Context) -> Fragment {
    let stack = template.input.stack.as_str();
    let mut emitter = Emitter {
        template,
        root,
        index,
        context,
        stack,
        path: &template.input.display,
        scope: Scope {
            parameters: root.get("Parameters"),
            stack,
        },
        out: Fragment::new(),
    };
    emitter.run();
    emitter.out
}

impl<'a> Emitter<'a> {
    pub(crate) fn id(&self, name: &str) -> String {
        format!("cfn:{}:{name}", self.stack)
    }

    pub(crate) fn evidence(&self, detail: impl Into<Text>, line: u32) -> Evidence {
        Evidence::declared(EXTRACTOR, detail).at(self.path, Some(line))
    }

    pub(crate) fn node(
        &self,
        id: String,
        kind: NodeKind,
        name: &str,
        detail: String,
        line: u32,
    ) -> Node {
        Node::new(id, kind, name)
            .with_scope(format!("cloudformation:{}", self.stack))
            .with_evidence(self.evidence(detail, line))
    }

    pub(crate) fn edge(
        &mut self,
        from: impl Into<NodeRef>,
        to: impl Into<NodeRef>,
        kind: EdgeKind,
        detail: String,
        line: u32,
    ) {
        let evidence = self.evidence(detail, line);
        self.out.edges.push(Edge::new(from, to, kind, evidence));
    }

    pub(crate) fn error(&mut self, line: u32, message: String) {
        self.out
            .diagnostics
            .push(Diagnostic::error(self.path, Some(line), message));
    }

    pub(crate) fn info(&mut self, line: u32, message: String) {
        self.out
            .diagnostics
            .push(Diagnostic::info(self.path, Some(line), message));
    }

    fn section(&self, name: &str) -> &'a [Entry] {
        self.root.get(name).map(Value::entries).unwrap_or_default()
    }

    fn has(&self, section: &str, name: &str) -> bool {
        self.root.get(section).and_then(|s| s.get(name)).is_some()
    }

    fn run(&mut self) {
        let stack_id = format!("cfn:{}", self.stack);
        let mut stack = self.node(
            stack_id.clone(),
            NodeKind::Stack,
            self.stack,
            "template".to_owned(),
            1,
        );
        if let Some(transform) = self.root.get("Transform") {
            stack.set_attribute(Origin::Declared, "Transform", transform.to_json());
        }
        self.out.nodes.push(stack);
        self.parameters();
        self.mappings();
        self.conditions();
        self.resources(&stack_id);
        self.outputs();
    }

    fn parameters(&mut self) {
        for entry in self.section("Parameters") {
            let id = self.id(&format!("Parameters.{}", entry.key));
            let mut node = self.node(
                id,
                NodeKind::Variable,
                &entry.key,
                format!("Parameters.{}", entry.key),
                entry.line,
            );
            if let Some(kind) = entry.value.get("Type").and_then(Value::as_str) {
                node.raw_type = Some(kind.into());
            }
            let no_echo = super::resolve::no_echo(&entry.value);
            if no_echo {
                node.set_attribute(Origin::Declared, "NoEcho", serde_json::Value::Bool(true));
            }
            if let Some(default) = entry.value.get("Default") {
                if no_echo {
                    node.set_attribute(
                        Origin::Declared,
                        "Default",
                        AttributeValue::redacted("NoEcho parameter"),
                    );
                } else {
                    node.set_attribute(Origin::Declared, "Default", default.to_json());
                }
            }
            self.out.nodes.push(node);
        }
    }

    fn mappings(&mut self) {
        for entry in self.section("Mappings") {
            let id = self.id(&format!("Mappings.{}", entry.key));
            let node = self.node(
                id,
                NodeKind::Local,
                &entry.key,
                format!("Mappings.{}", entry.key),
                entry.line,
            );
            self.out.nodes.push(node);
        }
    }

    fn conditions(&mut self) {
        for entry in self.section("Conditions") {
            let id = self.id(&format!("Conditions.{}", entry.key));
            let node = self.node(
                id.clone(),
                NodeKind::Local,
                &entry.key,
                format!("Conditions.{}", entry.key),
                entry.line,
            );
            self.out.nodes.push(node);
            let mut found = Vec::new();
            refs::collect(
                &entry.value,
                &format!("Conditions.{}", entry.key),
                &mut found,
            );
            self.link(&id, "", &found);
        }
    }

    fn outputs(&mut self) {
        for entry in self.section("Outputs") {
            let id = self.id(&format!("Outputs.{}", entry.key));
            let mut node = self.node(
                id.clone(),
                NodeKind::Output,
                &entry.key,
                format!("Outputs.{}", entry.key),
                entry.line,
            );
            let export = entry.value.get("Export").and_then(|e| e.get("Name"));
            if let Some(value) = entry.value.get("Value") {
                node.set_attribute(Origin::Declared, "Value", attribute(value));
            }
            if let Some(export) = export {
                node.set_attribute(Origin::Declared, "Export.Name", attribute(export));
                if let Some(name) = self.scope.string(export) {
                    node.aliases.insert(Alias::name(NodeKind::Output, name));
                }
            }
            self.out.nodes.push(node);
            let value_kind = if export.is_some() {
                EdgeKind::ExportsValue
            } else {
                EdgeKind::References
            };
            let mut found = Vec::new();
            if let Some(value) = entry.value.get("Value") {
                refs::collect(value, "Value", &mut found);
            }
            let value_refs = found.len();
            if let Some(export) = entry.value.get("Export") {
                refs::collect(export, "Export", &mut found);
            }
            if let Some(condition) = entry.value.get("Condition") {
                Self::condition_reference(condition, &mut found);
            }
            let (value_found, rest) = found.split_at(value_refs);
            self.link_as(&id, value_found, value_kind);
            self.link(&id, "", rest);
        }
    }

    fn condition_reference(condition: &'a Value, found: &mut Vec<Reference<'a>>) {
        if let Some(name) = condition.as_str() {
            found.push(Reference {
                kind: RefKind::Condition,
                target: name.to_owned(),
                attribute: None,
                path: "Condition".to_owned(),
                line: condition.line,
                argument: None,
            });
        }
    }

    fn resources(&mut self, stack_id: &str) {
        for entry in self.section("Resources") {
            let logical = entry.key.as_str();
            let body = &entry.value;
            if logical.starts_with("Fn::ForEach::") {
                // Left unexpanded by `foreach` (which said why).
                continue;
            }
            let type_text;
            let resource_type = match body.get("Type") {
                Some(value) if value.as_str().is_some() => value.as_str().unwrap_or_default(),
                Some(value) => {
                    // A pre-processor's module (`Type: {Rain::Module: …}`): kept as an
                    // untyped resource, so what references it or what it references is not lost.
                    type_text = value.to_json().to_string();
                    self.out.diagnostics.push(Diagnostic::warning(
                        self.path,
                        Some(value.line),
                        format!(
                            "resource `{logical}` has a non-string Type {type_text}, kept untyped"
                        ),
                    ));
                    &type_text
                }
                None => {
                    self.error(entry.line, format!("resource `{logical}` has no Type"));
                    continue;
                }
            };
            let id = self.id(logical);
            let kind = node_kind(resource_type);
            let mut node = self
                .node(
                    id.clone(),
                    kind,
                    logical,
                    format!("Resources.{logical}"),
                    entry.line,
                )
                .with_raw_type(resource_type)
                .with_alias(Alias::logical_id(self.stack, logical));
            let properties = body.get("Properties");
            if let Some(properties) = properties {
                for property in properties.entries() {
                    node.set_attribute(
                        Origin::Declared,
                        format!("Properties.{}", property.key),
                        attribute(&property.value),
                    );
                }
            }
            // SAM `Globals` apply to every resource of their section that
            // does not set the property itself (the resource wins; the
            // environment's variables merge name by name, in `environment`).
            for global in sam_generated::globals(self.root, resource_type) {
                let own = properties.and_then(|p| p.get(&global.key));
                if own.is_none() {
                    node.set_attribute(
                        Origin::Declared,
                        format!("Properties.{}", global.key),
                        attribute(&global.value),
                    );
                }
            }
            if let Some(name) = name_property(resource_type)
                .and_then(|name| properties?.get(name))
                .and_then(|value| self.scope.string(value))
            {
                node.aliases.insert(Alias::name(kind, name));
            }
            self.construct_paths(logical, body, &mut node);
            self.out.nodes.push(node);
            self.edge(
                NodeId::new(stack_id),
                NodeId::new(id.clone()),
                EdgeKind::Contains,
                format!("Resources.{logical}"),
                entry.line,
            );

            let mut found = Vec::new();
            for part in body.entries() {
                match part.key.as_str() {
                    "Type" | "DependsOn" | "Condition" => {}
                    key => refs::collect(&part.value, key, &mut found),
                }
            }
            if let Some(depends) = body.get("DependsOn") {
                for (name, line) in refs::depends_on(depends) {
                    found.push(Reference {
                        kind: RefKind::DependsOn,
                        target: name.to_owned(),
                        attribute: None,
                        path: "DependsOn".to_owned(),
                        line,
                        argument: None,
                    });
                }
            }
            if let Some(condition) = body.get("Condition") {
                Self::condition_reference(condition, &mut found);
            }
            self.link(&id, resource_type, &found);
            if let Some(properties) = properties {
                self.dynamic_references(&id, properties, "Properties");
            }

            match resource_type {
                "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => {
                    self.indexes(&id, properties);
                }
                "AWS::Serverless::Function" => {
                    self.environment(&id, properties);
                    sam::function(self, &id, logical, body);
                    sam_generated::function(self, &id, logical, body, entry.line);
                }
                "AWS::Lambda::Function" => self.environment(&id, properties),
                "AWS::Serverless::StateMachine" => {
                    sam::policies(self, &id, body);
                    sam_generated::other(self, resource_type, logical, body, entry.line);
                }
                "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => {
                    sam_generated::other(self, resource_type, logical, body, entry.line);
                }
                _ => {}
            }
            self.nested_stack(&id, logical, entry);
            self.asset(&id, resource_type, body);
        }
    }

    /// GSIs and LSIs: `cfn:<stack>:<Table>/index/<Name>`, which `indexes` the table.
    fn indexes(&mut self, table: &str, properties: Option<&'a Value>) {
        let Some(properties) = properties else { return };
        for section in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
            for index in properties
                .get(section)
                .map(Value::items)
                .unwrap_or_default()
            {
                let Some(name) = index.get("IndexName").and_then(Value::as_str) else {
                    continue;
                };
                let id = format!("{table}/index/{name}");
                let mut node = self.node(
                    id.clone(),
                    NodeKind::Index,
                    name,
                    format!("Properties.{section}"),
                    index.line,
                );
                node.raw_type = Some(format!("AWS::DynamoDB::Table.{section}").into());
                // Code names an index by table and index name (`IndexName`
                // of a query); only a literal table name gives that alias.
                if let Some(table_name) = properties.get("TableName").and_then(Value::as_str) {
                    node.aliases
                        .insert(Alias::name(NodeKind::Index, format!("{table_name}/{name}")));
                }
                if let Some(keys) = index.get("KeySchema") {
                    node.set_attribute(Origin::Declared, "KeySchema", keys.to_json());
                }
                self.out.nodes.push(node);
                self.edge(
                    NodeId::new(id),
                    NodeId::new(table),
                    EdgeKind::Indexes,
                    format!("Properties.{section}"),
                    index.line,
                );
            }
        }
    }

    fn construct_paths(&self, logical: &str, body: &Value, node: &mut Node) {
        let mut paths: Vec<String> = Vec::new();
        if let Some(path) = body
            .get("Metadata")
            .and_then(|m| m.get("aws:cdk:path"))
            .and_then(Value::as_str)
        {
            paths.push(path.to_owned());
        }
        if let Some(extra) = self.template.input.construct_paths.get(logical) {
            paths.extend(extra.iter().cloned());
        }
        for path in paths {
            let path = path.trim_start_matches('/').to_owned();
            for suffix in ["/Resource", "/Default"] {
                if let Some(construct) = path.strip_suffix(suffix) {
                    node.aliases.insert(Alias::construct_path(construct));
                }
            }
            node.aliases.insert(Alias::construct_path(path));
        }
    }

    /// CDK asset metadata, or a SAM `CodeUri` (the function's own, else
    /// `Globals.Function`'s) or a Lambda `Code` that is a local directory:
    /// the function is implemented by the code in that directory, and by
    /// the symbol its handler names there (an `implemented_by` edge to a
    /// handler key, which the graph links to the code symbol carrying it).
    fn asset(&mut self, id: &str, resource_type: &str, body: &Value) {
        let serverless = resource_type == "AWS::Serverless::Function";
        let root = self.root;
        let property = |key: &str| {
            body.get("Properties")
                .and_then(|p| p.get(key))
                .map(|value| (value, format!("Properties.{key}")))
                .or_else(|| {
                    serverless
                        .then(|| root.get("Globals")?.get("Function")?.get(key))
                        .flatten()
                        .map(|value| (value, format!("Globals.Function.{key}")))
                })
        };
        let metadata = body.get("Metadata");
        let local = |uri: &&Value| uri.as_str().is_some_and(|uri| !uri.starts_with("s3://"));
        let asset = metadata
            .and_then(|m| m.get("aws:asset:path"))
            .map(|path| (path, "Metadata.aws:asset:path".to_owned()))
            .or_else(|| property("CodeUri").filter(|(uri, _)| local(uri)))
            .or_else(|| property("Code").filter(|(uri, _)| local(uri)));
        let Some((value, detail)) = asset else { return };
        let Some(relative) = value.as_str() else {
            return;
        };
        let base = self
            .template
            .input
            .display
            .rsplit_once('/')
            .map_or("", |(dir, _)| dir);
        let display = if base.is_empty() {
            crate::normalize_display(relative)
        } else {
            crate::normalize_display(&format!("{base}/{relative}"))
        };
        let code_id = format!("code:{display}");
        let node = Node::new(code_id.clone(), NodeKind::CodeModule, &display)
            .with_evidence(self.evidence(detail.clone(), value.line));
        self.out.nodes.push(node);
        self.edge(
            NodeId::new(id),
            NodeId::new(code_id),
            EdgeKind::ImplementedBy,
            detail,
            value.line,
        );
        let is_function = serverless || resource_type == "AWS::Lambda::Function";
        if let (true, Some((handler, handler_detail))) = (is_function, property("Handler"))
            && let Some(text) = handler.as_str()
        {
            let runtime = property("Runtime").and_then(|(r, _)| r.as_str().map(str::to_owned));
            if let Some(key) = crate::code::handler_key(&display, text, runtime.as_deref()) {
                self.edge(
                    NodeId::new(id),
                    crate::code::handler_alias(key),
                    EdgeKind::ImplementedBy,
                    format!("{handler_detail} {text}"),
                    handler.line,
                );
            }
        }
    }

    fn nested_stack(&mut self, id: &str, logical: &str, entry: &'a Entry) {
        let Some(child) = self
            .context
            .nested
            .get(&(self.index, logical.to_owned()))
            .cloned()
        else {
            return;
        };
        self.edge(
            NodeId::new(id),
            NodeId::new(format!("cfn:{child}")),
            EdgeKind::Contains,
            format!("Resources.{logical} (nested stack {child})"),
            entry.line,
        );
        let declared = self.context.parameters.get(&child);
        let parameters = entry
            .value
            .get("Properties")
            .and_then(|p| p.get("Parameters"));
        for parameter in parameters.map(Value::entries).unwrap_or_default() {
            if !declared.is_some_and(|names| names.contains(&parameter.key)) {
                self.error(
                    parameter.line,
                    format!("nested stack `{logical}` passes parameter `{}` that stack `{child}` does not declare", parameter.key),
                );
                continue;
            }
            let child_parameter = format!("cfn:{child}:Parameters.{}", parameter.key);
            let mut found = Vec::new();
            let path = format!(
                "Resources.{logical}.Properties.Parameters.{}",
                parameter.key
            );
            refs::collect(&parameter.value, &path, &mut found);
            self.link(&child_parameter, "", &found);
        }
    }

    /// States the edges for references found inside node `from`.
    fn link(&mut self, from: &str, resource_type: &str, found: &[Reference<'a>]) {
        for reference in found {
            let role = match reference.kind {
                RefKind::DependsOn => Role::Plain(EdgeKind::DependsOn),
                _ => role(resource_type, &reference.path),
            };
            self.link_one(from, reference, role);
        }
    }

    fn link_as(&mut self, from: &str, found: &[Reference<'a>], kind: EdgeKind) {
        for reference in found {
            self.link_one(from, reference, Role::Plain(kind));
        }
    }

    fn link_one(&mut self, from: &str, reference: &Reference<'a>, role: Role) {
        if reference.kind == RefKind::ImportValue {
            self.import(from, reference, &role);
            return;
        }
        let Some(target) = self.target(reference) else {
            let what = match reference.kind {
                RefKind::Condition => "condition",
                RefKind::FindInMap => "mapping",
                RefKind::GetAtt | RefKind::DependsOn => "logical id",
                _ => "logical id or parameter",
            };
            self.error(
                reference.line,
                format!(
                    "{} to missing {what} `{}` at {}",
                    reference.kind,
                    reference.target,
                    if reference.path.is_empty() {
                        from
                    } else {
                        &reference.path
                    }
                ),
            );
            return;
        };
        let detail = reference.detail();
        let from = match role {
            Role::Plain(kind) => {
                // A parameter is configuration, not the thing granted or triggering.
                let kind = if target.contains(":Parameters.")
                    && matches!(kind, EdgeKind::Grants | EdgeKind::Triggers)
                {
                    EdgeKind::References
                } else {
                    kind
                };
                self.edge(
                    NodeId::new(from),
                    NodeId::new(target),
                    kind,
                    detail,
                    reference.line,
                );
                from.to_owned()
            }
            Role::EnvVar(name) => {
                let env_id = format!("{from}:env:{name}");
                self.edge(
                    NodeId::new(env_id.clone()),
                    NodeId::new(target),
                    EdgeKind::References,
                    detail,
                    reference.line,
                );
                env_id
            }
        };
        // `GetAtt Child.Outputs.X` on a nested stack also names the child's output.
        if let (Some(attribute), RefKind::GetAtt | RefKind::Sub) =
            (&reference.attribute, reference.kind)
            && let Some(output) = attribute.strip_prefix("Outputs.")
            && let Some(child) = self
                .context
                .nested
                .get(&(self.index, reference.target.clone()))
                .cloned()
        {
            if self
                .context
                .outputs
                .get(&child)
                .is_some_and(|names| names.contains(output))
            {
                let target = format!("cfn:{child}:Outputs.{output}");
                let detail = reference.detail();
                self.edge(
                    NodeId::new(from),
                    NodeId::new(target),
                    EdgeKind::References,
                    detail,
                    reference.line,
                );
            } else {
                self.error(
                    reference.line,
                    format!("nested stack `{child}` has no output `{output}`"),
                );
            }
        }
    }

    fn target(&self, reference: &Reference<'_>) -> Option<String> {
        let name = reference.target.as_str();
        match reference.kind {
            RefKind::Condition => self
                .has("Conditions", name)
                .then(|| self.id(&format!("Conditions.{name}"))),
            RefKind::FindInMap => self
                .has("Mappings", name)
                .then(|| self.id(&format!("Mappings.{name}"))),
            RefKind::GetAtt | RefKind::DependsOn => {
                self.has("Resources", name).then(|| self.id(name))
            }
            RefKind::Ref | RefKind::Sub => {
                if self.has("Resources", name) {
                    Some(self.id(name))
                } else if self.has("Parameters", name) {
                    Some(self.id(&format!("Parameters.{name}")))
                } else {
                    None
                }
            }
            RefKind::ImportValue => None,
        }
    }

    /// `Fn::ImportValue`: the consumer imports the exporting output, and
    /// depends (as the reference's role says) on the resources it exports.
    fn import(&mut self, from: &str, reference: &Reference<'a>, role: &Role) {
        let Some(argument) = reference.argument else {
            return;
        };
        let Some(name) = self.scope.string(argument) else {
            self.info(
                reference.line,
                format!(
                    "Fn::ImportValue name at {} cannot be worked out statically",
                    reference.path
                ),
            );
            return;
        };
        let detail = format!("{} (ImportValue {name})", reference.path);
        let (from, kind) = match role {
            Role::Plain(kind) => (from.to_owned(), *kind),
            Role::EnvVar(variable) => (format!("{from}:env:{variable}"), EdgeKind::References),
        };
        let Some(outputs) = self.context.exports.get(&name).cloned() else {
            self.edge(
                NodeId::new(from),
                Alias::name(NodeKind::Output, name),
                EdgeKind::ImportsValue,
                detail,
                reference.line,
            );
            return;
        };
        for (output, resources) in outputs {
            self.edge(
                NodeId::new(from.clone()),
                NodeId::new(output),
                EdgeKind::ImportsValue,
                detail.clone(),
                reference.line,
            );
            for resource in resources {
                self.edge(
                    NodeId::new(from.clone()),
                    NodeId::new(resource),
                    kind,
                    detail.clone(),
                    reference.line,
                );
            }
        }
    }

    fn environment(&mut self, function: &str, properties: Option<&'a Value>) {
        let variables = properties
            .and_then(|p| p.get("Environment"))
            .and_then(|e| e.get("Variables"));
        let own = variables.map(Value::entries).unwrap_or_default();
        for variable in own {
            self.env_var(function, &variable.key, &variable.value, variable.line);
        }
        // `Globals.Function.Environment.Variables` reach a serverless
        // function for every name it does not set itself.
        let serverless = function_type(self.root, function, self.stack)
            .is_some_and(|t| t == "AWS::Serverless::Function");
        if serverless {
            let globals = self
                .root
                .get("Globals")
                .and_then(|g| g.get("Function"))
                .and_then(|f| f.get("Environment"))
                .and_then(|e| e.get("Variables"));
            for variable in globals.map(Value::entries).unwrap_or_default() {
                if !own.iter().any(|o| o.key == variable.key) {
                    self.env_var(function, &variable.key, &variable.value, variable.line);
                }
            }
        }
    }

    /// `{{resolve:secretsmanager:…}}`, `{{resolve:ssm-secure:…}}` and
    /// `{{resolve:ssm:…}}` anywhere in `value`: an edge from the resource
    /// to the secret or parameter named, never its value (CloudFormation
    /// resolves it at deploy time; the template holds only the reference).
    fn dynamic_references(&mut self, id: &str, value: &Value, path: &str) {
        match &value.kind {
            Kind::String(text) => {
                for reference in super::dynamic::references(text) {
                    self.edge(
                        NodeId::new(id),
                        reference.target(),
                        EdgeKind::References,
                        format!("{path} ({{{{resolve:{}}}}})", reference.service),
                        value.line,
                    );
                }
            }
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.dynamic_references(id, item, &format!("{path}[{i}]"));
                }
            }
            Kind::Map(entries) => {
                for entry in entries {
                    self.dynamic_references(id, &entry.value, &format!("{path}.{}", entry.key));
                }
            }
            _ => {}
        }
    }

    /// Ensures the env-var node of a function's variable exists, linked from the function.
    pub(crate) fn env_var(&mut self, function: &str, name: &str, value: &Value, line: u32) {
        let env_id = format!("{function}:env:{name}");
        let mut node = self.node(
            env_id.clone(),
            NodeKind::EnvVar,
            name,
            format!("Properties.Environment.Variables.{name}"),
            line,
        );
        node.set_attribute(Origin::Declared, "value", attribute(value));
        self.out.nodes.push(node);
        self.edge(
            NodeId::new(function),
            NodeId::new(env_id),
            EdgeKind::ConfiguredBy,
            format!("Properties.Environment.Variables.{name}"),
            line,
        );
    }
}

/// How a reference at `path` inside a resource of `resource_type` is stated.
fn role(resource_type: &str, path: &str) -> Role {
    let is_function = matches!(
        resource_type,
        "AWS::Lambda::Function" | "AWS::Serverless::Function"
    );
    if is_function && let Some(rest) = path.strip_prefix("Properties.Environment.Variables.") {
        let name = rest.split(['.', '[']).next().unwrap_or(rest);
        return Role::EnvVar(name.to_owned());
    }
    if resource_type == "AWS::Serverless::Function" && path.starts_with("Properties.Events.") {
        return Role::Plain(EdgeKind::Triggers);
    }
    if resource_type.starts_with("AWS::Serverless::") && path.starts_with("Properties.Policies") {
        return Role::Plain(EdgeKind::Grants);
    }
    if is_statement_resource(path) {
        return Role::Plain(EdgeKind::Grants);
    }
    Role::Plain(EdgeKind::References)
}

/// Whether `path` is inside a policy statement's `Resource`.
fn is_statement_resource(path: &str) -> bool {
    let mut in_statement = false;
    for segment in path.split('.') {
        if segment.starts_with("Statement") {
            in_statement = true;
        } else if in_statement
            && (segment.starts_with("Resource") || segment.starts_with("NotResource"))
        {
            return true;
        }
    }
    false
}

/// A property value as an attribute: known when literal, else unknown with its expression.
pub(crate) fn attribute(value: &Value) -> AttributeValue {
    if value.is_literal() {
        AttributeValue::Known(value.to_json())
    } else {
        AttributeValue::unknown(value.to_json().to_string())
    }
}

/// The type of the resource whose node id is `id` in `stack`.
fn function_type<'v>(root: &'v Value, id: &str, stack: &str) -> Option<&'v str> {
    let logical = id.strip_prefix(&format!("cfn:{stack}:"))?;
    root.get("Resources")?.get(logical)?.get("Type")?.as_str()
}
