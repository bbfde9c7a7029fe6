//! Kubernetes objects as `kubectl get … -o json` prints them, read as
//! observed evidence of what runs in a cluster.
//!
//! # Files
//!
//! `kubectl get deployments,statefulsets,daemonsets,services,ingresses,configmaps -A -o json > cluster.json`
//! writes `{"apiVersion": "v1", "kind": "List", "items": […],
//! "metadata": {…}}`; a single kind gives `DeploymentList` and so on, and
//! `kubectl get deployment api -o json` one object. All are read. A list
//! whose `metadata.continue` is set or whose `remainingItemCount` is above
//! zero (`--chunk-size`, the API's paging) is a partial source.
//!
//! # What they give
//!
//! | object | node | edges |
//! |---|---|---|
//! | Deployment, StatefulSet, DaemonSet | `k8s:<kind>:<namespace>/<name>`, kind `service`, alias `name[service]:<name>` (what traces' `k8s.deployment.name` gives); `replicas` (desired), `readyReplicas`, `availableReplicas`, `updatedReplicas`, `images`, `EnvironmentVariableNames` | `-[calls]->` the Service or endpoint an environment value names (a service DNS name with or without scheme and port, or a URL), `-[references]->` the AWS resource an ARN value names, `-[configured_by]->` the ConfigMaps and `-[reads]->` the Secrets it takes values from |
//! | Service | `k8s:service:<namespace>/<name>`, kind `endpoint`, aliases `name[endpoint]:<scheme>://<host>:<port>` for every DNS form of its name (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`) and port | `-[routes_to]->` each workload whose pod labels its selector matches |
//! | Ingress | `k8s:ingress:<namespace>/<name>`, kind `api`, `hosts` | `-[routes_to]->` each backend Service |
//! | ConfigMap | `k8s:configmap:<namespace>/<name>`, kind `parameter`, `keys` | `-[references]->` what a value names, as for environment values |
//! | Secret | `k8s:secret:<namespace>/<name>`, kind `secret`, `type` | — |
//!
//! Values are never stored: environment and ConfigMap values only decide
//! edges, and a Secret's `data` and `stringData` are never read at all.
//! The source's scope is `k8s:<namespace>` when every object is in one
//! namespace, else `k8s`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use infrawise_core::{
    Alias, Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, Node, NodeId, NodeKind, NodeRef,
    Origin, Source, SourceStatus, Timestamp,
};
use rayon::prelude::*;
use serde_json::{Value, json};

/// The extractor of every piece of Kubernetes evidence.
pub const EXTRACTOR: &str = "kubernetes";

const KINDS: [&str; 7] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Service",
    "Ingress",
    "ConfigMap",
    "Secret",
];

/// Whether `head` (the start of a JSON file) is `kubectl get -o json`
/// output: an `apiVersion` and a `kind` that is a list or an object this
/// reader knows.
pub fn detect(head: &str) -> bool {
    if !head.trim_start().starts_with('{') || !head.contains("\"apiVersion\"") {
        return false;
    }
    let kind_is = |kind: &str| {
        head.contains(&format!("\"kind\": \"{kind}\""))
            || head.contains(&format!("\"kind\":\"{kind}\""))
    };
    kind_is("List")
        || KINDS
            .iter()
            .any(|k| kind_is(k) || kind_is(&format!("{k}List")))
}

/// Reads `kubectl` JSON files; paths in the output are relative to `root`.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let parts: Vec<Fragment> = files
        .par_iter()
        .map(|path| {
            let display = crate::display_path(path, root);
            match std::fs::read(path) {
                Ok(bytes) => parse_text(&String::from_utf8_lossy(&bytes), &display),
                Err(error) => failed(
                    &display,
                    format!("cannot read file: {}", error.to_string().to_lowercase()),
                ),
            }
        })
        .collect();
    let mut out = Fragment::new();
    for part in parts {
        out.extend(part);
    }
    out
}

