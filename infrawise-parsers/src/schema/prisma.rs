//! `schema.prisma`: models as the tables Prisma Migrate creates for them.
//!
//! Read: the `datasource` `provider` (the dialect), `model` blocks with
//! scalar fields (`String`, `Int`, …, `?` optional, `[]` lists, enums),
//! `@id`, `@unique`, `@default(…)`, `@map`, native types (`@db.VarChar(20)`),
//! `@relation(fields: […], references: […])`, and `@@id`, `@@unique`,
//! `@@index`, `@@map`, `@@schema`. Tables and indexes take the names
//! Prisma gives them (`<Model>_pkey`, `<Model>_<fields>_key`,
//! `<Model>_<fields>_idx`), types the ones its migrations write on each
//! provider; `autoincrement()` is a sequence default, `now()` is
//! `CURRENT_TIMESTAMP`, `uuid()`/`cuid()` are client-side and give no
//! database default. Relation fields are not columns; list relations and
//! implicit many-to-many tables are not read.

use std::collections::BTreeMap;

use infrawise_core::Diagnostic;

use super::model::{Column, ForeignKey, Index, Place, Schema, Table, serial_default};
use crate::relational::{self, Dialect};

/// The dialect of a Prisma `provider` name.
pub fn provider_dialect(provider: &str) -> Option<Dialect> {
    match provider {
        "postgresql" | "postgres" | "cockroachdb" => Some(Dialect::Postgres),
        "mysql" => Some(Dialect::MySql),
        "sqlite" => Some(Dialect::Sqlite),
        _ => None,
    }
}

/// One field line of a model.
#[derive(Debug)]
struct Field {
    name: String,
    type_name: String,
    optional: bool,
    list: bool,
    attributes: Vec<(String, String)>,
    line: u32,
}

impl Field {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, args)| args.as_str())
    }
}

#[derive(Debug)]
struct Model {
    name: String,
    line: u32,
    fields: Vec<Field>,
    block_attributes: Vec<(String, String, u32)>,
}

