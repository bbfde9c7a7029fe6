//! SQL DDL applied in order to a [`Schema`]: each statement is split out
//! with its line ([`split`](super::split)), parsed alone by sqlparser in
//! the history's dialect, and applied. A statement sqlparser cannot read
//! becomes a warning with its file and line and is skipped; statements
//! that do not shape tables, columns, indexes or views (DML, functions,
//! grants, extensions) are read and ignored.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use infrawise_core::Diagnostic;
use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, ColumnDef, ColumnOption,
    CreateIndex, CreateTable, CreateView, Expr, Ident, IndexColumn, ObjectName, ObjectType,
    RenameTableNameKind, Statement, TableConstraint, visit_expressions, visit_relations,
};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::model::{
    Column, ForeignKey, Index, Place, Schema, Table, View, postgres_name, serial_default,
};
use super::split::split;
use crate::relational::{self, Dialect};

/// Applies every statement of `text` (from `path`, whose first line is
/// `first_line`) to `schema`, in order.
pub(crate) fn apply_text(
    schema: &mut Schema,
    text: &str,
    first_line: u32,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let dialect = schema.dialect;
    for statement in split(text, first_line, dialect) {
        match parse_statements(dialect, statement.text) {
            Ok(parsed) => {
                for parsed in parsed {
                    let place = Place {
                        path: path.to_owned(),
                        line: statement.line,
                        extractor: "sql",
                        detail: summary(statement.text),
                    };
                    apply(schema, &parsed, &place);
                }
            }
            Err(error) => {
                let (message, line) = located(&error.to_string());
                diagnostics.push(Diagnostic::warning(
                    path,
                    Some(statement.line + line.saturating_sub(1)),
                    format!("statement skipped: sqlparser cannot read it ({message})"),
                ));
            }
        }
    }
}

fn parse_statements(
    dialect: Dialect,
    text: &str,
) -> Result<Vec<Statement>, sqlparser::parser::ParserError> {
    match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, text),
        Dialect::MySql => Parser::parse_sql(&MySqlDialect {}, text),
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, text),
    }
}

/// sqlparser's message without its prefix and position, and the 1-based
/// line within the statement it names.
fn located(message: &str) -> (String, u32) {
    let message = message
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("sql tokenizer error: ");
    match message.rfind(" at Line: ") {
        Some(at) => {
            let line = message[at + " at Line: ".len()..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            (message[..at].to_owned(), line)
        }
        None => (message.to_owned(), 1),
    }
}

/// The statement's words up to its first parenthesis, for evidence
/// (`CREATE TABLE orders`, `ALTER TABLE orders RENAME COLUMN state TO
/// status`), at most 80 characters.
fn summary(text: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        if word.starts_with("--") {
            break;
        }
        match word.find('(') {
            Some(0) => break,
            Some(at) => {
                words.push(&word[..at]);
                break;
            }
            None => words.push(word),
        }
    }
    let mut summary = words.join(" ");
    if summary.len() > 80 {
        let mut end = 77;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        summary.truncate(end);
        summary.push_str("...");
    }
    summary.trim_end_matches([',', ';']).to_owned()
}

pub(crate) fn ident(ident: &Ident) -> String {
    relational::identifier(&ident.to_string())
}

/// `(schema, name)` of an object name, the schema defaulting to the
/// dialect's.
pub(crate) fn qualified_name(dialect: Dialect, name: &ObjectName) -> (String, String) {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|part| match part.as_ident() {
            Some(i) => ident(i),
            None => part.to_string(),
        })
        .collect();
    match parts.as_slice() {
        [] => (dialect.default_schema().to_owned(), String::new()),
        [name] => (dialect.default_schema().to_owned(), name.clone()),
        [.., schema, name] => (schema.clone(), name.clone()),
    }
}