fn failed(display: &str, message: String) -> Fragment {
    let mut source = Source::new(display, Format::Kubernetes, Origin::Observed);
    source.status = SourceStatus::Failed;
    Fragment {
        sources: vec![source],
        diagnostics: vec![Diagnostic::error(display, None, message)],
        ..Fragment::new()
    }
}

/// Reads one file's text, shown in the output as `display`.
pub fn parse_text(text: &str, display: &str) -> Fragment {
    let document: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            return failed(
                display,
                format!("not valid JSON at line {}: {error}", error.line()),
            );
        }
    };
    let items: Vec<&Value> = match document.get("items").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None if document.get("metadata").is_some() => vec![&document],
        None => return failed(display, "not a Kubernetes list or object".to_owned()),
    };
    let mut reader = Reader {
        display,
        out: Fragment::new(),
        namespaces: BTreeSet::new(),
        newest: None,
        services: Vec::new(),
        workloads: Vec::new(),
    };
    for item in &items {
        reader.object(item);
    }
    reader.route_services();
    let mut source = Source::new(display, Format::Kubernetes, Origin::Observed);
    let metadata = document.get("metadata");
    let more = metadata
        .and_then(|m| m.get("continue"))
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
        || metadata
            .and_then(|m| m.get("remainingItemCount"))
            .and_then(Value::as_u64)
            .is_some_and(|n| n > 0);
    if more {
        source.status = SourceStatus::Partial;
        source.caveat =
            Some("a page of a longer list (continue token): absence proves nothing".to_owned());
    }
    source.scope = Some(
        match reader.namespaces.iter().collect::<Vec<_>>().as_slice() {
            [one] => format!("k8s:{one}"),
            _ => "k8s".to_owned(),
        },
    );
    source.read_at = reader.newest;
    let mut out = reader.out;
    out.sources.push(source);
    out
}

/// A workload's pod labels, for Service selectors.
struct Workload {
    id: String,
    namespace: String,
    labels: BTreeMap<String, String>,
}

/// A Service's selector.
struct Selector {
    id: String,
    namespace: String,
    labels: BTreeMap<String, String>,
}

struct Reader<'a> {
    display: &'a str,
    out: Fragment,
    namespaces: BTreeSet<String>,
    newest: Option<Timestamp>,
    services: Vec<Selector>,
    workloads: Vec<Workload>,
}

fn text<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(value, |v, key| v.get(key))?.as_str()
}

