//! Declared relational schemas: SQL migrations and ORM models.
//!
//! # Migrations ([`parse_migrations`])
//!
//! `.sql` files are grouped into histories and applied in order; the
//! schema after the last statement is what is declared, and each node's
//! evidence points at the statement that last shaped it (a column renamed
//! in `V3` points at `V3`). A history is one folder of migrations:
//!
//! | layout | order | skipped |
//! |---|---|---|
//! | Flyway `V1__init.sql`, `V1.1__x.sql`, `R__views.sql` | versions compared number by number (`V1.1 < V2 < V10`), then repeatables by name | `U…__` undo files |
//! | golang-migrate / sqlx `0001_x.up.sql` | leading version | `.down.sql` |
//! | dbmate `20240101120000_x.sql` with `-- migrate:up` / `-- migrate:down` | leading version | the `migrate:down` section |
//! | Prisma `migrations/<timestamp>_<name>/migration.sql`, Diesel and other numbered folders `<version>_<name>/up.sql` | folder version | `down.sql` |
//! | anything else (`schema.sql`, `db/*.sql`) | versioned files first, then by name | |
//!
//! The dialect comes from, in order: [`SchemaOptions::dialect`]; a
//! `-- dialect: mysql` comment in a file of the history; the tool's own
//! settings (Prisma's `migration_lock.toml` `provider`); else PostgreSQL.
//! Statements are split with their lines and parsed one by one with
//! sqlparser (`ddl`); one it cannot read is a warning with file and
//! line, and the rest of the file goes on.
//!
//! # Models ([`parse_models`])
//!
//! `schema.prisma` ([`prisma`]), SQLAlchemy and Django models
//! ([`orm_python`]) and TypeORM entities ([`orm_typescript`]) declare the
//! same tables, columns and indexes, with the types and default names
//! each tool gives them on PostgreSQL, so that a model and a migration that
//! agree merge into one node.
//!
//! # Two declarations ([`declaration_conflicts`])
//!
//! A model and a migration that agree are one node; where they disagree
//! (a type, nullability, default, key or index shape, or a column only one
//! of them has) the facade reports a warning naming both places.
//!
//! # Output
//!
//! Tables, columns, indexes and views, with ids `sql:<schema>.<name>`
//! (migrations) and `orm:<schema>.<name>` (models) and the aliases and
//! canonical attributes of [`relational`](crate::relational). Edges:
//! table `contains` column and index, index `indexes` column, table
//! `foreign_key` table and column `foreign_key` column, view `reads` the
//! relations its query names.
//!
//! Limits: names PostgreSQL derives for unnamed constraints are
//! reproduced for the common forms (`_pkey`, `_key`, `_idx`, `_fkey`) but
//! long names are cut at 63 bytes rather than shortened part by part as
//! PostgreSQL does; names tools derive from hashes (Django's
//! `<table>_<column>_<hash>` indexes, TypeORM's `PK_`/`UQ_`/`IDX_`) are
//! not reproduced, so those indexes are left out.

mod conflicts;
mod ddl;
mod model;
pub mod orm_python;
pub mod orm_typescript;
pub mod prisma;
mod split;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrawise_core::{Diagnostic, Format, Fragment, Origin, Source, SourceStatus};

use crate::display_path;
use crate::relational::Dialect;
pub use conflicts::{
    CONFLICTS_ATTRIBUTE, DeclarationConflict, conflicts_fragment, declaration_conflicts,
};
use model::Schema;

/// Options of [`parse_migrations_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaOptions {
    /// The dialect of every history, overriding hints and tool settings.
    pub dialect: Option<Dialect>,
}

/// Whether `path` is an SQL file (`.sql`).
pub fn is_sql_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

/// Whether `path` is a Prisma schema (`.prisma`).
pub fn is_prisma_schema(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("prisma"))
}