fn apply(schema: &mut Schema, statement: &Statement, place: &Place) {
    let dialect = schema.dialect;
    match statement {
        Statement::CreateTable(create) => create_table(schema, create, place),
        Statement::AlterTable(alter) => {
            let (table_schema, table) = qualified_name(dialect, &alter.name);
            for operation in &alter.operations {
                alter_table(schema, &table_schema, &table, operation, place);
            }
        }
        Statement::CreateIndex(create) => create_index(schema, create, place),
        Statement::CreateView(create) => create_view(schema, create, place),
        Statement::Drop {
            object_type,
            names,
            table,
            ..
        } => {
            for name in names {
                let (object_schema, object) = qualified_name(dialect, name);
                match object_type {
                    ObjectType::Table => {
                        schema.drop_table(&object_schema, &object);
                    }
                    ObjectType::View | ObjectType::MaterializedView => {
                        schema.views.remove(&(object_schema, object));
                    }
                    ObjectType::Index => {
                        let key = match table {
                            Some(table) => {
                                let (s, t) = qualified_name(dialect, table);
                                schema.index_key(&s, &t, &object)
                            }
                            None => schema.index_key(&object_schema, "", &object),
                        };
                        schema.indexes.remove(&key);
                    }
                    _ => {}
                }
            }
        }
        Statement::RenameTable(renames) => {
            for rename in renames {
                let (old_schema, old) = qualified_name(dialect, &rename.old_name);
                let (_, new) = qualified_name(dialect, &rename.new_name);
                schema.rename_table(&old_schema, &old, &new, place);
            }
        }
        Statement::AlterIndex {
            name,
            operation: AlterIndexOperation::RenameIndex { index_name },
        } => {
            let (index_schema, old) = qualified_name(dialect, name);
            let (_, new) = qualified_name(dialect, index_name);
            let old_key = schema.index_key(&index_schema, "", &old);
            if let Some(mut index) = schema.indexes.remove(&old_key) {
                index.place = place.clone();
                let key = schema.index_key(&index_schema, &index.table, &new);
                schema.indexes.insert(key, index);
            }
        }
        _ => {}
    }
}

fn create_table(schema: &mut Schema, create: &CreateTable, place: &Place) {
    let dialect = schema.dialect;
    let (table_schema, name) = qualified_name(dialect, &create.name);
    let key = (table_schema.clone(), name.clone());
    if create.if_not_exists && schema.tables.contains_key(&key) {
        return;
    }
    schema.drop_table(&table_schema, &name);
    schema.tables.insert(key, Table::new(place.clone()));
    for column in &create.columns {
        add_column(schema, &table_schema, &name, column, place);
    }
    for constraint in &create.constraints {
        add_constraint(schema, &table_schema, &name, constraint, place);
    }
}

/// Adds (or replaces) a column from its definition, with the constraints
/// written on it.
fn add_column(
    schema: &mut Schema,
    table_schema: &str,
    table: &str,
    def: &ColumnDef,
    place: &Place,
) {
    let dialect = schema.dialect;
    let name = ident(&def.name);
    let written_type = def.data_type.to_string();
    let lowered = written_type.to_ascii_lowercase();
    let serial = dialect == Dialect::Postgres
        && matches!(
            lowered.as_str(),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
        );
    let data_type = (!written_type.is_empty() && lowered != "unspecified")
        .then(|| relational::canonical_type(&written_type));
    let mut column = Column {
        name: name.clone(),
        data_type,
        nullable: !serial,
        default: serial.then(|| serial_default(table, &name)),
        primary_key: false,
        place: place.clone(),
    };
    let mut constraints = Vec::new();
    for option in &def.options {
        match &option.option {
            ColumnOption::Null => column.nullable = true,
            ColumnOption::NotNull | ColumnOption::Generated { .. } | ColumnOption::Identity(_) => {
                column.nullable = false;
            }
            ColumnOption::Default(expr) => {
                column.default = Some(relational::canonical_default(&expr.to_string()));
            }
            ColumnOption::PrimaryKey(pk) => {
                let mut pk = pk.clone();
                pk.columns = vec![IndexColumn::from(def.name.clone())];
                pk.name = pk.name.or_else(|| option.name.clone());
                constraints.push(TableConstraint::PrimaryKey(pk));
            }
            ColumnOption::Unique(unique) => {
                let mut unique = unique.clone();
                unique.columns = vec![IndexColumn::from(def.name.clone())];
                unique.name = unique.name.or_else(|| option.name.clone());
                constraints.push(TableConstraint::Unique(unique));
            }
            ColumnOption::ForeignKey(fk) => {
                let mut fk = fk.clone();
                fk.columns = vec![def.name.clone()];
                fk.name = fk.name.or_else(|| option.name.clone());
                constraints.push(TableConstraint::ForeignKey(fk));
            }
            _ => {}
        }
    }
    if let Some(t) = schema
        .tables
        .get_mut(&(table_schema.to_owned(), table.to_owned()))
    {
        t.put_column(column);
    }
    for constraint in &constraints {
        add_constraint(schema, table_schema, table, constraint, place);
    }
}

