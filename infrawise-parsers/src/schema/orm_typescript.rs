//! TypeORM entities, read through tree-sitter-typescript.
//!
//! Read: `@Entity()` classes (`@Entity("orders")`, `@Entity({ name,
//! schema })`; without a name, TypeORM's default naming strategy
//! snake-cases the class name), properties decorated with `@Column`,
//! `@PrimaryColumn`, `@PrimaryGeneratedColumn` (`increment` is `SERIAL`,
//! `uuid` defaults to `uuid_generate_v4()`, `identity` has no default),
//! `@CreateDateColumn`/`@UpdateDateColumn` (`timestamp`, `now()`),
//! `@DeleteDateColumn`, `@VersionColumn`, and `@ManyToOne`/`@OneToOne` with
//! `@JoinColumn` (a `<property>Id` column, or the `name` given, with a
//! foreign key to the target's primary key). Column options read: `type`
//! (or the first argument), `length`, `precision`, `scale`, `nullable`,
//! `default` (literals, and `() => "SQL"` as the SQL), `name`, `array`;
//! without a type, the property's TypeScript type (`string` is
//! `varchar`, `number` `integer`, `boolean`, `Date` `timestamp`).
//! Column names are the property names as written: TypeORM quotes them,
//! so `createdAt` stays `createdAt`. Named `@Index("name", [...])` on the
//! class or a property become indexes.
//!
//! Limits: the primary key, unique and unnamed indexes TypeORM names by
//! hash (`PK_…`, `UQ_…`, `IDX_…`) are not reproduced and left out; embedded
//! entities, table inheritance and many-to-many join tables are not read.

use std::collections::BTreeMap;
use std::path::Path;

use infrawise_core::Diagnostic;
use tree_sitter::{Node as TsNode, Parser};

use super::model::{Column, ForeignKey, Index, Place, Schema, Table, serial_default, snake_case};
use crate::relational::{self, Dialect};

/// A TypeScript expression, as far as decorators need one.
#[derive(Clone, Debug, PartialEq)]
enum Ts {
    Str(String),
    Number(String),
    Bool(bool),
    Null,
    Name(String),
    Object(Vec<(String, Ts)>),
    Array(Vec<Ts>),
    /// An arrow function's expression body.
    Arrow(Box<Ts>),
    Other(String),
}