/// A cheap check that source text may define ORM models: it mentions
/// SQLAlchemy, Django's models or TypeORM.
pub fn mentions_orm(text: &str) -> bool {
    text.contains("sqlalchemy") || text.contains("django.db") || text.contains("typeorm")
}

/// Reads SQL files as migration histories with default options.
pub fn parse_migrations(files: &[PathBuf], root: &Path) -> Fragment {
    parse_migrations_with(files, root, &SchemaOptions::default())
}

/// Where one file sits in its history.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Step {
    /// 0 versioned, 1 repeatable (Flyway `R__`), 2 unversioned.
    class: u8,
    version: Vec<u64>,
    name: String,
}

/// The history a file belongs to and its place in it, or `None` for a
/// file that is never applied (down and undo migrations).
fn step_of(path: &Path) -> Option<(PathBuf, Step)> {
    let file_name = path.file_name()?.to_string_lossy().into_owned();
    let lower = file_name.to_ascii_lowercase();
    let parent = path.parent().unwrap_or(Path::new(""));
    let parent_name = parent
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if lower.ends_with(".down.sql") || lower.ends_with("_down.sql") {
        return None;
    }
    if parent_name.starts_with(|c: char| c.is_ascii_digit()) {
        if lower == "down.sql" {
            return None;
        }
        let group = parent.parent().unwrap_or(Path::new("")).to_path_buf();
        let step = Step {
            class: 0,
            version: leading_version(&parent_name),
            name: format!("{parent_name}/{file_name}"),
        };
        return Some((group, step));
    }
    let group = parent.to_path_buf();
    if let Some((version, _)) = file_name
        .strip_prefix('V')
        .and_then(|rest| rest.split_once("__"))
        .filter(|(v, _)| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        })
    {
        let version = version
            .split(['.', '_'])
            .filter_map(|part| part.parse().ok())
            .collect();
        return Some((
            group,
            Step {
                class: 0,
                version,
                name: file_name,
            },
        ));
    }
    if file_name.starts_with("R__") {
        return Some((
            group,
            Step {
                class: 1,
                version: Vec::new(),
                name: file_name,
            },
        ));
    }
    if file_name.starts_with('U')
        && file_name.get(1..).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains("__")
        })
    {
        return None;
    }
    if file_name.starts_with(|c: char| c.is_ascii_digit()) {
        let version = leading_version(&file_name);
        return Some((
            group,
            Step {
                class: 0,
                version,
                name: file_name,
            },
        ));
    }
    Some((
        group,
        Step {
            class: 2,
            version: Vec::new(),
            name: file_name,
        },
    ))
}

/// The numbers a name starts with: `0001_x` is `[1]`,
/// `2024-01-01-000000_x` (Diesel) is `[2024, 1, 1, 0]`.
fn leading_version(name: &str) -> Vec<u64> {
    let mut version = Vec::new();
    for part in name.split(['-', '.', '_']) {
        match part.parse() {
            Ok(n) if !part.is_empty() => version.push(n),
            _ => break,
        }
    }
    version
}

/// A `-- dialect: <name>` comment in `text`.
fn dialect_hint(text: &str) -> Option<&str> {
    text.lines().find_map(|line| {
        let comment = line.trim().strip_prefix("--")?.trim();
        let rest = comment.strip_prefix("dialect")?.trim_start();
        let value = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
        Some(value.trim())
    })
}

/// The `provider` of a Prisma `migration_lock.toml` in `dir`.
fn prisma_lock_dialect(dir: &Path) -> Option<Dialect> {
    let text = std::fs::read_to_string(dir.join("migration_lock.toml")).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "provider")
            .then(|| prisma::provider_dialect(value.trim().trim_matches('"')))
            .flatten()
    })
}

