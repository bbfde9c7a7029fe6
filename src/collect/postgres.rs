//! Reading a live PostgreSQL catalog into a [`Snapshot`].
//!
//! [`postgres()`] connects with the connection string the user gives
//! (`postgresql://user@host:5432/db`, or the `key=value` form), opens one
//! read-only, repeatable-read transaction so every query sees the same
//! catalog, and reads from `pg_catalog`:
//!
//! - the schemas (all but `pg_catalog`, `information_schema`, `pg_toast`
//!   and temporary ones); a schema the role lacks `USAGE` on is listed in
//!   `schemas_unreadable` and makes the snapshot partial;
//! - ordinary and partitioned tables with their columns
//!   (`format_type`, `attnotnull`, `pg_get_expr` of the default, primary
//!   key membership), row estimates (`reltuples`) and scan counts
//!   (`pg_stat_user_tables`);
//! - indexes (`pg_get_indexdef`, uniqueness, key columns, predicate,
//!   access method) with their scan counts (`pg_stat_user_indexes`);
//! - foreign keys (`pg_constraint`), views and materialized views
//!   (`pg_get_viewdef`, and the relations their rewrite rules depend on);
//! - when statistics were last reset (`pg_stat_database.stats_reset`).
//!
//! Objects that belong to an extension are left out: the extension, not
//! the schema's owner, declares them. Nothing is written. The snapshot
//! never holds credentials: its scope is `postgres:<host>:<port>/<database>`
//! (`local` for a Unix-socket host), and error messages never repeat the
//! connection string.

use std::str::FromStr as _;

use infrawise_core::Timestamp;
use infrawise_parsers::dbsnapshot::{
    Column, ForeignKey, Index, Relation, SNAPSHOT_VERSION, Snapshot, Table, View,
};
use postgres::config::Host;
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Transaction};

use super::CollectError;

/// Options of [`postgres()`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// Read only these schemas (all readable non-system schemas when
    /// empty). A snapshot of chosen schemas is partial: it proves nothing
    /// absent.
    pub schemas: Vec<String>,
}

impl PostgresOptions {
    /// Reads only `schemas`.
    pub fn with_schemas(mut self, schemas: Vec<String>) -> Self {
        self.schemas = schemas;
        self
    }
}

/// The scope a connection string observes, `postgres:<host>:<port>/<database>`,
/// without user or password. `database` is the name the server reported.
pub fn scope_of(config: &Config, database: &str) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(_)) => "local".to_owned(),
        None => "local".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres:{host}:{port}/{database}")
}

/// Connects to `url` and reads its catalog (module docs).
pub fn postgres(url: &str, options: &PostgresOptions) -> Result<Snapshot, CollectError> {
    let (config, mut client) = connect(url)?;
    read(&mut client, &config, options).map_err(|e| CollectError::Query {
        message: redact(&error_text(&e), url),
    })
}

/// A postgres error with its server message, which `Display` leaves out.
/// Reads the connection string and connects; errors never repeat it.
pub(crate) fn connect(url: &str) -> Result<(Config, Client), CollectError> {
    let config = Config::from_str(url).map_err(|e| CollectError::InvalidUrl {
        message: redact(&e.to_string(), url),
    })?;
    let client = config.connect(NoTls).map_err(|e| CollectError::Connect {
        message: redact(&error_text(&e), url),
    })?;
    Ok((config, client))
}

