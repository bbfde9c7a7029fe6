//! SQLAlchemy and Django models, read through tree-sitter-python.
//!
//! Each class body is turned into a small owned expression tree (`Py`)
//! and read by the ORM's rules, with types as each ORM creates them on
//! PostgreSQL:
//!
//! - **SQLAlchemy** (1.x `Column(...)`, 2.0 `Mapped[...]` with or without
//!   `mapped_column(...)`, Flask-SQLAlchemy `db.Column`, and Core
//!   `Table("name", metadata, Column(...))`): `__tablename__` (Flask's
//!   snake-cased class name without it), `__table_args__` (`Index`,
//!   `UniqueConstraint`, `{"schema": …}`), `primary_key`, `nullable`
//!   (`Optional[...]` in `Mapped`), `unique` (`<table>_<column>_key`),
//!   `index=True` (`ix_<table>_<column>`), `server_default` (the only
//!   default the database sees), `ForeignKey("table.column")`, and
//!   `Index("name", ...)` at module level. A single integer primary key is
//!   `SERIAL`, as SQLAlchemy creates it.
//! - **Django** (`models.Model` subclasses, abstract bases inherited):
//!   `Meta.db_table` or `<app label>_<model name>`, where the app label is
//!   the folder holding `models.py` (or the `models/` package); an implicit
//!   `id bigint` primary key (`DEFAULT_AUTO_FIELD = BigAutoField`); fields
//!   by class (`CharField(max_length=…)` is `varchar(n)`, `DateTimeField`
//!   is `timestamptz`, …); `null`, `unique`, `primary_key`, `db_column`,
//!   `db_default`; `ForeignKey`/`OneToOneField` as a `<field>_id` column
//!   with a foreign key to the target's primary key; `Meta.indexes` and
//!   `Meta.constraints` with names. Python-side `default=` values never
//!   reach the database and are not defaults here.
//!
//! Limits: Django's hashed index names (`db_index`, foreign keys,
//! `unique_together`) and `_like` indexes, many-to-many tables and
//! multi-table inheritance are not read; SQLAlchemy `Enum` and custom
//! types give no type.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use infrawise_core::Diagnostic;
use tree_sitter::{Node as TsNode, Parser};

use super::model::{
    Column, ForeignKey, Index, Place, Schema, Table, postgres_name, serial_default, snake_case,
};
use crate::relational::{self, Dialect};

/// One Python file to read models from.
#[derive(Clone, Debug)]
pub struct PythonInput<'a> {
    /// The path shown in evidence.
    pub path: &'a str,
    /// The source.
    pub text: &'a str,
    /// The Django app label of models in this file.
    pub app_label: String,
}