/// Reads one `schema.prisma`.
pub(crate) fn read(text: &str, path: &str, diagnostics: &mut Vec<Diagnostic>) -> Schema {
    let (models, enums, provider) = blocks(text, path, diagnostics);
    let dialect = provider
        .and_then(|p| provider_dialect(&p))
        .unwrap_or(Dialect::Postgres);
    let mut schema = Schema::new(dialect);
    // Model name -> (schema, table) and field name -> column name, for relations.
    let mut tables: BTreeMap<&str, (String, String)> = BTreeMap::new();
    for model in &models {
        let table = block_string(model, "map").unwrap_or_else(|| model.name.clone());
        let table_schema =
            block_string(model, "schema").unwrap_or_else(|| dialect.default_schema().to_owned());
        tables.insert(&model.name, (table_schema, table));
    }
    let column_name = |model: &Model, field: &str| {
        model
            .fields
            .iter()
            .find(|f| f.name == field)
            .and_then(|f| f.attribute("map").and_then(first_string))
            .unwrap_or_else(|| field.to_owned())
    };
    for model in &models {
        let Some((table_schema, table)) = tables.get(model.name.as_str()).cloned() else {
            continue;
        };
        let place = |line: u32, detail: String| Place {
            path: path.to_owned(),
            line,
            extractor: "prisma",
            detail,
        };
        let mut declared = Table::new(place(model.line, format!("model {}", model.name)));
        let mut indexes: Vec<(String, Vec<String>, bool, bool, u32)> = Vec::new();
        for field in &model.fields {
            if tables.contains_key(field.type_name.as_str()) {
                // A relation field; its foreign key is on the scalar fields it names.
                if let Some(args) = field.attribute("relation") {
                    let fields = list_argument(args, "fields");
                    let references = list_argument(args, "references");
                    let target = models.iter().find(|m| m.name == field.type_name);
                    if let (false, Some((ref_schema, ref_table)), Some(target)) = (
                        fields.is_empty(),
                        tables.get(field.type_name.as_str()),
                        target,
                    ) {
                        declared.foreign_keys.push(ForeignKey {
                            name: None,
                            columns: fields.iter().map(|f| column_name(model, f)).collect(),
                            ref_schema: ref_schema.clone(),
                            ref_table: ref_table.clone(),
                            ref_columns: references
                                .iter()
                                .map(|f| column_name(target, f))
                                .collect(),
                            place: place(
                                field.line,
                                format!("{}.{} @relation", model.name, field.name),
                            ),
                        });
                    }
                }
                continue;
            }
            let column = column_name(model, &field.name);
            let is_enum = enums.contains(&field.type_name);
            let mut data_type =
                native_type(field).or_else(|| scalar_type(dialect, &field.type_name));
            if is_enum {
                data_type = Some(match dialect {
                    Dialect::Postgres => quote_if_needed(&field.type_name),
                    Dialect::MySql | Dialect::Sqlite => "text".to_owned(),
                });
            }
            if field.list {
                data_type = data_type.map(|t| format!("{t}[]"));
            }
            let default = field
                .attribute("default")
                .and_then(|args| default_value(dialect, args, &table, &column, is_enum));
            let primary_key = field.attribute("id").is_some();
            declared.put_column(Column {
                name: column.clone(),
                data_type: data_type.map(|t| relational::canonical_type(&t)),
                nullable: field.optional,
                default,
                primary_key,
                place: place(field.line, format!("{}.{}", model.name, field.name)),
            });
            if primary_key {
                let name = field
                    .attribute("id")
                    .and_then(|a| named_argument(a, "map"))
                    .unwrap_or_else(|| format!("{table}_pkey"));
                indexes.push((name, vec![column.clone()], true, true, field.line));
            }
            if let Some(args) = field.attribute("unique") {
                let name =
                    named_argument(args, "map").unwrap_or_else(|| format!("{table}_{column}_key"));
                indexes.push((name, vec![column.clone()], true, false, field.line));
            }
        }
        for (attribute, args, line) in &model.block_attributes {
            let fields: Vec<String> = first_list(args)
                .iter()
                .map(|f| column_name(model, f))
                .collect();
            let named = named_argument(args, "map").or_else(|| named_argument(args, "name"));
            match attribute.as_str() {
                "id" => {
                    for column in &mut declared.columns {
                        if fields.contains(&column.name) {
                            column.primary_key = true;
                        }
                    }
                    let name = named.unwrap_or_else(|| format!("{table}_pkey"));
                    indexes.push((name, fields, true, true, *line));
                }
                "unique" => {
                    let name = named.unwrap_or_else(|| format!("{table}_{}_key", fields.join("_")));
                    indexes.push((name, fields, true, false, *line));
                }
                "index" => {
                    let name = named.unwrap_or_else(|| format!("{table}_{}_idx", fields.join("_")));
                    indexes.push((name, fields, false, false, *line));
                }
                _ => {}
            }
        }
        schema
            .tables
            .insert((table_schema.clone(), table.clone()), declared);
        for (name, columns, unique, constraint, line) in indexes {
            let key = schema.index_key(&table_schema, &table, &name);
            schema.indexes.insert(
                key,
                Index {
                    table: table.clone(),
                    columns,
                    unique,
                    predicate: None,
                    method: (dialect != Dialect::Sqlite).then(|| "btree".to_owned()),
                    constraint,
                    place: place(line, format!("model {} index {name}", model.name)),
                },
            );
        }
    }
    schema
}