pub(crate) fn error_text(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{error}: {}", db.message());
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// `message` with the connection string and any password in it removed.
pub(crate) fn redact(message: &str, url: &str) -> String {
    let mut out = if url.trim().is_empty() {
        message.to_owned()
    } else {
        message.replace(url, "<connection string>")
    };
    if let Ok(config) = Config::from_str(url)
        && let Some(password) = config.get_password()
    {
        let password = String::from_utf8_lossy(password);
        if !password.is_empty() {
            out = out.replace(password.as_ref(), "<password>");
        }
    }
    out
}

const SYSTEM_SCHEMA_FILTER: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
     AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'";

/// Not a member of an extension.
const NOT_EXTENSION: &str = "NOT EXISTS (SELECT 1 FROM pg_depend e \
     WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')";

fn read(
    client: &mut Client,
    config: &Config,
    options: &PostgresOptions,
) -> Result<Snapshot, postgres::Error> {
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()?;
    let head = tx.query_one(
        "SELECT current_database()::text, current_setting('server_version'), \
         floor(extract(epoch FROM now()))::bigint, \
         (SELECT floor(extract(epoch FROM stats_reset))::bigint FROM pg_stat_database \
          WHERE datname = current_database())",
        &[],
    )?;
    let database: String = head.try_get(0)?;
    let server_version: String = head.try_get(1)?;
    let read_at = Timestamp::from_unix_seconds(head.try_get(2)?);
    let stats_reset = head
        .try_get::<_, Option<i64>>(3)?
        .map(Timestamp::from_unix_seconds);

    let mut readable = Vec::new();
    let mut unreadable = Vec::new();
    for row in tx.query(
        &format!(
            "SELECT n.nspname::text, has_schema_privilege(n.oid, 'USAGE') FROM pg_namespace n \
             WHERE {SYSTEM_SCHEMA_FILTER} ORDER BY 1"
        ),
        &[],
    )? {
        let name: String = row.try_get(0)?;
        if !options.schemas.is_empty() && !options.schemas.contains(&name) {
            continue;
        }
        // NULL: the schema was dropped while this transaction read the
        // catalog (catalog functions see the latest state, not our snapshot).
        match row.try_get::<_, Option<bool>>(1)? {
            Some(true) => readable.push(name),
            Some(false) => unreadable.push(name),
            None => {}
        }
    }
    let tables = tables(&mut tx, &readable)?;
    let indexes = indexes(&mut tx, &readable)?;
    let foreign_keys = foreign_keys(&mut tx, &readable)?;
    let views = views(&mut tx, &readable)?;
    tx.commit()?;
    Ok(Snapshot {
        infrawise_snapshot: SNAPSHOT_VERSION,
        kind: "postgres".to_owned(),
        scope: scope_of(config, &database),
        database,
        server_version: Some(server_version),
        read_at,
        stats_reset,
        // Reading some schemas only proves nothing about the others.
        complete: unreadable.is_empty() && options.schemas.is_empty(),
        schemas_unreadable: unreadable,
        tables,
        indexes,
        views,
        foreign_keys,
    })
}

fn tables(tx: &mut Transaction<'_>, schemas: &[String]) -> Result<Vec<Table>, postgres::Error> {
    let mut tables: Vec<(u32, Table)> = Vec::new();
    for row in tx.query(
        &format!(
            "SELECT c.oid, n.nspname::text, c.relname::text, \
             CASE c.relkind WHEN 'p' THEN 'partitioned_table' ELSE 'table' END, \
             round(c.reltuples)::bigint, s.seq_scan, s.idx_scan \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
             WHERE c.relkind IN ('r', 'p') AND n.nspname::text = ANY($1) AND {NOT_EXTENSION} \
             ORDER BY 2, 3"
        ),
        &[&schemas],
    )? {
        tables.push((
            row.try_get(0)?,
            Table {
                schema: row.try_get(1)?,
                name: row.try_get(2)?,
                kind: row.try_get(3)?,
                row_estimate: row.try_get(4)?,
                seq_scan: row.try_get(5)?,
                idx_scan: row.try_get(6)?,
                columns: Vec::new(),
            },
        ));
    }
    let columns = tx.query(
        "SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod), \
         NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid), \
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = a.attrelid \
                 AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE c.relkind IN ('r', 'p') AND n.nspname::text = ANY($1) \
         AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum",
        &[&schemas],
    )?;
    let by_oid: std::collections::HashMap<u32, usize> = tables
        .iter()
        .enumerate()
        .map(|(position, (oid, _))| (*oid, position))
        .collect();
    for row in columns {
        let oid: u32 = row.try_get(0)?;
        let Some((_, table)) = by_oid.get(&oid).and_then(|p| tables.get_mut(*p)) else {
            continue;
        };
        if let Some(column) = column(&row)? {
            table.columns.push(column);
        }
    }
    Ok(tables.into_iter().map(|(_, table)| table).collect())
}

/// A column, or `None` when its type could not be printed (dropped while
/// the catalog was read).
fn column(row: &Row) -> Result<Option<Column>, postgres::Error> {
    let Some(data_type) = row.try_get(2)? else {
        return Ok(None);
    };
    Ok(Some(Column {
        name: row.try_get(1)?,
        data_type,
        nullable: row.try_get(3)?,
        default: row.try_get(4)?,
        primary_key: row.try_get(5)?,
    }))
}

fn indexes(tx: &mut Transaction<'_>, schemas: &[String]) -> Result<Vec<Index>, postgres::Error> {
    let rows = tx.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, i.relname::text, pg_get_indexdef(i.oid), \
             x.indisunique, x.indisprimary, \
             ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) \
                   FROM generate_series(1, x.indnkeyatts::int) k ORDER BY k), \
             ARRAY(SELECT a.attname::text FROM pg_attribute a \
                   WHERE a.attrelid = x.indrelid AND a.attnum > 0 AND NOT a.attisdropped), \
             pg_get_expr(x.indpred, x.indrelid), am.amname::text, s.idx_scan \
             FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class c ON c.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_am am ON am.oid = i.relam \
             LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid \
             WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname::text = ANY($1) AND {NOT_EXTENSION} \
             ORDER BY 1, 3"
        ),
        &[&schemas],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // NULL: dropped while the catalog was read.
        let Some(definition) = row.try_get(3)? else {
            continue;
        };
        let keys: Vec<Option<String>> = row.try_get(6)?;
        let keys: Vec<String> = keys.into_iter().flatten().collect();
        let table_columns: Vec<String> = row.try_get(7)?;
        let mut columns: Vec<String> = Vec::new();
        for key in &keys {
            for name in identifiers(key) {
                if table_columns.contains(&name) && !columns.contains(&name) {
                    columns.push(name);
                }
            }
        }
        out.push(Index {
            schema: row.try_get(0)?,
            table: row.try_get(1)?,
            name: row.try_get(2)?,
            definition,
            unique: row.try_get(4)?,
            primary: row.try_get(5)?,
            columns,
            predicate: row.try_get(8)?,
            method: row.try_get(9)?,
            idx_scan: row.try_get(10)?,
        });
    }
    Ok(out)
}