fn labels(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The DNS forms of a Service's name.
fn service_hosts(name: &str, namespace: &str) -> [String; 4] {
    [
        name.to_owned(),
        format!("{name}.{namespace}"),
        format!("{name}.{namespace}.svc"),
        format!("{name}.{namespace}.svc.cluster.local"),
    ]
}

impl Reader<'_> {
    fn evidence(&self, detail: String) -> Evidence {
        Evidence::observed(EXTRACTOR, detail, self.newest).at(self.display, None)
    }

    fn object(&mut self, item: &Value) {
        let Some(kind) = item.get("kind").and_then(Value::as_str) else {
            return;
        };
        if !KINDS.contains(&kind) {
            return;
        }
        let Some(name) = text(item, &["metadata", "name"]) else {
            self.out.diagnostics.push(Diagnostic::warning(
                self.display,
                None,
                format!("a {kind} without metadata.name is skipped"),
            ));
            return;
        };
        let namespace = text(item, &["metadata", "namespace"]).unwrap_or("default");
        self.namespaces.insert(namespace.to_owned());
        if let Some(created) =
            text(item, &["metadata", "creationTimestamp"]).and_then(|t| Timestamp::parse(t).ok())
        {
            self.newest = Some(self.newest.map_or(created, |n| n.max(created)));
        }
        match kind {
            "Service" => self.service(item, name, namespace),
            "Ingress" => self.ingress(item, name, namespace),
            "ConfigMap" => self.config_map(item, name, namespace),
            "Secret" => self.secret(item, name, namespace),
            _ => self.workload(item, kind, name, namespace),
        }
    }

    fn node(&self, kind: &str, namespace: &str, name: &str, node_kind: NodeKind) -> Node {
        Node::new(
            format!("k8s:{}:{namespace}/{name}", kind.to_ascii_lowercase()),
            node_kind,
            name,
        )
        .with_raw_type(kind)
        .with_scope(format!("k8s:{namespace}"))
        .with_evidence(self.evidence(format!("{kind} {namespace}/{name}")))
    }

    fn edge(&mut self, from: &str, to: NodeRef, kind: EdgeKind, detail: String) {
        let evidence = self.evidence(detail);
        self.out
            .edges
            .push(Edge::new(NodeId::new(from), to, kind, evidence));
    }

    fn workload(&mut self, item: &Value, kind: &str, name: &str, namespace: &str) {
        let mut node = self
            .node(kind, namespace, name, NodeKind::Service)
            .with_alias(Alias::name(NodeKind::Service, name));
        let id = node.id.to_string();
        let spec = item.get("spec");
        let status = item.get("status");
        // Deployments and StatefulSets count replicas (one by default); a
        // DaemonSet counts the pods it schedules, under other names.
        let count = |name: &str| status.and_then(|s| s.get(name)).and_then(Value::as_u64);
        let (desired, names) = if kind == "DaemonSet" {
            (
                count("desiredNumberScheduled"),
                ["numberReady", "numberAvailable", "updatedNumberScheduled"],
            )
        } else {
            (
                Some(
                    spec.and_then(|s| s.get("replicas"))
                        .and_then(Value::as_u64)
                        .unwrap_or(1),
                ),
                ["readyReplicas", "availableReplicas", "updatedReplicas"],
            )
        };
        if let Some(desired) = desired {
            node.set_attribute(Origin::Observed, "replicas", json!(desired));
        }
        for (name, attribute) in
            names
                .into_iter()
                .zip(["readyReplicas", "availableReplicas", "updatedReplicas"])
        {
            node.set_attribute(Origin::Observed, attribute, json!(count(name).unwrap_or(0)));
        }
        let template = spec.and_then(|s| s.get("template"));
        self.workloads.push(Workload {
            id: id.clone(),
            namespace: namespace.to_owned(),
            labels: labels(
                template
                    .and_then(|t| t.get("metadata"))
                    .and_then(|m| m.get("labels")),
            ),
        });
        let containers: Vec<&Value> = template
            .and_then(|t| t.get("spec"))
            .into_iter()
            .flat_map(|s| {
                ["initContainers", "containers"]
                    .into_iter()
                    .filter_map(move |k| s.get(k).and_then(Value::as_array))
                    .flatten()
            })
            .collect();
        let mut images = BTreeSet::new();
        let mut env_names = BTreeSet::new();
        let mut edges = Vec::new();
        for container in containers {
            if let Some(image) = container.get("image").and_then(Value::as_str) {
                images.insert(image.to_owned());
            }
            for var in container
                .get("env")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(var_name) = var.get("name").and_then(Value::as_str) else {
                    continue;
                };
                env_names.insert(var_name.to_owned());
                if let Some(value) = var.get("value").and_then(Value::as_str) {
                    edges.push((value.to_owned(), format!("env {var_name}")));
                }
                let from = var.get("valueFrom");
                if let Some(secret) = from
                    .and_then(|f| f.get("secretKeyRef"))
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                {
                    let to = format!("k8s:secret:{namespace}/{secret}");
                    self.edge(
                        &id,
                        NodeRef::Id(NodeId::new(to)),
                        EdgeKind::Reads,
                        format!("env {var_name} from secret {secret}"),
                    );
                }
                if let Some(map) = from
                    .and_then(|f| f.get("configMapKeyRef"))
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                {
                    let to = format!("k8s:configmap:{namespace}/{map}");
                    self.edge(
                        &id,
                        NodeRef::Id(NodeId::new(to)),
                        EdgeKind::ConfiguredBy,
                        format!("env {var_name} from config map {map}"),
                    );
                }
            }
            for source in container
                .get("envFrom")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(secret) = text(source, &["secretRef", "name"]) {
                    let to = format!("k8s:secret:{namespace}/{secret}");
                    self.edge(
                        &id,
                        NodeRef::Id(NodeId::new(to)),
                        EdgeKind::Reads,
                        format!("envFrom secret {secret}"),
                    );
                }
                if let Some(map) = text(source, &["configMapRef", "name"]) {
                    let to = format!("k8s:configmap:{namespace}/{map}");
                    self.edge(
                        &id,
                        NodeRef::Id(NodeId::new(to)),
                        EdgeKind::ConfiguredBy,
                        format!("envFrom config map {map}"),
                    );
                }
            }
        }
        node.set_attribute(Origin::Observed, "images", json!(images));
        node.set_attribute(
            Origin::Observed,
            "EnvironmentVariableNames",
            json!(env_names),
        );
        self.out.nodes.push(node);
        for (value, detail) in edges {
            self.value_edge(&id, &value, namespace, detail);
        }
    }

    /// An edge from `from` to what `value` names: a Service by DNS name, an
    /// endpoint by URL, an AWS resource by ARN; nothing otherwise.
    fn value_edge(&mut self, from: &str, value: &str, namespace: &str, detail: String) {
        let value = value.trim();
        if value.starts_with("arn:") {
            self.edge(
                from,
                NodeRef::Alias(Alias::arn(value)),
                EdgeKind::References,
                detail,
            );
            return;
        }
        let has_scheme = value.contains("://");
        let host_port = crate::code::endpoint_name(value)
            .map(|e| {
                e.split_once("://")
                    .map_or(e.clone(), |(_, rest)| rest.to_owned())
            })
            .unwrap_or_default();
        let host = host_port
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        // A service DNS name: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`.
        #[expect(
            clippy::case_sensitive_file_extension_comparisons,
            reason = "a DNS suffix of a host lowercased above, not a file extension"
        )]
        let in_cluster = host.ends_with(".svc") || host.ends_with(".svc.cluster.local");
        let service = if in_cluster {
            let mut parts = host.split('.');
            match (parts.next(), parts.next()) {
                (Some(name), Some(ns)) => Some((name.to_owned(), ns.to_owned())),
                _ => None,
            }
        } else if has_scheme && !host.contains('.') && !host.is_empty() {
            Some((host.clone(), namespace.to_owned()))
        } else {
            None
        };
        if let Some((name, ns)) = service {
            let to = format!("k8s:service:{ns}/{name}");
            self.edge(from, NodeRef::Id(NodeId::new(to)), EdgeKind::Calls, detail);
        } else if has_scheme && let Some(endpoint) = crate::code::endpoint_name(value) {
            self.edge(
                from,
                NodeRef::Alias(Alias::name(NodeKind::Endpoint, endpoint)),
                EdgeKind::Calls,
                detail,
            );
        }
    }

    fn service(&mut self, item: &Value, name: &str, namespace: &str) {
        let mut node = self.node("Service", namespace, name, NodeKind::Endpoint);
        let ports: Vec<u64> = item
            .get("spec")
            .and_then(|s| s.get("ports"))
            .and_then(Value::as_array)
            .map(|ports| {
                ports
                    .iter()
                    .filter_map(|p| p.get("port").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default();
        for host in service_hosts(name, namespace) {
            for port in &ports {
                for scheme in ["http", "https"] {
                    node.aliases.insert(Alias::name(
                        NodeKind::Endpoint,
                        format!("{scheme}://{host}:{port}"),
                    ));
                }
                if *port == 80 {
                    node.aliases
                        .insert(Alias::name(NodeKind::Endpoint, format!("http://{host}")));
                }
                if *port == 443 {
                    node.aliases
                        .insert(Alias::name(NodeKind::Endpoint, format!("https://{host}")));
                }
            }
        }
        node.set_attribute(Origin::Observed, "ports", json!(ports));
        if let Some(kind) = text(item, &["spec", "type"]) {
            node.set_attribute(Origin::Observed, "type", json!(kind));
        }
        let selector = labels(item.get("spec").and_then(|s| s.get("selector")));
        if !selector.is_empty() {
            self.services.push(Selector {
                id: node.id.to_string(),
                namespace: namespace.to_owned(),
                labels: selector,
            });
        }
        self.out.nodes.push(node);
    }

    /// Service `-[routes_to]->` each workload of its namespace whose pod
    /// labels include its selector.
    fn route_services(&mut self) {
        let mut edges = Vec::new();
        for service in &self.services {
            for workload in &self.workloads {
                if workload.namespace == service.namespace
                    && service
                        .labels
                        .iter()
                        .all(|(k, v)| workload.labels.get(k) == Some(v))
                {
                    edges.push((service.id.clone(), workload.id.clone()));
                }
            }
        }
        for (from, to) in edges {
            self.edge(
                &from,
                NodeRef::Id(NodeId::new(to)),
                EdgeKind::RoutesTo,
                "selector".to_owned(),
            );
        }
    }

    fn ingress(&mut self, item: &Value, name: &str, namespace: &str) {
        let mut node = self.node("Ingress", namespace, name, NodeKind::Api);
        let id = node.id.to_string();
        let spec = item.get("spec");
        let rules: Vec<&Value> = spec
            .and_then(|s| s.get("rules"))
            .and_then(Value::as_array)
            .map(|r| r.iter().collect())
            .unwrap_or_default();
        let hosts: BTreeSet<&str> = rules
            .iter()
            .filter_map(|r| r.get("host").and_then(Value::as_str))
            .collect();
        node.set_attribute(Origin::Observed, "hosts", json!(hosts));
        self.out.nodes.push(node);
        let mut backends = BTreeSet::new();
        if let Some(service) = spec.and_then(|s| text(s, &["defaultBackend", "service", "name"])) {
            backends.insert((service.to_owned(), "default backend".to_owned()));
        }
        for rule in rules {
            let host = rule.get("host").and_then(Value::as_str).unwrap_or("*");
            for path in rule
                .get("http")
                .and_then(|h| h.get("paths"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                // networking.k8s.io/v1, and extensions/v1beta1's serviceName.
                let service = text(path, &["backend", "service", "name"])
                    .or_else(|| text(path, &["backend", "serviceName"]));
                if let Some(service) = service {
                    let route = path.get("path").and_then(Value::as_str).unwrap_or("/");
                    backends.insert((service.to_owned(), format!("{host}{route}")));
                }
            }
        }
        for (service, detail) in backends {
            let to = format!("k8s:service:{namespace}/{service}");
            self.edge(
                &id,
                NodeRef::Id(NodeId::new(to)),
                EdgeKind::RoutesTo,
                detail,
            );
        }
    }

    fn config_map(&mut self, item: &Value, name: &str, namespace: &str) {
        let mut node = self.node("ConfigMap", namespace, name, NodeKind::Parameter);
        let id = node.id.to_string();
        let data = item.get("data").and_then(Value::as_object);
        // Sorted whatever order serde_json keeps object keys in.
        let keys: BTreeSet<&String> = data.map(|d| d.keys().collect()).unwrap_or_default();
        node.set_attribute(Origin::Observed, "keys", json!(keys));
        self.out.nodes.push(node);
        for (key, value) in data.into_iter().flatten() {
            if let Some(value) = value.as_str() {
                self.value_edge(&id, value, namespace, format!("key {key}"));
            }
        }
    }

    /// A Secret's name and type; its `data` and `stringData` are never read.
    fn secret(&mut self, item: &Value, name: &str, namespace: &str) {
        let mut node = self.node("Secret", namespace, name, NodeKind::Secret);
        if let Some(kind) = item.get("type").and_then(Value::as_str) {
            node.set_attribute(Origin::Observed, "type", json!(kind));
        }
        self.out.nodes.push(node);
    }
}