/// The Django app label of a models file: the folder holding `models.py`,
/// or for a `models/` package the folder holding the package.
pub fn django_app_label(path: &Path, root: &Path) -> String {
    let parent = path.parent().unwrap_or(root);
    let folder = if parent.file_name().is_some_and(|n| n == "models") {
        parent.parent().unwrap_or(parent)
    } else {
        parent
    };
    folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A Python expression, as far as model declarations need one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Py {
    Str(String),
    Number(String),
    Bool(bool),
    None,
    /// A name or dotted name (`Integer`, `sa.String`, `models.CASCADE`).
    Name(String),
    Call {
        function: String,
        args: Vec<Py>,
        kwargs: Vec<(String, Py)>,
    },
    /// A subscript (`Mapped[Optional[str]]`): the value and its index.
    Subscript(String, Box<Py>),
    /// `a | b`.
    Union(Box<Py>, Box<Py>),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    Other(String),
}

impl Py {
    fn kwarg(&self, name: &str) -> Option<&Py> {
        match self {
            Py::Call { kwargs, .. } => kwargs.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    fn flag(&self, name: &str) -> Option<bool> {
        match self.kwarg(name)? {
            Py::Bool(value) => Some(*value),
            _ => None,
        }
    }

    fn string(&self) -> Option<&str> {
        match self {
            Py::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The last segment of a call's function or a name (`sa.Column` → `Column`).
    fn short_name(&self) -> &str {
        let full = match self {
            Py::Call { function, .. } => function.as_str(),
            Py::Name(name) => name.as_str(),
            _ => "",
        };
        full.rsplit('.').next().unwrap_or(full)
    }

    fn args(&self) -> &[Py] {
        match self {
            Py::Call { args, .. } => args,
            _ => &[],
        }
    }
}

/// One assignment in a class or module body.
#[derive(Clone, Debug)]
struct Assign {
    target: String,
    annotation: Option<Py>,
    value: Option<Py>,
    line: u32,
}

#[derive(Clone, Debug)]
struct Class {
    file: usize,
    name: String,
    bases: Vec<String>,
    line: u32,
    body: Vec<Assign>,
    meta: Vec<Assign>,
}

#[derive(Debug, Default)]
struct FileModel {
    classes: Vec<Class>,
    module: Vec<Assign>,
    /// Bare calls at module level (`Index("ix", Order.status)`).
    calls: Vec<(Py, u32)>,
}

const MAX_DEPTH: usize = 40;

fn convert(node: TsNode<'_>, src: &[u8], depth: usize) -> Py {
    let text = || node.utf8_text(src).unwrap_or("").to_owned();
    if depth > MAX_DEPTH {
        return Py::Other(text());
    }
    match node.kind() {
        "string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if child.kind() == "string_content" {
                    out.push_str(child.utf8_text(src).unwrap_or(""));
                }
            }
            Py::Str(out)
        }
        "integer" | "float" | "unary_operator" => Py::Number(text()),
        "true" => Py::Bool(true),
        "false" => Py::Bool(false),
        "none" => Py::None,
        "identifier" | "attribute" => Py::Name(text()),
        "call" => {
            let function = node
                .child_by_field_name("function")
                .map(|f| f.utf8_text(src).unwrap_or("").to_owned())
                .unwrap_or_default();
            let mut args = Vec::new();
            let mut kwargs = Vec::new();
            if let Some(list) = node.child_by_field_name("arguments") {
                let mut cursor = list.walk();
                for arg in list.named_children(&mut cursor) {
                    if arg.kind() == "keyword_argument" {
                        let name = arg
                            .child_by_field_name("name")
                            .and_then(|n| n.utf8_text(src).ok())
                            .unwrap_or("")
                            .to_owned();
                        let value = arg
                            .child_by_field_name("value")
                            .map_or(Py::None, |v| convert(v, src, depth + 1));
                        kwargs.push((name, value));
                    } else if arg.kind() != "comment" {
                        args.push(convert(arg, src, depth + 1));
                    }
                }
            }
            Py::Call {
                function,
                args,
                kwargs,
            }
        }
        "subscript" => {
            let value = node
                .child_by_field_name("value")
                .and_then(|v| v.utf8_text(src).ok())
                .unwrap_or("")
                .to_owned();
            let index = node
                .child_by_field_name("subscript")
                .map_or(Py::None, |s| convert(s, src, depth + 1));
            Py::Subscript(value, Box::new(index))
        }
        "binary_operator" => {
            let left = node.child_by_field_name("left");
            let right = node.child_by_field_name("right");
            let operator = node
                .child_by_field_name("operator")
                .and_then(|o| o.utf8_text(src).ok());
            match (left, right, operator) {
                (Some(l), Some(r), Some("|")) => Py::Union(
                    Box::new(convert(l, src, depth + 1)),
                    Box::new(convert(r, src, depth + 1)),
                ),
                _ => Py::Other(text()),
            }
        }
        "list" | "tuple" | "parenthesized_expression" => {
            let mut cursor = node.walk();
            let items: Vec<Py> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .map(|c| convert(c, src, depth + 1))
                .collect();
            if node.kind() == "parenthesized_expression" && items.len() == 1 {
                items.into_iter().next().unwrap_or(Py::None)
            } else {
                Py::List(items)
            }
        }
        "dictionary" => {
            let mut cursor = node.walk();
            let pairs = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "pair")
                .filter_map(|pair| {
                    let key = pair.child_by_field_name("key")?;
                    let value = pair.child_by_field_name("value")?;
                    Some((convert(key, src, depth + 1), convert(value, src, depth + 1)))
                })
                .collect();
            Py::Dict(pairs)
        }
        "generic_type" => {
            let mut cursor = node.walk();
            let children: Vec<TsNode<'_>> = node.named_children(&mut cursor).collect();
            let name = children
                .first()
                .and_then(|n| n.utf8_text(src).ok())
                .unwrap_or("")
                .to_owned();
            let inner = children
                .iter()
                .find(|c| c.kind() == "type_parameter")
                .and_then(|p| p.named_child(0))
                .map_or(Py::None, |t| convert(t, src, depth + 1));
            Py::Subscript(name, Box::new(inner))
        }
        "union_type" => match (node.named_child(0), node.named_child(1)) {
            (Some(l), Some(r)) => Py::Union(
                Box::new(convert(l, src, depth + 1)),
                Box::new(convert(r, src, depth + 1)),
            ),
            _ => Py::Other(text()),
        },
        "type" => node
            .named_child(0)
            .map_or(Py::Other(text()), |c| convert(c, src, depth + 1)),
        _ => Py::Other(text()),
    }
}

fn line_of(node: TsNode<'_>) -> u32 {
    node.start_position().row as u32 + 1
}

/// The assignments of a block (a class body or the module).
fn assignments(block: TsNode<'_>, src: &[u8]) -> (Vec<Assign>, Vec<(Py, u32)>) {
    let mut assigns = Vec::new();
    let mut calls = Vec::new();
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        if statement.kind() != "expression_statement" {
            continue;
        }
        let Some(expression) = statement.named_child(0) else {
            continue;
        };
        match expression.kind() {
            "assignment" => {
                let Some(left) = expression.child_by_field_name("left") else {
                    continue;
                };
                if left.kind() != "identifier" {
                    continue;
                }
                assigns.push(Assign {
                    target: left.utf8_text(src).unwrap_or("").to_owned(),
                    annotation: expression
                        .child_by_field_name("type")
                        .map(|t| convert(t, src, 0)),
                    value: expression
                        .child_by_field_name("right")
                        .map(|v| convert(v, src, 0)),
                    line: line_of(statement),
                });
            }
            "call" => calls.push((convert(expression, src, 0), line_of(statement))),
            _ => {}
        }
    }
    (assigns, calls)
}

