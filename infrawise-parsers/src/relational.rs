//! Names and canonical forms shared by every producer of relational-schema
//! nodes: SQL migrations and ORM models (declared) and live database
//! catalogs (observed). A table declared in a migration and the same table
//! read from `pg_catalog` must carry equal aliases and equal attribute
//! values, or they would not merge and every column would look drifted; so
//! the rules live here, once.
//!
//! Identity:
//!
//! | node | aliases |
//! |---|---|
//! | table `orders` in schema `public` | `name[table]:public.orders`, and `name[table]:orders` (the default schema's tables are also known bare, which is how code's SQL strings name them) |
//! | column `orders.id` | `name[column]:public.orders.id`, `name[column]:orders.id` |
//! | index `orders_status_idx` | `name[index]:public.orders_status_idx`, `name[index]:orders/orders_status_idx` |
//! | view `open_orders` | `name[view]:public.open_orders`, `name[view]:open_orders` |
//!
//! Attributes (all producers use these keys and canonical values):
//! `type` (see [`canonical_type`]), `nullable` (bool), `default` (see
//! [`canonical_default`]), `primary_key` (bool, on columns), `unique`
//! (bool, on indexes), `columns` (list of column names, on indexes and
//! keys), `predicate` (text of a partial index's `WHERE`), `method`
//! (`btree`, `hash`, …).

use infrawise_core::{Alias, NodeKind};

/// The SQL dialect a schema is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// The schema an unqualified table lives in: `public` for PostgreSQL,
    /// `main` for SQLite; MySQL has no schemas below the database, so its
    /// tables use `default` until the database name is known.
    pub const fn default_schema(self) -> &'static str {
        match self {
            Dialect::Postgres => "public",
            Dialect::Sqlite => "main",
            Dialect::MySql => "default",
        }
    }

    /// The dialect's name as users write it (`postgres`, `mysql`, `sqlite`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Reads a dialect name, accepting the usual spellings
    /// (`postgresql`, `pg`, `mariadb`, `sqlite3`).
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" | "psql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        }
    }
}

/// An identifier as the database stores it: unquoted names fold to lower
/// case (PostgreSQL's rule; MySQL and SQLite compare them without case),
/// quoted names (`"Orders"`, `` `Orders` ``, `[Orders]`) keep theirs.
pub fn identifier(text: &str) -> String {
    let text = text.trim();
    let quoted = [('"', '"'), ('`', '`'), ('[', ']')]
        .iter()
        .find(|(open, close)| text.len() >= 2 && text.starts_with(*open) && text.ends_with(*close));
    match quoted {
        Some(_) => text[1..text.len() - 1].to_owned(),
        None => text.to_lowercase(),
    }
}

/// The aliases of table `table` in schema `schema`.
pub fn table_aliases(dialect: Dialect, schema: &str, table: &str) -> Vec<Alias> {
    qualified_aliases(NodeKind::Table, dialect, schema, table)
}

/// The aliases of view (or materialized view) `view` in schema `schema`.
pub fn view_aliases(dialect: Dialect, schema: &str, view: &str) -> Vec<Alias> {
    qualified_aliases(NodeKind::View, dialect, schema, view)
}

/// The aliases of column `column` of `schema.table`.
pub fn column_aliases(dialect: Dialect, schema: &str, table: &str, column: &str) -> Vec<Alias> {
    qualified_aliases(
        NodeKind::Column,
        dialect,
        schema,
        &format!("{table}.{column}"),
    )
}

/// The aliases of index `index` on `schema.table`. Index names are unique
/// per schema in PostgreSQL and per table elsewhere; both forms are given
/// so either producer's view finds the node. The `<table>/<index>` form is
/// the one DynamoDB indexes use too, so code naming an index by its table
/// finds it the same way.
pub fn index_aliases(schema: &str, table: &str, index: &str) -> Vec<Alias> {
    vec![
        Alias::name(NodeKind::Index, format!("{schema}.{index}")),
        Alias::name(NodeKind::Index, format!("{table}/{index}")),
    ]
}

/// The aliases of index `index` on `schema.table` in `dialect`. MySQL
/// index names are unique per table only (every table has a `PRIMARY`),
/// so there only the `<table>/<index>` form is given; elsewhere this is
/// [`index_aliases`].
pub fn index_aliases_for(dialect: Dialect, schema: &str, table: &str, index: &str) -> Vec<Alias> {
    match dialect {
        Dialect::MySql => vec![Alias::name(NodeKind::Index, format!("{table}/{index}"))],
        Dialect::Postgres | Dialect::Sqlite => index_aliases(schema, table, index),
    }
}

/// The stable id suffix of a relational object: `schema.name`
/// (`public.orders`, `public.orders.id`). Producers prefix it with their
/// own namespace (`sql:`, `orm:`, `postgres:<database>/`).
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{schema}.{name}")
}

fn qualified_aliases(kind: NodeKind, dialect: Dialect, schema: &str, name: &str) -> Vec<Alias> {
    let mut aliases = vec![Alias::name(kind, qualified(schema, name))];
    if schema == dialect.default_schema() {
        aliases.push(Alias::name(kind, name));
    }
    aliases
}