/// Splits the file into model blocks, enum names and the datasource
/// provider.
fn blocks(
    text: &str,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Model>, Vec<String>, Option<String>) {
    let mut models = Vec::new();
    let mut enums = Vec::new();
    let mut provider = None;
    let mut current: Option<(String, String, u32)> = None;
    let mut model: Option<Model> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index as u32 + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if current.is_none() {
            let mut words = line.split_whitespace();
            let (Some(keyword), Some(name)) = (words.next(), words.next()) else {
                diagnostics.push(Diagnostic::warning(
                    path,
                    Some(line_number),
                    format!("unexpected line outside a block: {line}"),
                ));
                continue;
            };
            if !line.ends_with('{') {
                diagnostics.push(Diagnostic::warning(
                    path,
                    Some(line_number),
                    format!("unexpected line outside a block: {line}"),
                ));
                continue;
            }
            let name = name.trim_end_matches('{').to_owned();
            if keyword == "model" {
                model = Some(Model {
                    name: name.clone(),
                    line: line_number,
                    fields: Vec::new(),
                    block_attributes: Vec::new(),
                });
            } else if keyword == "enum" {
                enums.push(name.clone());
            }
            current = Some((keyword.to_owned(), name, line_number));
            continue;
        }
        if line.starts_with('}') {
            if let Some(model) = model.take() {
                models.push(model);
            }
            current = None;
            continue;
        }
        let Some((keyword, _, _)) = &current else {
            continue;
        };
        if keyword == "datasource"
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "provider"
        {
            provider = Some(value.trim().trim_matches('"').to_owned());
        }
        let Some(model) = model.as_mut() else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("@@") {
            let (name, args) = attribute_at(rest);
            model.block_attributes.push((name, args, line_number));
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(name), Some(type_text)) = (parts.next(), parts.next()) else {
            diagnostics.push(Diagnostic::warning(
                path,
                Some(line_number),
                format!("cannot read field: {line}"),
            ));
            continue;
        };
        let rest = line
            .find(type_text)
            .map_or("", |at| &line[at + type_text.len()..]);
        let optional = type_text.ends_with('?');
        let list = type_text.ends_with("[]");
        let type_name = type_text
            .trim_end_matches('?')
            .trim_end_matches("[]")
            .to_owned();
        model.fields.push(Field {
            name: name.to_owned(),
            type_name,
            optional,
            list,
            attributes: field_attributes(rest),
            line: line_number,
        });
    }
    if let Some((_, name, line)) = current {
        diagnostics.push(Diagnostic::warning(
            path,
            Some(line),
            format!("block {name} is not closed"),
        ));
        if let Some(model) = model {
            models.push(model);
        }
    }
    (models, enums, provider)
}

fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let bytes = line.as_bytes();
    for (i, c) in bytes.iter().enumerate() {
        match c {
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// `name(args)` at the start of `text`: the name and the text inside the
/// parentheses (empty without them).
fn attribute_at(text: &str) -> (String, String) {
    let name_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(text.len());
    let name = text[..name_end].to_owned();
    let rest = &text[name_end..];
    if !rest.starts_with('(') {
        return (name, String::new());
    }
    let mut depth = 0;
    let mut in_string = false;
    for (i, c) in rest.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return (name, rest[1..i].to_owned());
                }
            }
            _ => {}
        }
    }
    (name, rest.get(1..).unwrap_or("").to_owned())
}

fn field_attributes(mut text: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    while let Some(at) = text.find('@') {
        let rest = &text[at + 1..];
        let (name, args) = attribute_at(rest);
        let consumed = name.len()
            + if args.is_empty() && !rest[name.len()..].starts_with("()") {
                0
            } else {
                args.len() + 2
            };
        attributes.push((name, args));
        text = rest.get(consumed.max(1)..).unwrap_or("");
    }
    attributes
}

fn first_string(args: &str) -> Option<String> {
    let start = args.find('"')?;
    let end = args[start + 1..].find('"')?;
    Some(args[start + 1..start + 1 + end].to_owned())
}