fn file_model(root: TsNode<'_>, src: &[u8], file: usize) -> FileModel {
    let (module, calls) = assignments(root, src);
    let mut model = FileModel {
        classes: Vec::new(),
        module,
        calls,
    };
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let class = match statement.kind() {
            "class_definition" => statement,
            "decorated_definition" => match statement.child_by_field_name("definition") {
                Some(d) if d.kind() == "class_definition" => d,
                _ => continue,
            },
            _ => continue,
        };
        let name = class
            .child_by_field_name("name")
            .and_then(|n| n.utf8_text(src).ok())
            .unwrap_or("")
            .to_owned();
        let mut bases = Vec::new();
        if let Some(list) = class.child_by_field_name("superclasses") {
            let mut cursor = list.walk();
            for base in list.named_children(&mut cursor) {
                if base.kind() != "keyword_argument" {
                    bases.push(base.utf8_text(src).unwrap_or("").to_owned());
                }
            }
        }
        let Some(body) = class.child_by_field_name("body") else {
            continue;
        };
        let (assigns, _) = assignments(body, src);
        let mut meta = Vec::new();
        let mut cursor = body.walk();
        for inner in body.named_children(&mut cursor) {
            if inner.kind() == "class_definition"
                && inner
                    .child_by_field_name("name")
                    .and_then(|n| n.utf8_text(src).ok())
                    == Some("Meta")
                && let Some(meta_body) = inner.child_by_field_name("body")
            {
                meta = assignments(meta_body, src).0;
            }
        }
        model.classes.push(Class {
            file,
            name,
            bases,
            line: line_of(class),
            body: assigns,
            meta,
        });
    }
    model
}

/// Reads the models of every file: one schema for SQLAlchemy, one for
/// Django (each left out when empty).
pub(crate) fn read(inputs: &[PythonInput<'_>], diagnostics: &mut Vec<Diagnostic>) -> Vec<Schema> {
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let mut files = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let Some(tree) = parser.parse(input.text, None) else {
            diagnostics.push(Diagnostic::error(
                input.path,
                None,
                "tree-sitter could not parse the file",
            ));
            files.push(FileModel::default());
            continue;
        };
        files.push(file_model(tree.root_node(), input.text.as_bytes(), index));
    }
    let mut schemas = Vec::new();
    let sqlalchemy = sqlalchemy(inputs, &files);
    if !sqlalchemy.tables.is_empty() {
        schemas.push(sqlalchemy);
    }
    let django = django(inputs, &files);
    if !django.tables.is_empty() {
        schemas.push(django);
    }
    schemas
}