fn add_constraint(
    schema: &mut Schema,
    table_schema: &str,
    table: &str,
    constraint: &TableConstraint,
    place: &Place,
) {
    let dialect = schema.dialect;
    match constraint {
        TableConstraint::PrimaryKey(pk) => {
            let columns = index_columns(&pk.columns);
            if let Some(t) = schema
                .tables
                .get_mut(&(table_schema.to_owned(), table.to_owned()))
            {
                for name in &columns {
                    if let Some(column) = t.column_mut(name) {
                        column.primary_key = true;
                        // SQLite keeps its old rule: a primary key may hold NULL.
                        if dialect != Dialect::Sqlite {
                            column.nullable = false;
                        }
                    }
                }
            }
            let name = match (dialect, &pk.name) {
                (Dialect::MySql, _) => Some("PRIMARY".to_owned()),
                (_, Some(name)) => Some(ident(name)),
                (Dialect::Postgres, None) => Some(postgres_name(table, &columns, "pkey")),
                (Dialect::Sqlite, None) => None,
            };
            if let Some(name) = name {
                put_index(
                    schema,
                    table_schema,
                    table,
                    &name,
                    columns,
                    true,
                    true,
                    place,
                );
            }
        }
        TableConstraint::Unique(unique) => {
            let columns = index_columns(&unique.columns);
            let name = match (&unique.name, &unique.index_name) {
                (Some(name), _) | (None, Some(name)) => Some(ident(name)),
                (None, None) => match dialect {
                    Dialect::Postgres => Some(postgres_name(table, &columns, "key")),
                    Dialect::MySql => columns.first().cloned(),
                    Dialect::Sqlite => None,
                },
            };
            if let Some(name) = name {
                put_index(
                    schema,
                    table_schema,
                    table,
                    &name,
                    columns,
                    true,
                    true,
                    place,
                );
            }
        }
        TableConstraint::Index(index) => {
            let columns = index_columns(&index.columns);
            let name = index
                .name
                .as_ref()
                .map(ident)
                .or_else(|| columns.first().cloned());
            if let Some(name) = name {
                put_index(
                    schema,
                    table_schema,
                    table,
                    &name,
                    columns,
                    false,
                    false,
                    place,
                );
            }
        }
        TableConstraint::ForeignKey(fk) => {
            let columns: Vec<String> = fk.columns.iter().map(ident).collect();
            let (ref_schema, ref_table) = qualified_name(dialect, &fk.foreign_table);
            let name = fk.name.as_ref().map(ident).or_else(|| {
                (dialect == Dialect::Postgres).then(|| postgres_name(table, &columns, "fkey"))
            });
            if let Some(t) = schema
                .tables
                .get_mut(&(table_schema.to_owned(), table.to_owned()))
            {
                t.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    ref_schema,
                    ref_table,
                    ref_columns: fk.referred_columns.iter().map(ident).collect(),
                    place: place.clone(),
                });
            }
        }
        _ => {}
    }
}

#[expect(clippy::too_many_arguments, reason = "an index is these facts")]
fn put_index(
    schema: &mut Schema,
    table_schema: &str,
    table: &str,
    name: &str,
    columns: Vec<String>,
    unique: bool,
    constraint: bool,
    place: &Place,
) {
    if !schema
        .tables
        .contains_key(&(table_schema.to_owned(), table.to_owned()))
    {
        return;
    }
    let method = default_method(schema.dialect);
    let key = schema.index_key(table_schema, table, name);
    schema.indexes.insert(
        key,
        Index {
            table: table.to_owned(),
            columns,
            unique,
            predicate: None,
            method,
            constraint,
            place: place.clone(),
        },
    );
}

fn default_method(dialect: Dialect) -> Option<String> {
    match dialect {
        Dialect::Postgres | Dialect::MySql => Some("btree".to_owned()),
        Dialect::Sqlite => None,
    }
}

/// The column names of index entries; an expression entry gives the
/// columns it mentions.
fn index_columns(columns: &[IndexColumn]) -> Vec<String> {
    let mut names = Vec::new();
    for column in columns {
        collect_columns(&column.column.expr, &mut names);
    }
    names
}