/// A column type as PostgreSQL's `format_type` prints it, so that
/// `VARCHAR(255)` in a migration and `character varying(255)` read from the
/// catalog compare equal. Synonyms map to one name (`int4`, `int` and
/// `integer` are `integer`; `serial` is `integer`, its sequence shows in
/// the default), spacing and case are normalised, array suffixes are kept
/// (`int[]` is `integer[]`). Types this table does not know are returned
/// lower-cased with single spaces, never dropped.
pub fn canonical_type(text: &str) -> String {
    let mut text = text.trim().to_lowercase();
    let mut arrays = 0;
    while let Some(rest) = text.strip_suffix("[]") {
        text = rest.trim_end().to_owned();
        arrays += 1;
    }
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (base, args) = match collapsed.find('(') {
        Some(open) => {
            let close = collapsed.rfind(')').unwrap_or(collapsed.len());
            let args: String = collapsed[open + 1..close.max(open + 1)]
                .split(',')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(",");
            let tail = collapsed.get(close + 1..).unwrap_or("").trim().to_owned();
            let base = collapsed[..open].trim().to_owned();
            // `timestamp(3) with time zone`: the tail belongs to the name.
            let base = if tail.is_empty() {
                base
            } else {
                format!("{base} {tail}")
            };
            (base, Some(args))
        }
        None => (collapsed, None),
    };
    let name = match base.as_str() {
        "int" | "int4" | "integer" | "serial" | "serial4" | "mediumint" => "integer",
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint",
        "int2" | "smallint" | "smallserial" | "serial2" | "tinyint" => "smallint",
        "varchar" | "character varying" | "nvarchar" => "character varying",
        "char" | "character" | "bpchar" | "nchar" => "character",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" | "double" | "float" => "double precision",
        "float4" | "real" => "real",
        "decimal" | "numeric" => "numeric",
        "timestamp" | "timestamp without time zone" | "datetime" => "timestamp without time zone",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "time" | "time without time zone" => "time without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        other => other,
    };
    let mut out = match args {
        // `timestamp(6) with time zone` prints its precision after `timestamp`.
        Some(args) if name.starts_with("timestamp ") || name.starts_with("time ") => {
            let (head, zone) = name.split_once(' ').unwrap_or((name, ""));
            format!("{head}({args}) {zone}")
        }
        Some(args) => format!("{name}({args})"),
        None => name.to_owned(),
    };
    for _ in 0..arrays {
        out.push_str("[]");
    }
    out
}

/// A column default as text, in a form both sides agree on: PostgreSQL
/// stores `'open'::character varying` and `nextval('orders_id_seq'::regclass)`
/// where a migration wrote `'open'` and `SERIAL`; casts are dropped,
/// keywords lower-cased (`CURRENT_TIMESTAMP`, `now()` stay distinct: they
/// are different text), and surrounding parentheses removed.
pub fn canonical_default(text: &str) -> String {
    let mut text = text.trim();
    while text.starts_with('(') && text.ends_with(')') && balanced(&text[1..text.len() - 1]) {
        text = text[1..text.len() - 1].trim();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        if c == '\'' {
            in_string = !in_string;
            out.push(c);
        } else if in_string {
            out.push(c);
        } else if c == ':' && rest.starts_with(':') {
            rest = skip_type(&rest[1..]);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.trim().to_owned()
}

/// `rest` after the type name a `::` cast names at its start: words of a
/// multi-word type (`character varying`, `timestamp with time zone`), its
/// arguments (`numeric(10,2)`) and array brackets.
fn skip_type(mut rest: &str) -> &str {
    const CONTINUATIONS: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
        if rest.starts_with('(') {
            let mut depth = 0;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &rest[end..];
        }
        while let Some(after) = rest.strip_prefix("[]") {
            rest = after;
        }
        let trimmed = rest.trim_start();
        match CONTINUATIONS.iter().find(|word| {
            trimmed.starts_with(**word)
                && !trimmed[word.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        }) {
            Some(word) if trimmed.len() < rest.len() => rest = &trimmed[word.len()..],
            _ => return rest,
        }
    }
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_meet_in_catalog_spelling() {
        let same = [
            ("VARCHAR(255)", "character varying(255)"),
            ("varchar( 10 )", "character varying(10)"),
            ("INT", "integer"),
            ("serial", "integer"),
            ("BIGSERIAL", "bigint"),
            ("timestamptz", "timestamp with time zone"),
            ("TIMESTAMP", "timestamp without time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("NUMERIC(10, 2)", "numeric(10,2)"),
            ("decimal(10,2)", "numeric(10,2)"),
            ("int[]", "integer[]"),
            ("bool", "boolean"),
            ("jsonb", "jsonb"),
            ("Double Precision", "double precision"),
        ];
        for (written, catalog) in same {
            assert_eq!(
                canonical_type(written),
                canonical_type(catalog),
                "{written}"
            );
            assert_eq!(canonical_type(catalog), catalog, "{catalog}");
        }
        assert_ne!(canonical_type("text"), canonical_type("varchar(10)"));
    }

    #[test]
    fn defaults_drop_casts() {
        assert_eq!(canonical_default("'open'::character varying"), "'open'");
        assert_eq!(canonical_default("'Open'"), "'Open'");
        assert_eq!(
            canonical_default("nextval('orders_id_seq'::regclass)"),
            "nextval('orders_id_seq')"
        );
        assert_eq!(canonical_default("(0)"), "0");
        assert_eq!(canonical_default("NOW()"), "now()");
        assert_eq!(canonical_default("'{}'::jsonb"), "'{}'");
        assert_eq!(canonical_default("0::numeric(10,2)"), "0");
    }

    #[test]
    fn identifiers_fold_unless_quoted() {
        assert_eq!(identifier("Orders"), "orders");
        assert_eq!(identifier("\"Orders\""), "Orders");
        assert_eq!(identifier("`Orders`"), "Orders");
    }

    #[test]
    fn default_schema_tables_are_known_bare() {
        let aliases = table_aliases(Dialect::Postgres, "public", "orders");
        let printed: Vec<String> = aliases.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["name[table]:public.orders", "name[table]:orders"]);
        assert_eq!(
            table_aliases(Dialect::Postgres, "billing", "orders").len(),
            1
        );
    }
}