/// The part of a dbmate migration that `up` applies, with the line it
/// starts on; the whole text for other files.
fn up_section(text: &str) -> (&str, u32) {
    let marker = |line: &str, word: &str| {
        line.trim()
            .strip_prefix("--")
            .is_some_and(|rest| rest.trim().starts_with(word))
    };
    let mut offset = 0;
    let mut start: Option<(usize, u32)> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let line_number = index as u32 + 1;
        if start.is_none() && marker(line, "migrate:up") {
            start = Some((offset + line.len(), line_number + 1));
        } else if let Some((begin, first)) = start
            && marker(line, "migrate:down")
        {
            return (&text[begin..offset], first);
        }
        offset += line.len();
    }
    match start {
        Some((begin, first)) => (&text[begin..], first),
        None => (text, 1),
    }
}

/// Reads SQL files as migration histories: groups them by folder, orders
/// each history, applies its statements and emits the resulting schema.
pub fn parse_migrations_with(files: &[PathBuf], root: &Path, options: &SchemaOptions) -> Fragment {
    let mut fragment = Fragment::new();
    let mut histories: BTreeMap<PathBuf, Vec<(Step, PathBuf)>> = BTreeMap::new();
    for file in files.iter().filter(|f| is_sql_file(f)) {
        if let Some((group, step)) = step_of(file) {
            histories
                .entry(group)
                .or_default()
                .push((step, file.clone()));
        }
    }
    for (dir, mut steps) in histories {
        steps.sort();
        steps.dedup();
        let mut texts: Vec<(String, Option<String>)> = Vec::new();
        for (_, path) in &steps {
            let display = display_path(path, root);
            let mut source = Source::new(&display, Format::Sql, Origin::Declared);
            match std::fs::read(path) {
                Ok(bytes) => {
                    texts.push((display, Some(String::from_utf8_lossy(&bytes).into_owned())));
                }
                Err(error) => {
                    source.status = SourceStatus::Failed;
                    fragment.diagnostics.push(Diagnostic::error(
                        &display,
                        None,
                        format!("cannot read: {error}"),
                    ));
                    texts.push((display, None));
                }
            }
            fragment.sources.push(source);
        }
        let dialect = options
            .dialect
            .unwrap_or_else(|| history_dialect(&texts, &dir, &mut fragment.diagnostics));
        let mut schema = Schema::new(dialect);
        for (display, text) in &texts {
            let Some(text) = text else { continue };
            let (section, first_line) = up_section(text);
            ddl::apply_text(
                &mut schema,
                section,
                first_line,
                display,
                &mut fragment.diagnostics,
            );
        }
        schema.emit("sql", &mut fragment);
    }
    fragment
}