fn collect_columns(expr: &Expr, names: &mut Vec<String>) {
    let _ = visit_expressions(expr, |e| {
        match e {
            Expr::Identifier(i) => names.push(ident(i)),
            Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    names.push(ident(last));
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

fn alter_table(
    schema: &mut Schema,
    table_schema: &str,
    table: &str,
    operation: &AlterTableOperation,
    place: &Place,
) {
    let key = (table_schema.to_owned(), table.to_owned());
    if let Some(t) = schema.tables.get_mut(&key) {
        t.place = place.clone();
    } else {
        return;
    }
    match operation {
        AlterTableOperation::AddColumn {
            column_def,
            if_not_exists,
            ..
        } => {
            let exists = schema
                .tables
                .get_mut(&key)
                .is_some_and(|t| t.column_mut(&ident(&column_def.name)).is_some());
            if !(exists && *if_not_exists) {
                add_column(schema, table_schema, table, column_def, place);
            }
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for column in column_names {
                schema.drop_column(table_schema, table, &ident(column));
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            schema.rename_column(
                table_schema,
                table,
                &ident(old_column_name),
                &ident(new_column_name),
                place,
            );
        }
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::As(name) | RenameTableNameKind::To(name)) = table_name;
            let (_, new) = qualified_name(schema.dialect, name);
            schema.rename_table(table_schema, table, &new, place);
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let Some(t) = schema.tables.get_mut(&key) else {
                return;
            };
            let Some(column) = t.column_mut(&ident(column_name)) else {
                return;
            };
            column.place = place.clone();
            match op {
                AlterColumnOperation::SetNotNull | AlterColumnOperation::AddGenerated { .. } => {
                    column.nullable = false;
                }
                AlterColumnOperation::DropNotNull => column.nullable = true,
                AlterColumnOperation::SetDefault { value } => {
                    column.default = Some(relational::canonical_default(&value.to_string()));
                }
                AlterColumnOperation::DropDefault => column.default = None,
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    column.data_type = Some(relational::canonical_type(&data_type.to_string()));
                }
                AlterColumnOperation::GenericOptions { .. } => {}
            }
        }
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            ..
        } => {
            let old = ident(old_name);
            let new = ident(new_name);
            if old != new {
                schema.rename_column(table_schema, table, &old, &new, place);
            }
            redefine_column(
                schema,
                table_schema,
                table,
                new_name,
                data_type,
                options,
                place,
            );
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            ..
        } => redefine_column(
            schema,
            table_schema,
            table,
            col_name,
            data_type,
            options,
            place,
        ),
        AlterTableOperation::AddConstraint { constraint, .. } => {
            add_constraint(schema, table_schema, table, constraint, place);
        }
        AlterTableOperation::DropConstraint { name, .. }
        | AlterTableOperation::DropForeignKey { name, .. } => {
            drop_constraint(schema, table_schema, table, &ident(name));
        }
        AlterTableOperation::DropPrimaryKey { .. } => {
            let mut primary = Vec::new();
            if let Some(t) = schema.tables.get_mut(&key) {
                primary = t.primary_key();
                for column in &mut t.columns {
                    column.primary_key = false;
                }
            }
            schema.indexes.retain(|(s, _), index| {
                !(s == table_schema
                    && index.table == table
                    && index.constraint
                    && index.columns == primary)
            });
        }
        AlterTableOperation::DropIndex { name } => {
            let index = schema.index_key(table_schema, table, &ident(name));
            schema.indexes.remove(&index);
        }
        AlterTableOperation::RenameConstraint { old_name, new_name } => {
            let old = ident(old_name);
            let new = ident(new_name);
            let old_key = schema.index_key(table_schema, table, &old);
            if let Some(mut index) = schema.indexes.remove(&old_key) {
                index.place = place.clone();
                let key = schema.index_key(table_schema, table, &new);
                schema.indexes.insert(key, index);
            }
            if let Some(t) = schema.tables.get_mut(&key) {
                for fk in &mut t.foreign_keys {
                    if fk.name.as_deref() == Some(old.as_str()) {
                        fk.name = Some(new.clone());
                        fk.place = place.clone();
                    }
                }
            }
        }
        _ => {}
    }
}

/// MySQL's `MODIFY`/`CHANGE`: the column's whole definition is replaced,
/// keeping its primary-key membership.
fn redefine_column(
    schema: &mut Schema,
    table_schema: &str,
    table: &str,
    name: &Ident,
    data_type: &sqlparser::ast::DataType,
    options: &[ColumnOption],
    place: &Place,
) {
    let key = (table_schema.to_owned(), table.to_owned());
    let was_primary = schema
        .tables
        .get_mut(&key)
        .and_then(|t| t.column_mut(&ident(name)).map(|c| c.primary_key))
        .unwrap_or(false);
    let def = ColumnDef {
        name: name.clone(),
        data_type: data_type.clone(),
        options: options
            .iter()
            .map(|option| sqlparser::ast::ColumnOptionDef {
                name: None,
                option: option.clone(),
            })
            .collect(),
    };
    add_column(schema, table_schema, table, &def, place);
    if was_primary
        && let Some(column) = schema
            .tables
            .get_mut(&key)
            .and_then(|t| t.column_mut(&ident(name)))
    {
        column.primary_key = true;
        column.nullable = false;
    }
}

fn drop_constraint(schema: &mut Schema, table_schema: &str, table: &str, name: &str) {
    let index = schema.index_key(table_schema, table, name);
    if schema
        .indexes
        .get(&index)
        .is_some_and(|i| i.constraint && i.table == table)
    {
        let was_primary = schema.indexes.remove(&index).is_some_and(|i| {
            schema
                .tables
                .get(&(table_schema.to_owned(), table.to_owned()))
                .is_some_and(|t| {
                    let pk = t.primary_key();
                    !pk.is_empty() && pk == i.columns
                })
        });
        if was_primary
            && let Some(t) = schema
                .tables
                .get_mut(&(table_schema.to_owned(), table.to_owned()))
        {
            for column in &mut t.columns {
                column.primary_key = false;
            }
        }
    }
    if let Some(t) = schema
        .tables
        .get_mut(&(table_schema.to_owned(), table.to_owned()))
    {
        t.foreign_keys.retain(|fk| fk.name.as_deref() != Some(name));
    }
}

fn create_index(schema: &mut Schema, create: &CreateIndex, place: &Place) {
    let dialect = schema.dialect;
    let (table_schema, table) = qualified_name(dialect, &create.table_name);
    let columns = index_columns(&create.columns);
    let name = if let Some(name) = &create.name {
        qualified_name(dialect, name).1
    } else {
        {
            let mut parts = Vec::new();
            for column in &create.columns {
                match &column.column.expr {
                    Expr::Identifier(i) => parts.push(ident(i)),
                    _ => parts.push("expr".to_owned()),
                }
            }
            postgres_name(&table, &parts, "idx")
        }
    };
    let key = schema.index_key(&table_schema, &table, &name);
    if create.if_not_exists && schema.indexes.contains_key(&key) {
        return;
    }
    if !schema
        .tables
        .contains_key(&(table_schema.clone(), table.clone()))
    {
        return;
    }
    let method = create
        .using
        .as_ref()
        .map(|m| m.to_string().to_ascii_lowercase())
        .or_else(|| default_method(dialect));
    schema.indexes.insert(
        key,
        Index {
            table,
            columns,
            unique: create.unique,
            predicate: create.predicate.as_ref().map(ToString::to_string),
            method,
            constraint: false,
            place: place.clone(),
        },
    );
}

fn create_view(schema: &mut Schema, create: &CreateView, place: &Place) {
    let dialect = schema.dialect;
    let key = qualified_name(dialect, &create.name);
    if create.if_not_exists && schema.views.contains_key(&key) {
        return;
    }
    let ctes: BTreeSet<String> = create
        .query
        .with
        .iter()
        .flat_map(|with| &with.cte_tables)
        .map(|cte| ident(&cte.alias.name))
        .collect();
    let mut reads = BTreeSet::new();
    let _ = visit_relations(&*create.query, |name| {
        let read = qualified_name(dialect, name);
        let bare = name.0.len() == 1;
        if !(bare && ctes.contains(&read.1)) {
            reads.insert(read);
        }
        ControlFlow::<()>::Continue(())
    });
    schema.views.insert(
        key,
        View {
            materialized: create.materialized,
            reads: reads.into_iter().collect(),
            place: place.clone(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::{located, summary};

    #[test]
    fn parser_positions_become_lines() {
        assert_eq!(
            located("sql parser error: Expected: ), found: x at Line: 3, Column: 7"),
            ("Expected: ), found: x".to_owned(), 3)
        );
        assert_eq!(located("odd"), ("odd".to_owned(), 1));
    }

    #[test]
    fn summaries_are_short() {
        assert_eq!(
            summary("CREATE TABLE orders (\n id int\n)"),
            "CREATE TABLE orders"
        );
        assert_eq!(
            summary("ALTER TABLE orders RENAME COLUMN state TO status"),
            "ALTER TABLE orders RENAME COLUMN state TO status"
        );
    }
}