fn place(
    inputs: &[PythonInput<'_>],
    file: usize,
    line: u32,
    extractor: &'static str,
    detail: String,
) -> Place {
    Place {
        path: inputs.get(file).map_or("", |i| i.path).to_owned(),
        line,
        extractor,
        detail,
    }
}

// ---------------------------------------------------------------- SQLAlchemy

/// A column read from a SQLAlchemy declaration, before its table is known.
struct SaColumn {
    column: Column,
    unique: bool,
    index: bool,
    foreign_key: Option<String>,
}

fn sqlalchemy_type(py: &Py) -> Option<String> {
    let args = py.args();
    let first_number = args.iter().find_map(|a| match a {
        Py::Number(n) => Some(n.clone()),
        _ => None,
    });
    let numbers: Vec<String> = args
        .iter()
        .filter_map(|a| match a {
            Py::Number(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    let length = first_number.or_else(|| match py.kwarg("length") {
        Some(Py::Number(n)) => Some(n.clone()),
        _ => None,
    });
    let text = match py.short_name() {
        "Integer" | "INTEGER" | "INT" => "integer".to_owned(),
        "BigInteger" | "BIGINT" => "bigint".to_owned(),
        "SmallInteger" | "SMALLINT" => "smallint".to_owned(),
        "String" | "Unicode" | "VARCHAR" | "NVARCHAR" => match length {
            Some(n) => format!("varchar({n})"),
            None => "varchar".to_owned(),
        },
        "CHAR" => format!("char({})", length.unwrap_or_else(|| "1".to_owned())),
        "Text" | "UnicodeText" | "TEXT" => "text".to_owned(),
        "Boolean" | "BOOLEAN" => "boolean".to_owned(),
        "DateTime" | "TIMESTAMP" => {
            let zoned =
                py.flag("timezone") == Some(true) || py.args().first() == Some(&Py::Bool(true));
            if zoned {
                "timestamptz".to_owned()
            } else {
                "timestamp".to_owned()
            }
        }
        "Date" | "DATE" => "date".to_owned(),
        "Time" | "TIME" => "time".to_owned(),
        "Float" | "FLOAT" | "Double" | "DOUBLE_PRECISION" => "double precision".to_owned(),
        "REAL" => "real".to_owned(),
        "Numeric" | "NUMERIC" | "DECIMAL" => match numbers.as_slice() {
            [p, s, ..] => format!("numeric({p},{s})"),
            [p] => format!("numeric({p})"),
            [] => "numeric".to_owned(),
        },
        "JSON" => "json".to_owned(),
        "JSONB" => "jsonb".to_owned(),
        "UUID" | "Uuid" => "uuid".to_owned(),
        "LargeBinary" | "BYTEA" => "bytea".to_owned(),
        "Interval" | "INTERVAL" => "interval".to_owned(),
        "INET" => "inet".to_owned(),
        "ARRAY" => {
            return args
                .first()
                .and_then(sqlalchemy_type)
                .map(|t| format!("{t}[]"));
        }
        _ => return None,
    };
    Some(relational::canonical_type(&text))
}

/// The type `Mapped[...]` implies, and whether it is optional.
fn mapped_type(annotation: &Py) -> Option<(Option<String>, bool)> {
    let Py::Subscript(name, inner) = annotation else {
        return None;
    };
    if name.rsplit('.').next() != Some("Mapped") {
        return None;
    }
    let (inner, optional) = unwrap_optional(inner);
    let python = match inner {
        Py::Name(n) => n.rsplit('.').next().unwrap_or(n).to_owned(),
        _ => String::new(),
    };
    let data_type = match python.as_str() {
        "int" => Some("integer"),
        "str" => Some("varchar"),
        "bool" => Some("boolean"),
        "float" => Some("double precision"),
        "datetime" => Some("timestamp"),
        "date" => Some("date"),
        "time" => Some("time"),
        "Decimal" => Some("numeric"),
        "UUID" => Some("uuid"),
        "bytes" => Some("bytea"),
        "timedelta" => Some("interval"),
        _ => None,
    };
    Some((data_type.map(relational::canonical_type), optional))
}

fn unwrap_optional(py: &Py) -> (&Py, bool) {
    match py {
        Py::Subscript(name, inner) if name.rsplit('.').next() == Some("Optional") => (inner, true),
        Py::Union(left, right) if **right == Py::None => (left, true),
        Py::Union(left, right) if **left == Py::None => (right, true),
        other => (other, false),
    }
}

fn server_default(py: &Py) -> Option<String> {
    let text = match py {
        Py::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Py::Number(n) => n.clone(),
        Py::Bool(b) => b.to_string(),
        Py::Call { function, args, .. } => {
            let short = function.rsplit('.').next().unwrap_or(function);
            if short == "text" || short == "literal_column" {
                args.first().and_then(Py::string)?.to_owned()
            } else if function.starts_with("func.") || function.contains(".func.") {
                format!("{short}()")
            } else if short == "true" || short == "false" {
                short.to_owned()
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(relational::canonical_default(&text))
}

/// Reads `Column(...)` / `mapped_column(...)` (or a bare `Mapped[...]`).
fn sqlalchemy_column(
    attribute: &str,
    annotation: Option<&Py>,
    value: Option<&Py>,
    place: Place,
) -> Option<SaColumn> {
    let mapped = annotation.and_then(mapped_type);
    let call = match value {
        Some(call @ Py::Call { .. }) if matches!(call.short_name(), "Column" | "mapped_column") => {
            Some(call)
        }
        Some(_) => return None,
        None => None,
    };
    if call.is_none() && mapped.is_none() {
        return None;
    }
    let mut name = attribute.to_owned();
    let mut data_type = mapped.as_ref().and_then(|(t, _)| t.clone());
    let mut foreign_key = None;
    if let Some(call) = call {
        for arg in call.args() {
            match arg {
                Py::Str(s) => s.clone_into(&mut name),
                Py::Call { .. } if arg.short_name() == "ForeignKey" => {
                    foreign_key = arg.args().first().map(py_reference);
                }
                Py::Call { .. } | Py::Name(_) => {
                    if let Some(t) = sqlalchemy_type(arg) {
                        data_type = Some(t);
                    }
                }
                _ => {}
            }
        }
        if let Some(Py::Str(s)) = call.kwarg("name") {
            s.clone_into(&mut name);
        }
    }
    let flag = |key: &str| call.and_then(|c| c.flag(key));
    let primary_key = flag("primary_key").unwrap_or(false);
    let nullable = match flag("nullable") {
        Some(nullable) => nullable,
        None if primary_key => false,
        None => match (&mapped, call.map(Py::short_name)) {
            (Some((_, optional)), _) => *optional,
            (None, _) => true,
        },
    };
    Some(SaColumn {
        column: Column {
            name,
            data_type,
            nullable: nullable && !primary_key,
            default: call
                .and_then(|c| c.kwarg("server_default"))
                .and_then(server_default),
            primary_key,
            place,
        },
        unique: flag("unique").unwrap_or(false),
        index: flag("index").unwrap_or(false),
        foreign_key,
    })
}

/// `"table.column"` or `Class.attribute` as text.
fn py_reference(py: &Py) -> String {
    match py {
        Py::Str(s) | Py::Name(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

fn is_sqlalchemy_model(class: &Class) -> bool {
    class.body.iter().any(|a| a.target == "__tablename__")
        || (class.bases.iter().any(|b| b.ends_with(".Model"))
            && class.body.iter().any(|a| {
                a.value
                    .as_ref()
                    .is_some_and(|v| matches!(v.short_name(), "Column" | "mapped_column"))
                    || a.annotation
                        .as_ref()
                        .is_some_and(|t| mapped_type(t).is_some())
            }))
}

fn sqlalchemy(inputs: &[PythonInput<'_>], files: &[FileModel]) -> Schema {
    let dialect = Dialect::Postgres;
    let mut schema = Schema::new(dialect);
    // Class name -> (schema, table), and (class, attribute) -> column, for references.
    let mut classes: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut attributes: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut pending_fks: Vec<(String, String, String, String, Place)> = Vec::new();
    let mut pending_indexes: Vec<(Py, usize, u32)> = Vec::new();
    for (file_index, file) in files.iter().enumerate() {
        if !inputs
            .get(file_index)
            .is_some_and(|i| i.text.contains("sqlalchemy"))
        {
            continue;
        }
        for class in file.classes.iter().filter(|c| is_sqlalchemy_model(c)) {
            let table = class
                .body
                .iter()
                .find(|a| a.target == "__tablename__")
                .and_then(|a| a.value.as_ref()?.string().map(str::to_owned))
                .unwrap_or_else(|| snake_case(&class.name));
            let table_args = class
                .body
                .iter()
                .find(|a| a.target == "__table_args__")
                .and_then(|a| a.value.clone());
            let table_schema = table_args
                .as_ref()
                .and_then(|args| {
                    let dicts: Vec<&Py> = match args {
                        Py::List(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    dicts.into_iter().find_map(|d| match d {
                        Py::Dict(pairs) => pairs.iter().find_map(|(k, v)| {
                            (k.string() == Some("schema"))
                                .then(|| v.string().map(str::to_owned))
                                .flatten()
                        }),
                        _ => None,
                    })
                })
                .unwrap_or_else(|| dialect.default_schema().to_owned());
            classes.insert(class.name.clone(), (table_schema.clone(), table.clone()));
            let table_place = place(
                inputs,
                class.file,
                class.line,
                "sqlalchemy",
                format!("class {}", class.name),
            );
            let mut columns = Vec::new();
            for assign in &class.body {
                let column_place = place(
                    inputs,
                    class.file,
                    assign.line,
                    "sqlalchemy",
                    format!("{}.{}", class.name, assign.target),
                );
                if let Some(column) = sqlalchemy_column(
                    &assign.target,
                    assign.annotation.as_ref(),
                    assign.value.as_ref(),
                    column_place,
                ) {
                    attributes.insert(
                        (class.name.clone(), assign.target.clone()),
                        column.column.name.clone(),
                    );
                    columns.push(column);
                }
            }
            add_sqlalchemy_table(
                &mut schema,
                &table_schema,
                &table,
                table_place,
                columns,
                &mut pending_fks,
            );
            if let Some(args) = table_args {
                let items = match args {
                    Py::List(items) => items,
                    other => vec![other],
                };
                for item in items {
                    pending_indexes.push((
                        with_table_arg(item, &class.name),
                        class.file,
                        class.line,
                    ));
                }
            }
        }
        // Core tables: `orders = Table("orders", metadata, Column(...), ...)`.
        for assign in &file.module {
            let Some(call @ Py::Call { .. }) = &assign.value else {
                continue;
            };
            if call.short_name() != "Table" {
                continue;
            }
            let Some(table) = call.args().first().and_then(Py::string).map(str::to_owned) else {
                continue;
            };
            let table_schema = call
                .kwarg("schema")
                .and_then(Py::string)
                .map_or_else(|| dialect.default_schema().to_owned(), str::to_owned);
            let table_place = place(
                inputs,
                file_index,
                assign.line,
                "sqlalchemy",
                format!("Table {table}"),
            );
            let mut columns = Vec::new();
            for arg in call.args().iter().skip(1) {
                let detail = format!("Table {table} column");
                let column_place = place(inputs, file_index, assign.line, "sqlalchemy", detail);
                if let Some(column) = sqlalchemy_column("", None, Some(arg), column_place) {
                    columns.push(column);
                } else if matches!(
                    arg.short_name(),
                    "Index" | "UniqueConstraint" | "PrimaryKeyConstraint"
                ) {
                    pending_indexes.push((
                        with_table_arg(arg.clone(), &format!("={table_schema}.{table}")),
                        file_index,
                        assign.line,
                    ));
                }
            }
            add_sqlalchemy_table(
                &mut schema,
                &table_schema,
                &table,
                table_place,
                columns,
                &mut pending_fks,
            );
        }
        for (call, line) in &file.calls {
            if call.short_name() == "Index" {
                pending_indexes.push((call.clone(), file_index, *line));
            }
        }
    }
    for (call, file, line) in pending_indexes {
        sqlalchemy_index(
            &mut schema,
            &classes,
            &attributes,
            &call,
            place(inputs, file, line, "sqlalchemy", String::new()),
        );
    }
    for (table_schema, table, column, reference, fk_place) in pending_fks {
        let (ref_schema, ref_table, ref_column) =
            resolve_reference(&reference, &classes, &attributes, dialect);
        // A column declared only by its foreign key takes the referenced column's type.
        let referenced_type = ref_column.as_ref().and_then(|c| {
            schema
                .tables
                .get(&(ref_schema.clone(), ref_table.clone()))?
                .columns
                .iter()
                .find(|col| col.name == *c)?
                .data_type
                .clone()
        });
        if let Some(t) = schema.tables.get_mut(&(table_schema, table.clone())) {
            if let Some(col) = t.column_mut(&column)
                && col.data_type.is_none()
            {
                col.data_type = referenced_type;
            }
            t.foreign_keys.push(ForeignKey {
                name: Some(postgres_name(&table, std::slice::from_ref(&column), "fkey")),
                columns: vec![column],
                ref_schema,
                ref_table,
                ref_columns: ref_column.into_iter().collect(),
                place: fk_place,
            });
        }
    }
    schema
}

/// Marks a `__table_args__` entry with the class it belongs to, as an
/// extra keyword the index reader takes the table from.
fn with_table_arg(py: Py, class: &str) -> Py {
    match py {
        Py::Call {
            function,
            args,
            mut kwargs,
        } => {
            kwargs.push(("__class__".to_owned(), Py::Name(class.to_owned())));
            Py::Call {
                function,
                args,
                kwargs,
            }
        }
        other => other,
    }
}

/// `"schema.table.column"`, `"table.column"` or `Class.attribute`.
fn resolve_reference(
    reference: &str,
    classes: &BTreeMap<String, (String, String)>,
    attributes: &BTreeMap<(String, String), String>,
    dialect: Dialect,
) -> (String, String, Option<String>) {
    let parts: Vec<&str> = reference.split('.').collect();
    if let [class, attribute] = parts.as_slice()
        && let Some((schema, table)) = classes.get(*class)
    {
        let column = attributes
            .get(&((*class).to_owned(), (*attribute).to_owned()))
            .cloned()
            .unwrap_or_else(|| (*attribute).to_owned());
        return (schema.clone(), table.clone(), Some(column));
    }
    match parts.as_slice() {
        [schema, table, column] => (
            (*schema).to_owned(),
            (*table).to_owned(),
            Some((*column).to_owned()),
        ),
        [table, column] => (
            dialect.default_schema().to_owned(),
            (*table).to_owned(),
            Some((*column).to_owned()),
        ),
        _ => (
            dialect.default_schema().to_owned(),
            reference.to_owned(),
            None,
        ),
    }
}

fn add_sqlalchemy_table(
    schema: &mut Schema,
    table_schema: &str,
    table: &str,
    table_place: Place,
    columns: Vec<SaColumn>,
    pending_fks: &mut Vec<(String, String, String, String, Place)>,
) {
    let mut declared = Table::new(table_place);
    let primary: Vec<String> = columns
        .iter()
        .filter(|c| c.column.primary_key)
        .map(|c| c.column.name.clone())
        .collect();
    let mut indexes = Vec::new();
    for mut sa in columns {
        // A lone integer primary key without a foreign key is SERIAL.
        let integer = matches!(
            sa.column.data_type.as_deref(),
            Some("integer" | "bigint" | "smallint")
        );
        if sa.column.primary_key
            && primary.len() == 1
            && integer
            && sa.foreign_key.is_none()
            && sa.column.default.is_none()
        {
            sa.column.default = Some(serial_default(table, &sa.column.name));
        }
        let name = sa.column.name.clone();
        if let Some(reference) = sa.foreign_key.take() {
            pending_fks.push((
                table_schema.to_owned(),
                table.to_owned(),
                name.clone(),
                reference,
                sa.column.place.clone(),
            ));
        }
        if sa.index {
            indexes.push((
                format!("ix_{table}_{name}"),
                vec![name.clone()],
                sa.unique,
                false,
                sa.column.place.clone(),
            ));
        } else if sa.unique {
            indexes.push((
                postgres_name(table, std::slice::from_ref(&name), "key"),
                vec![name.clone()],
                true,
                true,
                sa.column.place.clone(),
            ));
        }
        declared.put_column(sa.column);
    }
    if !primary.is_empty() {
        let pk_place = declared
            .columns
            .iter()
            .find(|c| c.primary_key)
            .map_or_else(|| declared.place.clone(), |c| c.place.clone());
        indexes.push((
            postgres_name(table, &primary, "pkey"),
            primary,
            true,
            true,
            pk_place,
        ));
    }
    schema
        .tables
        .insert((table_schema.to_owned(), table.to_owned()), declared);
    for (name, columns, unique, constraint, index_place) in indexes {
        let key = schema.index_key(table_schema, table, &name);
        schema.indexes.insert(
            key,
            Index {
                table: table.to_owned(),
                columns,
                unique,
                predicate: None,
                method: Some("btree".to_owned()),
                constraint,
                place: index_place,
            },
        );
    }
}

/// `Index("name", "col", Class.col, unique=True)` and
/// `UniqueConstraint("a", "b", name=...)`.
fn sqlalchemy_index(
    schema: &mut Schema,
    classes: &BTreeMap<String, (String, String)>,
    attributes: &BTreeMap<(String, String), String>,
    call: &Py,
    mut at: Place,
) {
    let kind = call.short_name().to_owned();
    if !matches!(kind.as_str(), "Index" | "UniqueConstraint") {
        return;
    }
    let mut args = call.args().iter();
    let mut name = match (kind.as_str(), call.args().first()) {
        ("Index", Some(Py::Str(name))) => {
            args.next();
            Some(name.clone())
        }
        _ => call.kwarg("name").and_then(Py::string).map(str::to_owned),
    };
    let owner = match call.kwarg("__class__") {
        Some(Py::Name(class)) => class.clone(),
        _ => String::new(),
    };
    let mut table: Option<(String, String)> = if let Some(qualified) = owner.strip_prefix('=') {
        qualified
            .split_once('.')
            .map(|(s, t)| (s.to_owned(), t.to_owned()))
    } else {
        classes.get(&owner).cloned()
    };
    let mut columns = Vec::new();
    for arg in args {
        match arg {
            Py::Str(column) => columns.push(column.clone()),
            Py::Name(reference) => {
                if let Some((class, attribute)) = reference.rsplit_once('.') {
                    let class = class.rsplit('.').next().unwrap_or(class);
                    if let Some(found) = classes.get(class) {
                        table.get_or_insert_with(|| found.clone());
                    }
                    let column = attributes
                        .get(&(class.to_owned(), attribute.to_owned()))
                        .cloned()
                        .unwrap_or_else(|| attribute.to_owned());
                    columns.push(column);
                }
            }
            _ => {}
        }
    }
    let Some((table_schema, table)) = table else {
        return;
    };
    let unique = kind == "UniqueConstraint" || call.flag("unique") == Some(true);
    let name = name
        .take()
        .unwrap_or_else(|| postgres_name(&table, &columns, if unique { "key" } else { "idx" }));
    let predicate = call.kwarg("postgresql_where").and_then(|w| match w {
        Py::Call { args, .. } => args.first().and_then(Py::string).map(str::to_owned),
        Py::Str(s) => Some(s.clone()),
        _ => None,
    });
    let method = call
        .kwarg("postgresql_using")
        .and_then(Py::string)
        .map_or_else(|| "btree".to_owned(), str::to_ascii_lowercase);
    at.detail = format!("{kind} {name}");
    let key = schema.index_key(&table_schema, &table, &name);
    if schema
        .tables
        .contains_key(&(table_schema.clone(), table.clone()))
    {
        schema.indexes.insert(
            key,
            Index {
                table,
                columns,
                unique,
                predicate,
                method: Some(method),
                constraint: kind == "UniqueConstraint",
                place: at,
            },
        );
    }
}

// -------------------------------------------------------------------- Django

fn django_type(field: &Py, kind: &str) -> Option<String> {
    let number = |key: &str| match field.kwarg(key) {
        Some(Py::Number(n)) => Some(n.clone()),
        _ => None,
    };
    let text = match kind {
        "AutoField" | "IntegerField" | "PositiveIntegerField" => "integer".to_owned(),
        "BigAutoField" | "BigIntegerField" | "PositiveBigIntegerField" => "bigint".to_owned(),
        "SmallAutoField" | "SmallIntegerField" | "PositiveSmallIntegerField" => {
            "smallint".to_owned()
        }
        "CharField" => format!("varchar({})", number("max_length")?),
        "SlugField" => format!(
            "varchar({})",
            number("max_length").unwrap_or_else(|| "50".to_owned())
        ),
        "EmailField" => format!(
            "varchar({})",
            number("max_length").unwrap_or_else(|| "254".to_owned())
        ),
        "URLField" => format!(
            "varchar({})",
            number("max_length").unwrap_or_else(|| "200".to_owned())
        ),
        "TextField" => "text".to_owned(),
        "BooleanField" | "NullBooleanField" => "boolean".to_owned(),
        "DateTimeField" => "timestamptz".to_owned(),
        "DateField" => "date".to_owned(),
        "TimeField" => "time".to_owned(),
        "DurationField" => "interval".to_owned(),
        "DecimalField" => format!(
            "numeric({},{})",
            number("max_digits")?,
            number("decimal_places")?
        ),
        "FloatField" => "double precision".to_owned(),
        "UUIDField" => "uuid".to_owned(),
        "JSONField" => "jsonb".to_owned(),
        "BinaryField" => "bytea".to_owned(),
        "GenericIPAddressField" => "inet".to_owned(),
        "FileField" | "ImageField" => format!(
            "varchar({})",
            number("max_length").unwrap_or_else(|| "100".to_owned())
        ),
        _ => return None,
    };
    Some(relational::canonical_type(&text))
}

fn is_django_field(py: &Py) -> bool {
    matches!(py, Py::Call { function, .. } if function.starts_with("models.") || function.ends_with("Field") || function.ends_with("ForeignKey"))
}

fn meta_value<'a>(class: &'a Class, key: &str) -> Option<&'a Py> {
    class
        .meta
        .iter()
        .find(|a| a.target == key)
        .and_then(|a| a.value.as_ref())
}

/// An index a Django model declares: name, columns, unique, owned by a
/// constraint, predicate, place.
type DjangoIndex = (String, Vec<String>, bool, bool, Option<String>, Place);

fn django(inputs: &[PythonInput<'_>], files: &[FileModel]) -> Schema {
    let dialect = Dialect::Postgres;
    let mut schema = Schema::new(dialect);
    let all: Vec<&Class> = files
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            inputs
                .get(*i)
                .is_some_and(|input| input.text.contains("django.db"))
        })
        .flat_map(|(_, f)| f.classes.iter())
        .collect();
    let by_name: BTreeMap<&str, &Class> = all.iter().map(|c| (c.name.as_str(), *c)).collect();
    let is_model = |class: &Class| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![class];
        while let Some(c) = stack.pop() {
            if !seen.insert(c.name.clone()) {
                continue;
            }
            for base in &c.bases {
                if base == "models.Model" || base == "Model" {
                    return true;
                }
                if let Some(parent) = by_name.get(base.rsplit('.').next().unwrap_or(base)) {
                    stack.push(parent);
                }
            }
        }
        false
    };
    let abstract_model =
        |class: &Class| matches!(meta_value(class, "abstract"), Some(Py::Bool(true)));
    let table_of = |class: &Class| -> String {
        if let Some(Py::Str(table)) = meta_value(class, "db_table") {
            return table.clone();
        }
        let label = match meta_value(class, "app_label") {
            Some(Py::Str(label)) => label.clone(),
            _ => inputs
                .get(class.file)
                .map(|i| i.app_label.clone())
                .unwrap_or_default(),
        };
        format!("{label}_{}", class.name.to_lowercase())
    };
    let models: Vec<&Class> = all
        .iter()
        .copied()
        .filter(|c| is_model(c) && !abstract_model(c))
        .collect();
    // Fields including those of abstract bases, base first.
    let fields_of = |class: &Class| -> Vec<(Assign, usize)> {
        let mut chain = vec![class];
        let mut current = class;
        while let Some(parent) = current
            .bases
            .iter()
            .find_map(|b| by_name.get(b.rsplit('.').next().unwrap_or(b)))
            .filter(|p| abstract_model(p))
        {
            if chain.iter().any(|c| c.name == parent.name) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
            .iter()
            .rev()
            .flat_map(|c| c.body.iter().map(|a| (a.clone(), c.file)))
            .collect()
    };
    let primary_of = |class: &Class| -> (String, Option<String>) {
        for (assign, _) in fields_of(class) {
            if let Some(field) = &assign.value
                && is_django_field(field)
                && field.flag("primary_key") == Some(true)
            {
                let column = match field.kwarg("db_column") {
                    Some(Py::Str(c)) => c.clone(),
                    _ => assign.target.clone(),
                };
                return (column, django_type(field, field.short_name()));
            }
        }
        ("id".to_owned(), Some("bigint".to_owned()))
    };
    for class in &models {
        let table = table_of(class);
        let table_schema = dialect.default_schema().to_owned();
        let mut declared = Table::new(place(
            inputs,
            class.file,
            class.line,
            "django",
            format!("class {}", class.name),
        ));
        let mut indexes: Vec<DjangoIndex> = Vec::new();
        let fields = fields_of(class);
        let has_primary = fields.iter().any(|(a, _)| {
            a.value
                .as_ref()
                .is_some_and(|f| is_django_field(f) && f.flag("primary_key") == Some(true))
        });
        if !has_primary {
            declared.put_column(Column {
                name: "id".to_owned(),
                data_type: Some("bigint".to_owned()),
                nullable: false,
                default: None,
                primary_key: true,
                place: declared.place.clone(),
            });
            indexes.push((
                postgres_name(&table, &[], "pkey"),
                vec!["id".to_owned()],
                true,
                true,
                None,
                declared.place.clone(),
            ));
        }
        for (assign, file) in &fields {
            let Some(field) = &assign.value else { continue };
            if !is_django_field(field) {
                continue;
            }
            let kind = field.short_name();
            let at = place(
                inputs,
                *file,
                assign.line,
                "django",
                format!("{}.{}", class.name, assign.target),
            );
            let relation = matches!(kind, "ForeignKey" | "OneToOneField");
            if kind == "ManyToManyField" {
                continue;
            }
            let mut column = match field.kwarg("db_column") {
                Some(Py::Str(c)) => c.clone(),
                _ => assign.target.clone(),
            };
            let mut data_type = django_type(field, kind);
            if relation {
                if !matches!(field.kwarg("db_column"), Some(Py::Str(_))) {
                    column = format!("{}_id", assign.target);
                }
                let target = match field.args().first().or_else(|| field.kwarg("to")) {
                    Some(Py::Name(n) | Py::Str(n)) => n.rsplit('.').next().unwrap_or(n).to_owned(),
                    _ => String::new(),
                };
                let target_class = if target == "self" {
                    Some(*class)
                } else {
                    by_name.get(target.as_str()).copied()
                };
                if let Some(target_class) = target_class {
                    let (ref_column, ref_type) = primary_of(target_class);
                    let ref_column = match field.kwarg("to_field") {
                        Some(Py::Str(f)) => f.clone(),
                        _ => ref_column,
                    };
                    data_type = ref_type;
                    declared.foreign_keys.push(ForeignKey {
                        name: None,
                        columns: vec![column.clone()],
                        ref_schema: table_schema.clone(),
                        ref_table: table_of(target_class),
                        ref_columns: vec![ref_column],
                        place: at.clone(),
                    });
                }
            }
            let primary_key = field.flag("primary_key") == Some(true);
            let unique = field.flag("unique") == Some(true) || kind == "OneToOneField";
            if primary_key {
                indexes.push((
                    postgres_name(&table, &[], "pkey"),
                    vec![column.clone()],
                    true,
                    true,
                    None,
                    at.clone(),
                ));
            } else if unique {
                indexes.push((
                    postgres_name(&table, std::slice::from_ref(&column), "key"),
                    vec![column.clone()],
                    true,
                    true,
                    None,
                    at.clone(),
                ));
            }
            declared.put_column(Column {
                name: column,
                data_type,
                nullable: field.flag("null") == Some(true) && !primary_key,
                default: field.kwarg("db_default").and_then(server_default),
                primary_key,
                place: at,
            });
        }
        let column_of = |field_name: &str| -> String {
            fields
                .iter()
                .find(|(a, _)| a.target == field_name)
                .and_then(|(a, _)| {
                    let f = a.value.as_ref()?;
                    if let Some(Py::Str(c)) = f.kwarg("db_column") {
                        return Some(c.clone());
                    }
                    matches!(f.short_name(), "ForeignKey" | "OneToOneField")
                        .then(|| format!("{field_name}_id"))
                })
                .unwrap_or_else(|| field_name.to_owned())
        };
        for (key, unique) in [("indexes", false), ("constraints", true)] {
            let Some(Py::List(items)) = meta_value(class, key) else {
                continue;
            };
            let line = class
                .meta
                .iter()
                .find(|a| a.target == key)
                .map_or(class.line, |a| a.line);
            for item in items {
                let kind = item.short_name();
                if !(kind == "Index" || kind == "UniqueConstraint") {
                    continue;
                }
                let Some(Py::Str(name)) = item.kwarg("name") else {
                    continue;
                };
                let columns: Vec<String> = match item.kwarg("fields") {
                    Some(Py::List(fields)) => fields
                        .iter()
                        .filter_map(Py::string)
                        .map(|f| column_of(f.trim_start_matches('-')))
                        .collect(),
                    _ => Vec::new(),
                };
                let at = place(
                    inputs,
                    class.file,
                    line,
                    "django",
                    format!("{}.Meta.{key} {name}", class.name),
                );
                indexes.push((
                    name.clone(),
                    columns,
                    unique || kind == "UniqueConstraint",
                    unique,
                    None,
                    at,
                ));
            }
        }
        schema
            .tables
            .insert((table_schema.clone(), table.clone()), declared);
        for (name, columns, unique, constraint, predicate, at) in indexes {
            let key = schema.index_key(&table_schema, &table, &name);
            schema.indexes.insert(
                key,
                Index {
                    table: table.clone(),
                    columns,
                    unique,
                    predicate,
                    method: Some("btree".to_owned()),
                    constraint,
                    place: at,
                },
            );
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::super::model::snake_case;

    #[test]
    fn class_names_snake_case_like_flask_sqlalchemy() {
        assert_eq!(snake_case("OrderItem"), "order_item");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("Order"), "order");
    }
}