fn history_dialect(
    texts: &[(String, Option<String>)],
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Dialect {
    for (display, text) in texts {
        let Some(hint) = text.as_deref().and_then(dialect_hint) else {
            continue;
        };
        match Dialect::from_name(hint) {
            Some(dialect) => return dialect,
            None => diagnostics.push(Diagnostic::warning(
                display,
                None,
                format!("unknown dialect {hint:?} in a dialect comment; reading as postgres"),
            )),
        }
    }
    if let Some(dialect) = prisma_lock_dialect(dir) {
        return dialect;
    }
    Dialect::Postgres
}

/// Reads ORM model definitions: `.prisma` schemas, Python files with
/// SQLAlchemy or Django models, TypeScript files with TypeORM entities.
/// Files that define none give nothing.
pub fn parse_models(files: &[PathBuf], root: &Path) -> Fragment {
    let mut fragment = Fragment::new();
    let mut prisma_files = Vec::new();
    let mut python_files = Vec::new();
    let mut typescript_files = Vec::new();
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort();
    sorted.dedup();
    for file in sorted {
        let display = display_path(file, root);
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) => {
                let mut source = Source::new(&display, Format::OrmModel, Origin::Declared);
                source.status = SourceStatus::Failed;
                fragment.sources.push(source);
                fragment.diagnostics.push(Diagnostic::error(
                    &display,
                    None,
                    format!("cannot read: {error}"),
                ));
                continue;
            }
        };
        let extension = file
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match extension.as_str() {
            "prisma" => prisma_files.push((display, text)),
            "py" | "pyi" => python_files.push((file.clone(), display, text)),
            "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" | "jsx" => {
                typescript_files.push((display, text));
            }
            _ => {}
        }
    }
    for (display, text) in &prisma_files {
        fragment
            .sources
            .push(Source::new(display, Format::OrmModel, Origin::Declared));
        let schema = prisma::read(text, display, &mut fragment.diagnostics);
        schema.emit("orm", &mut fragment);
    }
    let python: Vec<_> = python_files
        .iter()
        .filter(|(_, _, text)| mentions_orm(text))
        .collect();
    if !python.is_empty() {
        for (_, display, _) in &python {
            fragment
                .sources
                .push(Source::new(display, Format::OrmModel, Origin::Declared));
        }
        let inputs: Vec<orm_python::PythonInput<'_>> = python
            .iter()
            .map(|(path, display, text)| orm_python::PythonInput {
                app_label: orm_python::django_app_label(path, root),
                path: display,
                text,
            })
            .collect();
        for schema in orm_python::read(&inputs, &mut fragment.diagnostics) {
            schema.emit("orm", &mut fragment);
        }
    }
    let typescript: Vec<_> = typescript_files
        .iter()
        .filter(|(_, text)| text.contains("typeorm"))
        .collect();
    if !typescript.is_empty() {
        for (display, _) in &typescript {
            fragment
                .sources
                .push(Source::new(display, Format::OrmModel, Origin::Declared));
        }
        let inputs: Vec<(&str, &str)> = typescript
            .iter()
            .map(|(display, text)| (display.as_str(), text.as_str()))
            .collect();
        let schema = orm_typescript::read(&inputs, &mut fragment.diagnostics);
        schema.emit("orm", &mut fragment);
    }
    fragment
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{dialect_hint, step_of, up_section};

    fn order(names: &[&str]) -> Vec<String> {
        let mut steps: Vec<_> = names
            .iter()
            .filter_map(|n| step_of(&Path::new("db").join(n)))
            .map(|(_, step)| step)
            .collect();
        steps.sort();
        steps.into_iter().map(|s| s.name).collect()
    }

    #[test]
    fn flyway_versions_compare_number_by_number() {
        assert_eq!(
            order(&[
                "V10__c.sql",
                "R__views.sql",
                "V2__b.sql",
                "V1.1__a.sql",
                "V1__init.sql",
                "U2__undo.sql"
            ]),
            [
                "V1__init.sql",
                "V1.1__a.sql",
                "V2__b.sql",
                "V10__c.sql",
                "R__views.sql"
            ]
        );
    }

    #[test]
    fn down_migrations_are_never_applied() {
        assert_eq!(
            order(&[
                "0002_b.up.sql",
                "0002_b.down.sql",
                "0001_a.up.sql",
                "0001_a.down.sql"
            ]),
            ["0001_a.up.sql", "0002_b.up.sql"]
        );
        assert!(step_of(Path::new("m/2024-01-01-000000_init/down.sql")).is_none());
        let (group, step) =
            step_of(Path::new("m/2024-01-01-000000_init/up.sql")).unwrap_or_default();
        assert_eq!(group, Path::new("m"));
        assert_eq!(step.version, [2024, 1, 1, 0]);
    }

    #[test]
    fn dbmate_applies_only_the_up_section() {
        let text = "-- migrate:up\ncreate table a (x int);\n\n-- migrate:down\ndrop table a;\n";
        assert_eq!(up_section(text), ("create table a (x int);\n\n", 2));
        assert_eq!(up_section("select 1;"), ("select 1;", 1));
    }

    #[test]
    fn dialect_comments_are_read() {
        assert_eq!(
            dialect_hint("-- dialect: mysql\nCREATE TABLE a (x int);"),
            Some("mysql")
        );
        assert_eq!(dialect_hint("--dialect=sqlite"), Some("sqlite"));
        assert_eq!(dialect_hint("-- a dialect of sorts"), None);
    }
}
