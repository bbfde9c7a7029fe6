//! The in-memory schema every reader builds (migrations by applying
//! statements in order, ORM models by reading classes), and its emission
//! as fragment nodes and edges with the shared relational names.

use std::collections::BTreeMap;

use infrawise_core::{Alias, Edge, EdgeKind, Evidence, Fragment, Node, NodeKind, NodeRef, Origin};
use serde_json::Value;

use crate::relational::{self, Dialect};

/// Where a schema object was last shaped: file, line, the extractor that
/// read it and a short description of the statement or declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) path: String,
    pub(crate) line: u32,
    pub(crate) extractor: &'static str,
    pub(crate) detail: String,
}

impl Place {
    fn evidence(&self) -> Evidence {
        Evidence::declared(self.extractor, self.detail.clone()).at(&self.path, Some(self.line))
    }
}

/// A column with canonical type and default text.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub(crate) name: String,
    /// Canonical type ([`relational::canonical_type`]); `None` when the
    /// declaration does not say (a SQLite column without a type).
    pub(crate) data_type: Option<String>,
    pub(crate) nullable: bool,
    /// Canonical default ([`relational::canonical_default`]).
    pub(crate) default: Option<String>,
    pub(crate) primary_key: bool,
    pub(crate) place: Place,
}

/// A foreign key from columns of one table to columns of another.
#[derive(Clone, Debug)]
pub(crate) struct ForeignKey {
    pub(crate) name: Option<String>,
    pub(crate) columns: Vec<String>,
    pub(crate) ref_schema: String,
    pub(crate) ref_table: String,
    /// Empty when the declaration names only the table (its primary key).
    pub(crate) ref_columns: Vec<String>,
    pub(crate) place: Place,
}

/// A table: columns in declaration order and its foreign keys.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) foreign_keys: Vec<ForeignKey>,
    pub(crate) place: Place,
}

impl Table {
    pub(crate) fn new(place: Place) -> Self {
        Table {
            columns: Vec::new(),
            foreign_keys: Vec::new(),
            place,
        }
    }

    pub(crate) fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// Adds `column`, replacing one of the same name in place.
    pub(crate) fn put_column(&mut self, column: Column) {
        match self.columns.iter_mut().find(|c| c.name == column.name) {
            Some(existing) => *existing = column,
            None => self.columns.push(column),
        }
    }

    /// The primary key's columns, in declaration order.
    pub(crate) fn primary_key(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect()
    }
}

/// An index, or the index behind a primary key or unique constraint.
#[derive(Clone, Debug)]
pub(crate) struct Index {
    pub(crate) table: String,
    /// Column names; an expression's columns, where it names some.
    pub(crate) columns: Vec<String>,
    pub(crate) unique: bool,
    pub(crate) predicate: Option<String>,
    pub(crate) method: Option<String>,
    /// Whether a constraint (primary key, unique) owns the index, so that
    /// `DROP CONSTRAINT` removes it.
    pub(crate) constraint: bool,
    pub(crate) place: Place,
}

/// A view or materialized view and what it selects from.
#[derive(Clone, Debug)]
pub(crate) struct View {
    pub(crate) materialized: bool,
    /// `(schema, name)` of every relation the query names.
    pub(crate) reads: Vec<(String, String)>,
    pub(crate) place: Place,
}

/// `(schema, name)`.
pub(crate) type Key = (String, String);

/// A whole declared schema: what one migration history or one set of
/// models says the database holds.
#[derive(Clone, Debug)]
pub(crate) struct Schema {
    pub(crate) dialect: Dialect,
    pub(crate) tables: BTreeMap<Key, Table>,
    pub(crate) views: BTreeMap<Key, View>,
    /// Keyed by `(schema, index name)`; for MySQL, whose index names are
    /// unique per table only, by `(schema, "table/index")`.
    pub(crate) indexes: BTreeMap<Key, Index>,
}

