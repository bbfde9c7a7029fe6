//! Which declared database instance or cluster serves a collected database.
//!
//! A snapshot knows the host, port and database name it was read from
//! (never the credentials); Terraform state knows an RDS instance's
//! `address` and `endpoint` and an Aurora cluster's `endpoint` and
//! `reader_endpoint`; Terraform and CloudFormation declare the database
//! name (`db_name`, `database_name`, `DBName`, `DatabaseName`). The
//! instance or cluster `contains` the database when:
//!
//! 1. the snapshot's host is one of its endpoints (inferred, confidence
//!    0.9: the address was observed, the pairing is deduced); else
//! 2. exactly one declared instance or cluster names the snapshot's
//!    database (inferred, 0.5: names like `postgres` are common, so a name
//!    shared by several declarations links none).
//!
//! Nothing is linked otherwise: a database on a host no declaration names
//! stays on its own, with no dangling reference.

use infrawise_core::{Edge, EdgeKind, Evidence, Fragment, Node, NodeKind, Origin};

use super::{DATABASE_TYPE, endpoint_of};

/// The confidence of a link by endpoint.
pub const BY_ENDPOINT: f64 = 0.9;
/// The confidence of a link by database name.
pub const BY_NAME: f64 = 0.5;

const EXTRACTOR: &str = "link";

const ENDPOINT_ATTRIBUTES: [&str; 4] =
    ["address", "endpoint", "reader_endpoint", "Endpoint.Address"];
const NAME_ATTRIBUTES: [&str; 5] = [
    "db_name",
    "database_name",
    "name",
    "Properties.DBName",
    "Properties.DatabaseName",
];

/// The text values of `node`'s attributes `names`, any origin.
fn texts<'a>(node: &'a Node, names: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    names
        .iter()
        .filter_map(|name| node.attributes.get(name))
        .flat_map(infrawise_core::OriginValues::values)
        .filter_map(|value| value.known().and_then(serde_json::Value::as_str))
}

/// A host from an endpoint value: `host` or `host:port`.
fn host_of(endpoint: &str) -> &str {
    endpoint
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(endpoint, |(host, _)| host)
}

/// `contains` edges from the declared instances and clusters in
/// `fragments` to the databases the snapshots among them read.
pub fn link_instances(fragments: &[&Fragment]) -> Fragment {
    let nodes = || fragments.iter().flat_map(|f| &f.nodes);
    let instances: Vec<&Node> = nodes()
        .filter(|n| n.kind == NodeKind::Database && n.raw_type.as_deref() != Some(DATABASE_TYPE))
        .collect();
    let mut out = Fragment::new();
    if instances.is_empty() {
        return out;
    }
    for database in nodes().filter(|n| n.raw_type.as_deref() == Some(DATABASE_TYPE)) {
        let Some((host, _)) = endpoint_of(database.id.as_str()) else {
            continue;
        };
        let mut by_endpoint: Vec<&Node> = instances
            .iter()
            .copied()
            .filter(|i| {
                texts(i, &ENDPOINT_ATTRIBUTES).any(|e| host_of(e).eq_ignore_ascii_case(host))
            })
            .collect();
        by_endpoint.sort_by(|a, b| a.id.cmp(&b.id));
        by_endpoint.dedup_by(|a, b| a.id == b.id);
        let (linked, evidence) = if by_endpoint.is_empty() {
            let mut by_name: Vec<&Node> = instances
                .iter()
                .copied()
                .filter(|i| {
                    i.evidence.iter().any(|e| e.origin == Origin::Declared)
                        && texts(i, &NAME_ATTRIBUTES).any(|n| n == database.name)
                })
                .collect();
            by_name.sort_by(|a, b| a.id.cmp(&b.id));
            by_name.dedup_by(|a, b| a.id == b.id);
            let [instance] = by_name.as_slice() else {
                continue;
            };
            (
                vec![*instance],
                Evidence::inferred(
                    EXTRACTOR,
                    format!(
                        "database name {} is declared by {} (and by no other instance)",
                        database.name, instance.name
                    ),
                    BY_NAME,
                ),
            )
        } else {
            (
                by_endpoint,
                Evidence::inferred(
                    EXTRACTOR,
                    format!("the database was read at {host}, an endpoint of the instance"),
                    BY_ENDPOINT,
                ),
            )
        };
        for instance in linked {
            out.edges.push(Edge::new(
                instance.id.clone(),
                database.id.clone(),
                EdgeKind::Contains,
                evidence.clone(),
            ));
        }
    }
    out
}