fn named_argument(args: &str, name: &str) -> Option<String> {
    let mut rest = args;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let after = rest[at + name.len()..].trim_start();
        if before_ok && let Some(value) = after.strip_prefix(':') {
            return first_string(value);
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// The items of `[a, b(sort: Desc)]` after `name:`.
fn list_argument(args: &str, name: &str) -> Vec<String> {
    let Some(at) = args.find(&format!("{name}:")) else {
        return Vec::new();
    };
    first_list(&args[at..])
}

fn first_list(args: &str) -> Vec<String> {
    let Some(open) = args.find('[') else {
        return Vec::new();
    };
    let Some(close) = args[open..].find(']') else {
        return Vec::new();
    };
    args[open + 1..open + close]
        .split(',')
        .map(|item| item.split('(').next().unwrap_or("").trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

fn block_string(model: &Model, attribute: &str) -> Option<String> {
    model
        .block_attributes
        .iter()
        .find(|(name, _, _)| name == attribute)
        .and_then(|(_, args, _)| first_string(args))
}

/// The type a `@db.X(args)` native-type attribute names.
fn native_type(field: &Field) -> Option<String> {
    let (name, args) = field
        .attributes
        .iter()
        .find(|(n, _)| n.starts_with("db."))?;
    let name = name.trim_start_matches("db.");
    let base = match name {
        "DoublePrecision" => "double precision",
        "VarBit" => "bit varying",
        "ByteA" => "bytea",
        "JsonB" => "jsonb",
        "SmallInt" => "smallint",
        "BigInt" => "bigint",
        "Integer" | "Int" => "integer",
        "VarChar" => "varchar",
        "Timestamptz" => "timestamptz",
        "Timetz" => "timetz",
        other => return Some(with_args(&other.to_ascii_lowercase(), args)),
    };
    Some(with_args(base, args))
}

fn with_args(base: &str, args: &str) -> String {
    if args.trim().is_empty() {
        base.to_owned()
    } else {
        format!("{base}({args})")
    }
}

/// The column type Prisma Migrate writes for a scalar type.
fn scalar_type(dialect: Dialect, type_name: &str) -> Option<String> {
    let postgres = match type_name {
        "String" => "text",
        "Int" => "integer",
        "BigInt" => "bigint",
        "Boolean" => "boolean",
        "Float" => "double precision",
        "Decimal" => "decimal(65,30)",
        "DateTime" => "timestamp(3)",
        "Json" => "jsonb",
        "Bytes" => "bytea",
        _ => return None,
    };
    Some(
        match (dialect, type_name) {
            (Dialect::MySql, "String") => "varchar(191)",
            (Dialect::MySql, "Int") => "int",
            (Dialect::MySql, "Boolean") => "tinyint(1)",
            (Dialect::MySql, "Float") => "double",
            (Dialect::MySql, "DateTime") => "datetime(3)",
            (Dialect::MySql, "Json") => "json",
            (Dialect::MySql, "Bytes") => "longblob",
            (Dialect::Sqlite, "DateTime") => "datetime",
            (Dialect::Sqlite, "Float") => "real",
            (Dialect::Sqlite, "Decimal") => "decimal",
            (Dialect::Sqlite, "Json") => "jsonb",
            (Dialect::Sqlite, "Bytes") => "blob",
            (_, _) => postgres,
        }
        .to_owned(),
    )
}

fn quote_if_needed(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

/// The database default of `@default(args)`, canonical; `None` for
/// defaults Prisma fills in itself (`uuid()`, `cuid()`, `nanoid()`).
fn default_value(
    dialect: Dialect,
    args: &str,
    table: &str,
    column: &str,
    is_enum: bool,
) -> Option<String> {
    let value = args.trim();
    let text = if value == "autoincrement()" {
        return (dialect == Dialect::Postgres).then(|| serial_default(table, column));
    } else if value == "now()" {
        "CURRENT_TIMESTAMP".to_owned()
    } else if let Some(inner) = value.strip_prefix("dbgenerated(") {
        first_string(inner)?
    } else if value.ends_with(')') {
        return None;
    } else if let Some(string) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        format!("'{}'", string.replace('\'', "''"))
    } else if is_enum {
        format!("'{value}'")
    } else {
        value.to_owned()
    };
    Some(relational::canonical_default(&text))
}

#[cfg(test)]
mod tests {
    use super::{attribute_at, field_attributes, list_argument};

    #[test]
    fn attributes_split_with_their_arguments() {
        let attributes =
            field_attributes(r#"@id @default(autoincrement()) @db.VarChar(20) @map("x")"#);
        let names: Vec<_> = attributes.iter().map(|(n, a)| format!("{n}|{a}")).collect();
        assert_eq!(
            names,
            [
                "id|",
                "default|autoincrement()",
                "db.VarChar|20",
                "map|\"x\""
            ]
        );
        assert_eq!(attribute_at("index([a, b])").1, "[a, b]");
        assert_eq!(
            list_argument("fields: [customerId], references: [id]", "references"),
            ["id"]
        );
    }
}