impl Schema {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Schema {
            dialect,
            tables: BTreeMap::new(),
            views: BTreeMap::new(),
            indexes: BTreeMap::new(),
        }
    }

    /// The key an index is stored under.
    pub(crate) fn index_key(&self, schema: &str, table: &str, index: &str) -> Key {
        match self.dialect {
            Dialect::MySql => (schema.to_owned(), format!("{table}/{index}")),
            Dialect::Postgres | Dialect::Sqlite => (schema.to_owned(), index.to_owned()),
        }
    }

    /// Removes a table with its indexes.
    pub(crate) fn drop_table(&mut self, schema: &str, name: &str) -> bool {
        self.indexes
            .retain(|(s, _), index| !(s == schema && index.table == name));
        self.tables
            .remove(&(schema.to_owned(), name.to_owned()))
            .is_some()
    }

    /// Renames a table, following it from its indexes, from other tables'
    /// foreign keys and from views (PostgreSQL tracks all three by oid).
    pub(crate) fn rename_table(&mut self, schema: &str, old: &str, new: &str, place: &Place) {
        let Some(mut table) = self.tables.remove(&(schema.to_owned(), old.to_owned())) else {
            return;
        };
        table.place = place.clone();
        self.tables
            .insert((schema.to_owned(), new.to_owned()), table);
        let moved: Vec<Key> = self
            .indexes
            .iter()
            .filter(|((s, _), index)| s == schema && index.table == old)
            .map(|(key, _)| key.clone())
            .collect();
        for key in moved {
            if let Some(mut index) = self.indexes.remove(&key) {
                new.clone_into(&mut index.table);
                let name = match self.dialect {
                    Dialect::MySql => key
                        .1
                        .split_once('/')
                        .map_or(key.1.clone(), |(_, n)| n.to_owned()),
                    Dialect::Postgres | Dialect::Sqlite => key.1.clone(),
                };
                let key = self.index_key(schema, new, &name);
                self.indexes.insert(key, index);
            }
        }
        for table in self.tables.values_mut() {
            for fk in &mut table.foreign_keys {
                if fk.ref_schema == schema && fk.ref_table == old {
                    new.clone_into(&mut fk.ref_table);
                }
            }
        }
        for view in self.views.values_mut() {
            for read in &mut view.reads {
                if read.0 == schema && read.1 == old {
                    new.clone_into(&mut read.1);
                }
            }
        }
    }

    /// Renames a column, following it from indexes and foreign keys.
    pub(crate) fn rename_column(
        &mut self,
        schema: &str,
        table_name: &str,
        old: &str,
        new: &str,
        place: &Place,
    ) -> bool {
        let key = (schema.to_owned(), table_name.to_owned());
        let Some(table) = self.tables.get_mut(&key) else {
            return false;
        };
        let Some(column) = table.column_mut(old) else {
            return false;
        };
        new.clone_into(&mut column.name);
        column.place = place.clone();
        for fk in &mut table.foreign_keys {
            rename_in(&mut fk.columns, old, new);
        }
        for (_, index) in self
            .indexes
            .iter_mut()
            .filter(|((s, _), i)| s == schema && i.table == table_name)
        {
            rename_in(&mut index.columns, old, new);
        }
        for table in self.tables.values_mut() {
            for fk in &mut table.foreign_keys {
                if fk.ref_schema == schema && fk.ref_table == table_name {
                    rename_in(&mut fk.ref_columns, old, new);
                }
            }
        }
        true
    }

    /// Drops a column with the indexes and foreign keys that use it.
    pub(crate) fn drop_column(&mut self, schema: &str, table_name: &str, column: &str) -> bool {
        let key = (schema.to_owned(), table_name.to_owned());
        let Some(table) = self.tables.get_mut(&key) else {
            return false;
        };
        let before = table.columns.len();
        table.columns.retain(|c| c.name != column);
        table
            .foreign_keys
            .retain(|fk| !fk.columns.iter().any(|c| c == column));
        self.indexes.retain(|(s, _), index| {
            !(s == schema && index.table == table_name && index.columns.iter().any(|c| c == column))
        });
        before != self.tables.get(&key).map_or(0, |t| t.columns.len())
    }

    /// Emits the schema as nodes and edges under id prefix `prefix`
    /// (`sql`, `orm`).
    pub(crate) fn emit(&self, prefix: &str, fragment: &mut Fragment) {
        let dialect = self.dialect;
        for ((schema, name), table) in &self.tables {
            let table_id = format!("{prefix}:{}", relational::qualified(schema, name));
            let mut node =
                Node::new(&table_id, NodeKind::Table, name).with_evidence(table.place.evidence());
            node.aliases
                .extend(relational::table_aliases(dialect, schema, name));
            fragment.nodes.push(node);
            for column in &table.columns {
                let column_id = format!("{table_id}.{}", column.name);
                let mut node = Node::new(
                    &column_id,
                    NodeKind::Column,
                    format!("{name}.{}", column.name),
                )
                .with_evidence(column.place.evidence());
                node.aliases.extend(relational::column_aliases(
                    dialect,
                    schema,
                    name,
                    &column.name,
                ));
                if let Some(data_type) = &column.data_type {
                    node.set_attribute(Origin::Declared, "type", Value::from(data_type.clone()));
                }
                node.set_attribute(Origin::Declared, "nullable", Value::from(column.nullable));
                if let Some(default) = &column.default {
                    node.set_attribute(Origin::Declared, "default", Value::from(default.clone()));
                }
                node.set_attribute(
                    Origin::Declared,
                    "primary_key",
                    Value::from(column.primary_key),
                );
                fragment.nodes.push(node);
                fragment.edges.push(Edge::new(
                    by_id(&table_id),
                    by_id(&column_id),
                    EdgeKind::Contains,
                    column.place.evidence(),
                ));
            }
            for fk in &table.foreign_keys {
                let target = self.table_ref(prefix, &fk.ref_schema, &fk.ref_table);
                fragment.edges.push(Edge::new(
                    by_id(&table_id),
                    target,
                    EdgeKind::ForeignKey,
                    fk.place.evidence(),
                ));
                let ref_columns = if fk.ref_columns.is_empty() {
                    self.tables
                        .get(&(fk.ref_schema.clone(), fk.ref_table.clone()))
                        .map(Table::primary_key)
                        .unwrap_or_default()
                } else {
                    fk.ref_columns.clone()
                };
                for (column, ref_column) in fk.columns.iter().zip(&ref_columns) {
                    let target = self.column_ref(prefix, &fk.ref_schema, &fk.ref_table, ref_column);
                    fragment.edges.push(Edge::new(
                        by_id(&format!("{table_id}.{column}")),
                        target,
                        EdgeKind::ForeignKey,
                        fk.place.evidence(),
                    ));
                }
            }
        }
        for ((schema, key), index) in &self.indexes {
            let name = key.rsplit('/').next().unwrap_or(key);
            let index_id = format!("{prefix}:{}", relational::qualified(schema, key));
            let table_id = format!("{prefix}:{}", relational::qualified(schema, &index.table));
            let mut node =
                Node::new(&index_id, NodeKind::Index, name).with_evidence(index.place.evidence());
            node.aliases.extend(relational::index_aliases_for(
                dialect,
                schema,
                &index.table,
                name,
            ));
            node.set_attribute(Origin::Declared, "unique", Value::from(index.unique));
            node.set_attribute(
                Origin::Declared,
                "columns",
                Value::from(index.columns.clone()),
            );
            if let Some(predicate) = &index.predicate {
                node.set_attribute(
                    Origin::Declared,
                    "predicate",
                    Value::from(predicate.clone()),
                );
            }
            if let Some(method) = &index.method {
                node.set_attribute(Origin::Declared, "method", Value::from(method.clone()));
            }
            fragment.nodes.push(node);
            fragment.edges.push(Edge::new(
                by_id(&table_id),
                by_id(&index_id),
                EdgeKind::Contains,
                index.place.evidence(),
            ));
            let mut seen: Vec<&String> = Vec::new();
            for column in &index.columns {
                if seen.contains(&column) {
                    continue;
                }
                seen.push(column);
                fragment.edges.push(Edge::new(
                    by_id(&index_id),
                    self.column_ref(prefix, schema, &index.table, column),
                    EdgeKind::Indexes,
                    index.place.evidence(),
                ));
            }
        }
        for ((schema, name), view) in &self.views {
            let view_id = format!("{prefix}:{}", relational::qualified(schema, name));
            let mut node = Node::new(&view_id, NodeKind::View, name)
                .with_raw_type(if view.materialized {
                    "materialized_view"
                } else {
                    "view"
                })
                .with_evidence(view.place.evidence());
            node.aliases
                .extend(relational::view_aliases(dialect, schema, name));
            fragment.nodes.push(node);
            for (read_schema, read_name) in &view.reads {
                let key = (read_schema.clone(), read_name.clone());
                let target = if self.views.contains_key(&key) {
                    by_id(&format!(
                        "{prefix}:{}",
                        relational::qualified(read_schema, read_name)
                    ))
                } else {
                    self.table_ref(prefix, read_schema, read_name)
                };
                fragment.edges.push(Edge::new(
                    by_id(&view_id),
                    target,
                    EdgeKind::Reads,
                    view.place.evidence(),
                ));
            }
        }
    }

    /// A table of this schema by id, or one declared elsewhere by alias.
    fn table_ref(&self, prefix: &str, schema: &str, name: &str) -> NodeRef {
        if self
            .tables
            .contains_key(&(schema.to_owned(), name.to_owned()))
        {
            by_id(&format!("{prefix}:{}", relational::qualified(schema, name)))
        } else {
            NodeRef::Alias(Alias::name(
                NodeKind::Table,
                relational::qualified(schema, name),
            ))
        }
    }

    /// A column of this schema by id, or one declared elsewhere by alias.
    fn column_ref(&self, prefix: &str, schema: &str, table: &str, column: &str) -> NodeRef {
        let known = self
            .tables
            .get(&(schema.to_owned(), table.to_owned()))
            .is_some_and(|t| t.columns.iter().any(|c| c.name == column));
        if known {
            by_id(&format!(
                "{prefix}:{}.{column}",
                relational::qualified(schema, table)
            ))
        } else {
            NodeRef::Alias(Alias::name(
                NodeKind::Column,
                relational::qualified(schema, &format!("{table}.{column}")),
            ))
        }
    }
}