fn foreign_keys(
    tx: &mut Transaction<'_>,
    schemas: &[String],
) -> Result<Vec<ForeignKey>, postgres::Error> {
    let rows = tx.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, k.conname::text, \
             ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum \
                   ORDER BY u.ord), \
             rn.nspname::text, r.relname::text, \
             ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum \
                   ORDER BY u.ord) \
             FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace \
             WHERE k.contype = 'f' AND k.conparentid = 0 AND n.nspname::text = ANY($1) \
             AND {NOT_EXTENSION} \
             ORDER BY 1, 2, 3"
        ),
        &[&schemas],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(ForeignKey {
            schema: row.try_get(0)?,
            table: row.try_get(1)?,
            name: row.try_get(2)?,
            columns: row.try_get(3)?,
            ref_schema: row.try_get(4)?,
            ref_table: row.try_get(5)?,
            ref_columns: row.try_get(6)?,
        });
    }
    Ok(out)
}

fn views(tx: &mut Transaction<'_>, schemas: &[String]) -> Result<Vec<View>, postgres::Error> {
    let rows = tx.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind = 'm', pg_get_viewdef(c.oid) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('v', 'm') AND n.nspname::text = ANY($1) AND {NOT_EXTENSION} \
             ORDER BY 1, 2"
        ),
        &[&schemas],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(View {
            schema: row.try_get(0)?,
            name: row.try_get(1)?,
            materialized: row.try_get(2)?,
            definition: row.try_get(3)?,
            reads: Vec::new(),
        });
    }
    // What each view's rewrite rule depends on: the relations its query reads.
    let reads = tx.query(
        "SELECT DISTINCT n.nspname::text, c.relname::text, dn.nspname::text, d.relname::text \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_rewrite w ON w.ev_class = c.oid \
         JOIN pg_depend dep ON dep.classid = 'pg_rewrite'::regclass \
              AND dep.objid = w.oid AND dep.refclassid = 'pg_class'::regclass \
         JOIN pg_class d ON d.oid = dep.refobjid \
         JOIN pg_namespace dn ON dn.oid = d.relnamespace \
         WHERE c.relkind IN ('v', 'm') AND n.nspname::text = ANY($1) AND d.oid <> c.oid \
         AND d.relkind IN ('r', 'p', 'v', 'm') \
         ORDER BY 1, 2, 3, 4",
        &[&schemas],
    )?;
    for row in reads {
        let (schema, name): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if let Some(view) = out
            .iter_mut()
            .find(|v| v.schema == schema && v.name == name)
        {
            view.reads.push(Relation {
                schema: row.try_get(2)?,
                name: row.try_get(3)?,
            });
        }
    }
    Ok(out)
}

