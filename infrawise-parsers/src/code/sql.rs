//! SQL that code holds in strings: which tables a statement reads or writes.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use infrawise_core::EdgeKind;
use sqlparser::ast::{
    AssignmentTarget, FromTable, ObjectName, Statement, TableFactor, TableObject, visit_relations,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// One table a statement touches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SqlTableUse {
    /// The table as written, lower-cased unless quoted
    /// (`orders`, `billing.invoices`).
    pub table: String,
    /// [`EdgeKind::Reads`] or [`EdgeKind::Writes`].
    pub edge: EdgeKind,
    /// The columns the statement names for this table, where it says
    /// (`INSERT INTO t (a, b)`, `UPDATE t SET a = …`), sorted.
    pub columns: Vec<String>,
}

/// Whether `text` starts with the keyword of a statement that reads or
/// writes tables (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, `MERGE`,
/// `REPLACE`, `UPSERT`, any case): the gate before [`tables_in_sql`]
/// tries to parse it.
pub fn starts_like_sql(text: &str) -> bool {
    let first_word = text
        .trim()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "MERGE", "REPLACE", "UPSERT",
    ]
    .iter()
    .any(|keyword| first_word.eq_ignore_ascii_case(keyword))
}

/// The tables an SQL string reads and writes, or `None` when the text does
/// not parse as SQL (most strings passed to a method called `query` are
/// not SQL at all, so failure is silent and expected). Placeholders
/// (`%s`, `$1`, `?`, `:name`) parse as the dialect allows.
pub fn tables_in_sql(text: &str) -> Option<Vec<SqlTableUse>> {
    if !starts_like_sql(text) {
        return None;
    }
    let trimmed = text.trim();
    // `%s` (DB-API) is not SQL; `$1` and `?` are. Swap it for a neutral placeholder.
    let text = trimmed.replace("%s", "?");
    let statements = Parser::parse_sql(&GenericDialect {}, &text).ok()?;
    let mut uses: BTreeSet<SqlTableUse> = BTreeSet::new();
    for statement in &statements {
        let mut written: Option<(String, Vec<String>)> = None;
        match statement {
            Statement::Insert(insert) => {
                if let TableObject::TableName(name) = &insert.table {
                    written = Some((
                        table_name(name),
                        insert.columns.iter().map(column_name).collect(),
                    ));
                }
            }
            Statement::Update(update) => {
                if let TableFactor::Table { name, .. } = &update.table.relation {
                    let mut columns = Vec::new();
                    for assignment in &update.assignments {
                        match &assignment.target {
                            AssignmentTarget::ColumnName(column) => {
                                columns.push(column_name(column));
                            }
                            AssignmentTarget::Tuple(tuple) => {
                                columns.extend(tuple.iter().map(column_name));
                            }
                        }
                    }
                    written = Some((table_name(name), columns));
                }
            }
            Statement::Delete(delete) => {
                let from = match &delete.from {
                    FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from) => from,
                };
                if let Some(TableFactor::Table { name, .. }) = from.first().map(|t| &t.relation) {
                    written = Some((table_name(name), Vec::new()));
                }
            }
            _ => {}
        }
        let mut relations: BTreeSet<String> = BTreeSet::new();
        let _ = visit_relations(statement, |name| {
            relations.insert(table_name(name));
            ControlFlow::<()>::Continue(())
        });
        let ctes = cte_names(statement);
        if let Some((table, mut columns)) = written {
            columns.sort();
            columns.dedup();
            relations.remove(&table);
            uses.insert(SqlTableUse {
                table,
                edge: EdgeKind::Writes,
                columns,
            });
        }
        for table in relations.into_iter().filter(|t| !ctes.contains(t)) {
            uses.insert(SqlTableUse {
                table,
                edge: EdgeKind::Reads,
                columns: Vec::new(),
            });
        }
    }
    (!uses.is_empty()).then(|| uses.into_iter().collect())
}

fn cte_names(statement: &Statement) -> BTreeSet<String> {
    let Statement::Query(query) = statement else {
        return BTreeSet::new();
    };
    query
        .with
        .iter()
        .flat_map(|with| &with.cte_tables)
        .map(|cte| identifier(&cte.alias.name.value, cte.alias.name.quote_style))
        .collect()
}

fn identifier(value: &str, quote: Option<char>) -> String {
    if quote.is_some() {
        value.to_owned()
    } else {
        value.to_ascii_lowercase()
    }
}

fn table_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) => identifier(&ident.value, ident.quote_style),
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn column_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| identifier(&ident.value, ident.quote_style))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use infrawise_core::EdgeKind;

    use super::tables_in_sql;

    fn uses(sql: &str) -> Vec<String> {
        tables_in_sql(sql)
            .unwrap_or_default()
            .into_iter()
            .map(|u| format!("{} {} {}", u.edge, u.table, u.columns.join(",")))
            .collect()
    }

    #[test]
    fn statements_name_their_tables() {
        assert_eq!(
            uses(
                "SELECT o.id FROM Orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = %s"
            ),
            ["reads customers ", "reads orders "]
        );
        assert_eq!(
            uses("INSERT INTO billing.invoices (id, total) SELECT id, total FROM orders"),
            ["writes billing.invoices id,total", "reads orders "]
        );
        assert_eq!(
            uses("UPDATE orders SET status = $1 WHERE id = $2"),
            ["writes orders status"]
        );
        assert_eq!(
            uses("DELETE FROM \"Sessions\" WHERE expires < now()"),
            ["writes Sessions "]
        );
        assert_eq!(
            uses("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent"),
            ["reads orders "]
        );
    }

    #[test]
    fn text_that_is_not_sql_is_none() {
        assert_eq!(tables_in_sql("Select an option from the list below."), None);
        assert_eq!(tables_in_sql("https://example.com"), None);
        assert_eq!(tables_in_sql(""), None);
        assert!(tables_in_sql("SELECT 1").is_none());
    }

    #[test]
    fn writes_and_reads_are_told_apart() {
        let found = tables_in_sql("UPDATE t SET a = (SELECT max(a) FROM u)").unwrap_or_default();
        let edges: Vec<_> = found.iter().map(|u| (u.table.as_str(), u.edge)).collect();
        assert_eq!(edges, [("t", EdgeKind::Writes), ("u", EdgeKind::Reads)]);
    }
}