fn by_id(id: &str) -> NodeRef {
    NodeRef::Id(infrawise_core::NodeId::new(id))
}

fn rename_in(names: &mut [String], old: &str, new: &str) {
    for name in names.iter_mut().filter(|n| *n == old) {
        new.clone_into(name);
    }
}

/// PostgreSQL's name for a sequence-backed default: `nextval('t_c_seq')`,
/// with the sequence name quoted the way `regclass` prints it.
pub(crate) fn serial_default(table: &str, column: &str) -> String {
    let sequence = truncate_identifier(&format!("{table}_{column}_seq"));
    let simple = sequence
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !sequence.starts_with(|c: char| c.is_ascii_digit());
    if simple {
        format!("nextval('{sequence}')")
    } else {
        format!("nextval('\"{sequence}\"')")
    }
}

/// PostgreSQL keeps 63 bytes of an identifier.
pub(crate) fn truncate_identifier(name: &str) -> String {
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

/// The name PostgreSQL chooses for an unnamed index or constraint:
/// `<table>_<columns>_<suffix>` (`orders_pkey`, `orders_email_key`,
/// `orders_status_idx`, `orders_customer_id_fkey`).
pub(crate) fn postgres_name(table: &str, columns: &[String], suffix: &str) -> String {
    if suffix == "pkey" {
        return truncate_identifier(&format!("{table}_pkey"));
    }
    let mut name = table.to_owned();
    for column in columns {
        name.push('_');
        name.push_str(column);
    }
    truncate_identifier(&format!("{name}_{suffix}"))
}

/// A class name in snake case, the way SQLAlchemy (Flask-SQLAlchemy) and
/// TypeORM derive a table name from it: `OrderItem` is `order_item`,
/// `HTTPLog` is `http_log`.
pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous_lower = i > 0
                && chars
                    .get(i - 1)
                    .is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let previous_upper = i > 0 && chars.get(i - 1).is_some_and(|p| p.is_uppercase());
            if previous_lower || (previous_upper && next_lower) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}
