//! Drift between two declarations: a model and a migration that declare
//! the same table but disagree on it.
//!
//! The graph merges the two into one node and keeps one declared value per
//! attribute, so the disagreement must be found before the merge: this
//! compares the fragment of migrations with the fragment of models. Nodes
//! meet by their schema-qualified alias (`name[column]:public.orders.note`).
//! For every table both sides declare, each attribute both give a value of
//! (`type`, `nullable`, `default`, `primary_key`, `unique`, `columns`,
//! `predicate`, `method`) must agree, and every column one side declares
//! the other must declare too. Indexes are compared only where both
//! declare them: ORMs leave out indexes whose names they derive by hash.

use std::collections::BTreeMap;

use infrawise_core::{Alias, Diagnostic, Evidence, Fragment, Node, NodeId, NodeKind, Origin};

/// One disagreement, with the evidence of both sides.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclarationConflict {
    /// The node's schema-qualified alias (`name[column]:public.orders.note`).
    pub alias: Alias,
    /// The id and kind of the node (the migration's, else the model's).
    pub node: (NodeId, NodeKind),
    /// What differs, in lower case (`type: migration says text, model says character varying(500)`).
    pub message: String,
    /// Where the migration declares it (absent when only the model does).
    pub migration: Option<Evidence>,
    /// Where the model declares it (absent when only the migration does).
    pub model: Option<Evidence>,
}

impl DeclarationConflict {
    /// The conflict as a warning about the model's file and line (or the
    /// migration's, when the model lacks the thing).
    pub fn to_diagnostic(&self) -> Diagnostic {
        let at = |e: &Evidence| {
            let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
            format!("{} {}{line}", e.extractor, e.path.as_deref().unwrap_or(""))
        };
        let sides = match (&self.migration, &self.model) {
            (Some(m), Some(o)) => format!(" ({} vs {})", at(m), at(o)),
            (Some(e), None) | (None, Some(e)) => format!(" ({})", at(e)),
            (None, None) => String::new(),
        };
        let anchor = self.model.as_ref().or(self.migration.as_ref());
        Diagnostic::warning(
            anchor.and_then(|e| e.path.as_deref()).unwrap_or(""),
            anchor.and_then(infrawise_core::Evidence::line),
            format!(
                "declarations disagree on {}: {}{sides}",
                self.alias.value, self.message
            ),
        )
    }
}

/// The attribute a node carries when its declarations disagree: a list of
/// `{"message", "migration", "model"}` objects, the last two as
/// `path:line` (or null when that side lacks the thing). The graph's
/// `schema-model-mismatch` finding reads it.
pub const CONFLICTS_ATTRIBUTE: &str = "declaration_conflicts";

/// The conflicts as a fragment the graph merges into the nodes they are
/// about: each node gets [`CONFLICTS_ATTRIBUTE`] and the evidence of both
/// sides, so the disagreement survives the merge (which keeps one declared
/// value per attribute) and the JSON round trip.
pub fn conflicts_fragment(conflicts: &[DeclarationConflict]) -> Fragment {
    let place = |e: &Option<Evidence>| {
        e.as_ref().map_or(serde_json::Value::Null, |e| {
            let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
            serde_json::Value::String(format!("{}{line}", e.path.as_deref().unwrap_or("")))
        })
    };
    let mut by_node: BTreeMap<&NodeId, (Node, Vec<serde_json::Value>)> = BTreeMap::new();
    for conflict in conflicts {
        let (id, kind) = &conflict.node;
        let (node, list) = by_node.entry(id).or_insert_with(|| {
            let name = conflict.alias.value.clone();
            (
                Node::new(id.as_str(), *kind, name).with_alias(conflict.alias.clone()),
                Vec::new(),
            )
        });
        node.evidence
            .extend(conflict.migration.iter().chain(&conflict.model).cloned());
        list.push(serde_json::json!({
            "message": conflict.message,
            "migration": place(&conflict.migration),
            "model": place(&conflict.model),
        }));
    }
    Fragment {
        nodes: by_node
            .into_values()
            .map(|(mut node, list)| {
                node.set_attribute(
                    Origin::Declared,
                    CONFLICTS_ATTRIBUTE,
                    serde_json::Value::Array(list),
                );
                node
            })
            .collect(),
        ..Fragment::new()
    }
}

/// The schema-qualified alias of a relational node: its `name` alias with
/// the most dots.
fn key(node: &Node) -> Option<Alias> {
    node.aliases
        .iter()
        .filter(|a| a.implied_node_kind() == Some(node.kind))
        .max_by_key(|a| (a.value.matches('.').count(), a.value.len()))
        .cloned()
}

fn relational(fragment: &Fragment) -> BTreeMap<Alias, &Node> {
    fragment
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Table | NodeKind::Column | NodeKind::Index))
        .filter_map(|n| Some((key(n)?, n)))
        .collect()
}

fn value_text(node: &Node, attribute: &str) -> Option<String> {
    node.attributes
        .get(attribute)?
        .get(&Origin::Declared)?
        .known()
        .map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

/// Every disagreement between the migrations' fragment and the models'.
pub fn declaration_conflicts(migrations: &Fragment, models: &Fragment) -> Vec<DeclarationConflict> {
    let declared_by_migrations = relational(migrations);
    let declared_by_models = relational(models);
    let mut conflicts = Vec::new();
    let first = |n: &Node| n.evidence.first().cloned();
    let table_of = |alias: &Alias| -> Option<Alias> {
        let (table, _) = alias.value.rsplit_once('.')?;
        Some(Alias::name(NodeKind::Table, table))
    };
    for (alias, migration) in &declared_by_migrations {
        match declared_by_models.get(alias) {
            Some(model) => {
                for attribute in [
                    "type",
                    "nullable",
                    "default",
                    "primary_key",
                    "unique",
                    "columns",
                    "predicate",
                    "method",
                ] {
                    let (a, b) = (
                        value_text(migration, attribute),
                        value_text(model, attribute),
                    );
                    if a != b && a.is_some() && b.is_some() {
                        conflicts.push(DeclarationConflict {
                            alias: alias.clone(),
                            node: (migration.id.clone(), migration.kind),
                            message: format!(
                                "{attribute}: migration says {}, model says {}",
                                a.as_deref().unwrap_or("none"),
                                b.as_deref().unwrap_or("none")
                            ),
                            migration: first(migration),
                            model: first(model),
                        });
                    }
                }
            }
            None if migration.kind == NodeKind::Column
                && table_of(alias).is_some_and(|t| declared_by_models.contains_key(&t)) =>
            {
                conflicts.push(DeclarationConflict {
                    alias: alias.clone(),
                    node: (migration.id.clone(), migration.kind),
                    message: "column declared by a migration and missing from the model".to_owned(),
                    migration: first(migration),
                    model: None,
                });
            }
            None => {}
        }
    }
    for (alias, model) in &declared_by_models {
        if model.kind == NodeKind::Column
            && !declared_by_migrations.contains_key(alias)
            && table_of(alias).is_some_and(|t| declared_by_migrations.contains_key(&t))
        {
            conflicts.push(DeclarationConflict {
                alias: alias.clone(),
                node: (model.id.clone(), model.kind),
                message: "column declared by the model and by no migration".to_owned(),
                migration: None,
                model: first(model),
            });
        }
    }
    conflicts
}