impl Ts {
    fn field(&self, key: &str) -> Option<&Ts> {
        match self {
            Ts::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn string(&self) -> Option<&str> {
        match self {
            Ts::Str(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Decorator {
    name: String,
    args: Vec<Ts>,
    line: u32,
}

#[derive(Clone, Debug)]
struct Property {
    name: String,
    type_text: String,
    decorators: Vec<Decorator>,
    line: u32,
}

#[derive(Clone, Debug)]
struct Entity {
    file: usize,
    class: String,
    decorators: Vec<Decorator>,
    properties: Vec<Property>,
    line: u32,
}

const MAX_DEPTH: usize = 40;

fn convert(node: TsNode<'_>, src: &[u8], depth: usize) -> Ts {
    let text = || node.utf8_text(src).unwrap_or("").to_owned();
    if depth > MAX_DEPTH {
        return Ts::Other(text());
    }
    match node.kind() {
        "string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "string_fragment" || child.kind() == "escape_sequence" {
                    out.push_str(child.utf8_text(src).unwrap_or(""));
                }
            }
            Ts::Str(out)
        }
        "template_string" => {
            let raw = text();
            if raw.contains("${") {
                Ts::Other(raw)
            } else {
                Ts::Str(raw.trim_matches('`').to_owned())
            }
        }
        "number" | "unary_expression" => Ts::Number(text()),
        "true" => Ts::Bool(true),
        "false" => Ts::Bool(false),
        "null" | "undefined" => Ts::Null,
        "identifier" | "member_expression" | "property_identifier" => Ts::Name(text()),
        "object" => {
            let mut pairs = Vec::new();
            let mut cursor = node.walk();
            for pair in node.named_children(&mut cursor) {
                if pair.kind() != "pair" {
                    continue;
                }
                let (Some(key), Some(value)) = (
                    pair.child_by_field_name("key"),
                    pair.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let key = match convert(key, src, depth + 1) {
                    Ts::Str(s) | Ts::Name(s) => s,
                    other => format!("{other:?}"),
                };
                pairs.push((key, convert(value, src, depth + 1)));
            }
            Ts::Object(pairs)
        }
        "array" => {
            let mut cursor = node.walk();
            Ts::Array(
                node.named_children(&mut cursor)
                    .map(|c| convert(c, src, depth + 1))
                    .collect(),
            )
        }
        "arrow_function" => match node.child_by_field_name("body") {
            Some(body) if body.kind() != "statement_block" => {
                Ts::Arrow(Box::new(convert(body, src, depth + 1)))
            }
            _ => Ts::Other(text()),
        },
        "parenthesized_expression" => node
            .named_child(0)
            .map_or(Ts::Other(text()), |c| convert(c, src, depth + 1)),
        _ => Ts::Other(text()),
    }
}

fn decorators_of(node: TsNode<'_>, src: &[u8]) -> Vec<Decorator> {
    let mut found = Vec::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.kind() != "decorator" {
            continue;
        }
        let Some(inner) = child.named_child(0) else {
            continue;
        };
        let (name, args) = match inner.kind() {
            "call_expression" => {
                let name = inner
                    .child_by_field_name("function")
                    .and_then(|f| f.utf8_text(src).ok())
                    .unwrap_or("")
                    .to_owned();
                let mut args = Vec::new();
                if let Some(list) = inner.child_by_field_name("arguments") {
                    let mut cursor = list.walk();
                    for arg in list.named_children(&mut cursor) {
                        if arg.kind() != "comment" {
                            args.push(convert(arg, src, 0));
                        }
                    }
                }
                (name, args)
            }
            _ => (inner.utf8_text(src).unwrap_or("").to_owned(), Vec::new()),
        };
        let name = name.rsplit('.').next().unwrap_or(&name).to_owned();
        found.push(Decorator {
            name,
            args,
            line: child.start_position().row as u32 + 1,
        });
    }
    found
}

fn collect_entities(
    node: TsNode<'_>,
    src: &[u8],
    file: usize,
    depth: usize,
    out: &mut Vec<Entity>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "class_declaration" | "abstract_class_declaration" => {
                let mut decorators = decorators_of(child, src);
                if node.kind() == "export_statement" {
                    decorators.extend(decorators_of(node, src));
                }
                if !decorators.iter().any(|d| d.name == "Entity") {
                    continue;
                }
                let class = child
                    .child_by_field_name("name")
                    .and_then(|n| n.utf8_text(src).ok())
                    .unwrap_or("")
                    .to_owned();
                let mut properties = Vec::new();
                if let Some(body) = child.child_by_field_name("body") {
                    let mut cursor = body.walk();
                    for member in body.named_children(&mut cursor) {
                        if member.kind() != "public_field_definition" {
                            continue;
                        }
                        let decorators = decorators_of(member, src);
                        let name = member
                            .child_by_field_name("name")
                            .and_then(|n| n.utf8_text(src).ok())
                            .unwrap_or("")
                            .trim_matches(['"', '\''])
                            .to_owned();
                        let type_text = member
                            .child_by_field_name("type")
                            .and_then(|t| t.named_child(0))
                            .and_then(|t| t.utf8_text(src).ok())
                            .unwrap_or("")
                            .to_owned();
                        properties.push(Property {
                            name,
                            type_text,
                            decorators,
                            line: member.start_position().row as u32 + 1,
                        });
                    }
                }
                out.push(Entity {
                    file,
                    class,
                    decorators,
                    properties,
                    line: child.start_position().row as u32 + 1,
                });
            }
            "export_statement" => collect_entities(child, src, file, depth + 1, out),
            _ => {}
        }
    }
}

fn column_type(type_name: &str, options: Option<&Ts>) -> String {
    let number = |key: &str| match options.and_then(|o| o.field(key)) {
        Some(Ts::Number(n)) => Some(n.clone()),
        _ => None,
    };
    let base = match type_name.to_ascii_lowercase().as_str() {
        "string" | "varchar" | "character varying" => "varchar".to_owned(),
        "number" | "int" | "int4" | "integer" => "integer".to_owned(),
        "simple-json" | "simple-array" => "text".to_owned(),
        "boolean" | "bool" => "boolean".to_owned(),
        "date" if type_name == "Date" => "timestamp".to_owned(),
        other => other.to_owned(),
    };
    let text = match (
        base.as_str(),
        number("length"),
        number("precision"),
        number("scale"),
    ) {
        ("varchar" | "char" | "character", Some(length), _, _) => format!("{base}({length})"),
        ("decimal" | "numeric", _, Some(p), Some(s)) => format!("numeric({p},{s})"),
        ("decimal" | "numeric", _, Some(p), None) => format!("numeric({p})"),
        ("timestamp" | "timestamptz" | "time", _, Some(p), _) => format!("{base}({p})"),
        _ => base,
    };
    let array = matches!(options.and_then(|o| o.field("array")), Some(Ts::Bool(true)));
    let text = if array { format!("{text}[]") } else { text };
    relational::canonical_type(&text)
}

fn default_of(value: &Ts) -> Option<String> {
    let text = match value {
        Ts::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Ts::Number(n) => n.clone(),
        Ts::Bool(b) => b.to_string(),
        Ts::Arrow(body) => body.string()?.to_owned(),
        _ => return None,
    };
    Some(relational::canonical_default(&text))
}

/// Reads every entity of `files` (`(display path, text)`).
pub(crate) fn read(files: &[(&str, &str)], diagnostics: &mut Vec<Diagnostic>) -> Schema {
    let dialect = Dialect::Postgres;
    let mut schema = Schema::new(dialect);
    let mut parser = Parser::new();
    let mut entities = Vec::new();
    for (index, (path, text)) in files.iter().enumerate() {
        let tsx = Path::new(path)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsx") || e.eq_ignore_ascii_case("jsx"));
        let language = if tsx {
            tree_sitter_typescript::LANGUAGE_TSX
        } else {
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT
        };
        if parser.set_language(&language.into()).is_err() {
            continue;
        }
        let Some(tree) = parser.parse(text, None) else {
            diagnostics.push(Diagnostic::error(
                *path,
                None,
                "tree-sitter could not parse the file",
            ));
            continue;
        };
        collect_entities(tree.root_node(), text.as_bytes(), index, 0, &mut entities);
    }
    let path_of = |file: usize| files.get(file).map_or("", |(p, _)| *p).to_owned();
    let place = |file: usize, line: u32, detail: String| Place {
        path: path_of(file),
        line,
        extractor: "typeorm",
        detail,
    };
    // Class -> (schema, table, primary key column, its type).
    let mut tables: BTreeMap<String, (String, String, String, Option<String>)> = BTreeMap::new();
    for entity in &entities {
        let entity_decorator = entity.decorators.iter().find(|d| d.name == "Entity");
        let first = entity_decorator.and_then(|d| d.args.first());
        let options =
            entity_decorator.and_then(|d| d.args.iter().find(|a| matches!(a, Ts::Object(_))));
        let table = first
            .and_then(Ts::string)
            .or_else(|| options.and_then(|o| o.field("name")).and_then(Ts::string))
            .map_or_else(|| snake_case(&entity.class), str::to_owned);
        let table_schema = options
            .and_then(|o| o.field("schema"))
            .and_then(Ts::string)
            .map_or_else(|| dialect.default_schema().to_owned(), str::to_owned);
        let primary = entity
            .properties
            .iter()
            .find(|p| p.decorators.iter().any(|d| d.name.starts_with("Primary")));
        let (pk_column, pk_type) = primary.map_or(("id".to_owned(), None), |p| {
            let column = p
                .decorators
                .iter()
                .find_map(|d| {
                    d.args
                        .iter()
                        .find_map(|a| a.field("name"))
                        .and_then(Ts::string)
                })
                .map_or_else(|| p.name.clone(), str::to_owned);
            let generated = p
                .decorators
                .iter()
                .find(|d| d.name == "PrimaryGeneratedColumn");
            let data_type = match generated.and_then(|d| d.args.first()).and_then(Ts::string) {
                Some("uuid") => Some("uuid".to_owned()),
                _ if generated.is_some() => Some("integer".to_owned()),
                _ => Some(column_type(&p.type_text, None)),
            };
            (column, data_type)
        });
        tables.insert(
            entity.class.clone(),
            (table_schema, table, pk_column, pk_type),
        );
    }
    for entity in &entities {
        let Some((table_schema, table, _, _)) = tables.get(&entity.class).cloned() else {
            continue;
        };
        let mut declared = Table::new(place(
            entity.file,
            entity.line,
            format!("@Entity {}", entity.class),
        ));
        let mut indexes: Vec<(String, Vec<String>, bool, u32)> = Vec::new();
        for property in &entity.properties {
            let at = place(
                entity.file,
                property.line,
                format!("{}.{}", entity.class, property.name),
            );
            let mut column: Option<Column> = None;
            let mut relation_column: Option<String> = None;
            for decorator in &property.decorators {
                let options = decorator.args.iter().find(|a| matches!(a, Ts::Object(_)));
                let named_type = decorator.args.first().and_then(Ts::string);
                let column_name = options
                    .and_then(|o| o.field("name"))
                    .and_then(Ts::string)
                    .map_or_else(|| property.name.clone(), str::to_owned);
                let explicit_type = named_type
                    .or_else(|| options.and_then(|o| o.field("type")).and_then(Ts::string));
                let nullable = match options.and_then(|o| o.field("nullable")) {
                    Some(Ts::Bool(b)) => *b,
                    _ => false,
                };
                let default = options
                    .and_then(|o| o.field("default"))
                    .and_then(default_of);
                let base = Column {
                    name: column_name.clone(),
                    data_type: Some(column_type(
                        explicit_type.unwrap_or(&property.type_text),
                        options,
                    )),
                    nullable,
                    default,
                    primary_key: false,
                    place: at.clone(),
                };
                match decorator.name.as_str() {
                    "Column" => column = Some(base),
                    "PrimaryColumn" => {
                        column = Some(Column {
                            primary_key: true,
                            nullable: false,
                            ..base
                        });
                    }
                    "PrimaryGeneratedColumn" => {
                        let strategy = named_type.unwrap_or("increment");
                        let (data_type, default) = match strategy {
                            "uuid" => (
                                Some("uuid".to_owned()),
                                Some("uuid_generate_v4()".to_owned()),
                            ),
                            "identity" => (Some("integer".to_owned()), None),
                            _ => (
                                Some("integer".to_owned()),
                                Some(serial_default(&table, &column_name)),
                            ),
                        };
                        column = Some(Column {
                            data_type,
                            default,
                            primary_key: true,
                            nullable: false,
                            ..base
                        });
                    }
                    "CreateDateColumn" | "UpdateDateColumn" => {
                        let data_type = explicit_type.map_or_else(
                            || "timestamp without time zone".to_owned(),
                            |t| column_type(t, options),
                        );
                        column = Some(Column {
                            data_type: Some(data_type),
                            default: Some("now()".to_owned()),
                            ..base
                        });
                    }
                    "DeleteDateColumn" => {
                        let data_type = explicit_type.map_or_else(
                            || "timestamp without time zone".to_owned(),
                            |t| column_type(t, options),
                        );
                        column = Some(Column {
                            data_type: Some(data_type),
                            nullable: true,
                            ..base
                        });
                    }
                    "VersionColumn" => {
                        column = Some(Column {
                            data_type: Some("integer".to_owned()),
                            ..base
                        });
                    }
                    "ManyToOne" | "OneToOne" => {
                        let target = decorator.args.first().and_then(|a| match a {
                            Ts::Arrow(body) => match &**body {
                                Ts::Name(n) => Some(n.clone()),
                                _ => None,
                            },
                            Ts::Str(s) => Some(s.clone()),
                            _ => None,
                        });
                        relation_column = target;
                    }
                    "Index" => {
                        if let Some(name) = named_type {
                            indexes.push((
                                name.to_owned(),
                                vec![column_name],
                                options.and_then(|o| o.field("unique")) == Some(&Ts::Bool(true)),
                                decorator.line,
                            ));
                        }
                    }
                    _ => {}
                }
            }
            if let Some(target) = relation_column {
                let join = property.decorators.iter().find(|d| d.name == "JoinColumn");
                let owning =
                    join.is_some() || property.decorators.iter().any(|d| d.name == "ManyToOne");
                let Some((ref_schema, ref_table, ref_pk, ref_type)) = tables.get(&target).cloned()
                else {
                    continue;
                };
                if !owning {
                    continue;
                }
                let join_options = join.and_then(|d| d.args.first());
                let referenced = join_options
                    .and_then(|o| o.field("referencedColumnName"))
                    .and_then(Ts::string)
                    .map_or(ref_pk, str::to_owned);
                let name = join_options
                    .and_then(|o| o.field("name"))
                    .and_then(Ts::string)
                    .map_or_else(
                        || format!("{}{}", property.name, upper_first(&referenced)),
                        str::to_owned,
                    );
                let relation_options = property
                    .decorators
                    .iter()
                    .find(|d| d.name == "ManyToOne" || d.name == "OneToOne")
                    .and_then(|d| d.args.iter().find(|a| matches!(a, Ts::Object(_))));
                let nullable = !matches!(
                    relation_options.and_then(|o| o.field("nullable")),
                    Some(Ts::Bool(false))
                );
                if declared.columns.iter().all(|c| c.name != name) {
                    declared.put_column(Column {
                        name: name.clone(),
                        data_type: ref_type,
                        nullable,
                        default: None,
                        primary_key: false,
                        place: at.clone(),
                    });
                }
                declared.foreign_keys.push(ForeignKey {
                    name: None,
                    columns: vec![name],
                    ref_schema,
                    ref_table,
                    ref_columns: vec![referenced],
                    place: at.clone(),
                });
            }
            if let Some(column) = column {
                declared.put_column(column);
            }
        }
        for decorator in entity.decorators.iter().filter(|d| d.name == "Index") {
            let Some(name) = decorator.args.first().and_then(Ts::string) else {
                continue;
            };
            let columns: Vec<String> = decorator
                .args
                .iter()
                .find_map(|a| match a {
                    Ts::Array(items) => Some(
                        items
                            .iter()
                            .filter_map(Ts::string)
                            .map(str::to_owned)
                            .collect(),
                    ),
                    _ => None,
                })
                .unwrap_or_default();
            let unique = decorator
                .args
                .iter()
                .any(|a| a.field("unique") == Some(&Ts::Bool(true)));
            let columns = columns
                .into_iter()
                .map(|property| {
                    entity
                        .properties
                        .iter()
                        .find(|p| p.name == property)
                        .and_then(|p| {
                            p.decorators.iter().find_map(|d| {
                                d.args
                                    .iter()
                                    .find_map(|a| a.field("name"))
                                    .and_then(Ts::string)
                            })
                        })
                        .map_or(property, str::to_owned)
                })
                .collect();
            indexes.push((name.to_owned(), columns, unique, decorator.line));
        }
        schema
            .tables
            .insert((table_schema.clone(), table.clone()), declared);
        for (name, columns, unique, line) in indexes {
            let key = schema.index_key(&table_schema, &table, &name);
            schema.indexes.insert(
                key,
                Index {
                    table: table.clone(),
                    columns,
                    unique,
                    predicate: None,
                    method: Some("btree".to_owned()),
                    constraint: false,
                    place: place(entity.file, line, format!("@Index {name}")),
                },
            );
        }
    }
    schema
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::snake_case;
    use super::column_type;

    #[test]
    fn names_and_types_follow_typeorm() {
        assert_eq!(snake_case("OrderItem"), "order_item");
        assert_eq!(column_type("string", None), "character varying");
        assert_eq!(column_type("number", None), "integer");
        assert_eq!(column_type("Date", None), "timestamp without time zone");
    }
}