/// The identifiers in an index key as `pg_get_indexdef` prints it (a
/// column name, or an expression such as `lower((email)::text)`), in order:
/// bare words folded as PostgreSQL prints them, `"quoted"` names as written;
/// string literals skipped.
fn identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '\'' => {
                for (_, c) in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
            }
            '"' => {
                let mut name = String::new();
                while let Some((_, c)) = chars.next() {
                    if c == '"' {
                        if chars.peek().is_some_and(|(_, next)| *next == '"') {
                            chars.next();
                            name.push('"');
                            continue;
                        }
                        break;
                    }
                    name.push(c);
                }
                out.push(name);
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = start + c.len_utf8();
                while let Some((i, c)) = chars.peek().copied() {
                    if c.is_alphanumeric() || c == '_' || c == '$' {
                        end = i + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(text[start..end].to_owned());
            }
            c if c.is_ascii_digit() => {
                while chars
                    .peek()
                    .is_some_and(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '.')
                {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_has_no_credentials() {
        let url = "postgresql://app:hunter2@db.internal:6543/shop?sslmode=disable";
        let config = Config::from_str(url).unwrap_or_else(|e| panic!("{e}"));
        let scope = scope_of(&config, "shop");
        assert_eq!(scope, "postgres:db.internal:6543/shop");
        assert!(!scope.contains("hunter2") && !scope.contains("app@"));
        let socket = Config::from_str("postgresql://me@/shop?host=/tmp/pg&port=5499")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scope_of(&socket, "shop"), "postgres:local:5499/shop");
    }

    #[test]
    fn index_keys_name_their_columns() {
        assert_eq!(identifiers("email"), ["email"]);
        assert_eq!(
            identifiers("lower((email)::text)"),
            ["lower", "email", "text"]
        );
        assert_eq!(identifiers("\"Weird \"\"Name\"\""), ["Weird \"Name\""]);
        assert_eq!(
            identifiers("coalesce(a, 'b c'::text, 2)"),
            ["coalesce", "a", "text"]
        );
    }

    #[test]
    fn errors_never_repeat_the_password() {
        let url = "postgresql://app:hunter2@db.internal/shop";
        let message = redact(&format!("cannot connect to {url} (password hunter2)"), url);
        assert!(!message.contains("hunter2"), "{message}");
    }
}
