//! Splitting an SQL file into statements, each with the line it starts on,
//! so that one statement sqlparser cannot read costs that statement only.
//!
//! The splitter knows what hides a `;`: quoted strings and identifiers,
//! `--` and `/* */` comments (and `#` comments in MySQL), PostgreSQL
//! dollar quotes (`$$ … $$`, `$body$ … $body$`), `BEGIN … END` bodies of
//! `CREATE TRIGGER`/`PROCEDURE`/`FUNCTION` statements, and MySQL client
//! `DELIMITER` lines.

use crate::relational::Dialect;

/// One statement's text (without its terminator) and its first line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawStatement<'a> {
    pub(crate) text: &'a str,
    pub(crate) line: u32,
}

/// Splits `text`, whose first line is line `first_line` of its file.
pub(crate) fn split(text: &str, first_line: u32, dialect: Dialect) -> Vec<RawStatement<'_>> {
    let bytes = text.as_bytes();
    let mut statements = Vec::new();
    let mut line = first_line;
    let mut i = 0;
    let mut delimiter: String = ";".to_owned();
    'statements: loop {
        // Skip blank space and comments between statements.
        loop {
            match bytes.get(i) {
                None => break 'statements,
                Some(b'\n') => {
                    line += 1;
                    i += 1;
                }
                Some(c) if c.is_ascii_whitespace() => i += 1,
                Some(b'-') if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
                Some(b'#') if dialect == Dialect::MySql => i = skip_line(bytes, i),
                Some(b'/') if bytes.get(i + 1) == Some(&b'*') => {
                    let end = skip_block_comment(bytes, i);
                    line += count_newlines(&bytes[i..end]);
                    i = end;
                }
                Some(_) if dialect == Dialect::MySql && starts_with_word(bytes, i, "delimiter") => {
                    let end = skip_line(bytes, i);
                    let rest = text.get(i + "delimiter".len()..end).unwrap_or("").trim();
                    if !rest.is_empty() {
                        rest.clone_into(&mut delimiter);
                    }
                    i = end;
                }
                Some(_) if bytes[i..].starts_with(delimiter.as_bytes()) => i += delimiter.len(),
                Some(_) => break,
            }
        }
        let start = i;
        let start_line = line;
        let creates = starts_with_word(bytes, i, "create");
        let mut depth = 0usize;
        let end;
        loop {
            let Some(&c) = bytes.get(i) else {
                end = i;
                break;
            };
            if depth == 0 && bytes[i..].starts_with(delimiter.as_bytes()) {
                end = i;
                i += delimiter.len();
                break;
            }
            match c {
                b'\n' => {
                    line += 1;
                    i += 1;
                }
                b'\'' | b'"' | b'`' => {
                    let close = skip_quoted(bytes, i, dialect);
                    line += count_newlines(&bytes[i..close]);
                    i = close;
                }
                b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
                b'#' if dialect == Dialect::MySql => i = skip_line(bytes, i),
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    let close = skip_block_comment(bytes, i);
                    line += count_newlines(&bytes[i..close]);
                    i = close;
                }
                b'$' if dialect == Dialect::Postgres => match dollar_tag(bytes, i) {
                    Some(tag_len) => {
                        let close = skip_dollar_quoted(bytes, i, tag_len);
                        line += count_newlines(&bytes[i..close]);
                        i = close;
                    }
                    None => i += 1,
                },
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let word_end = word_end(bytes, i);
                    if creates && i > 0 && !is_word_byte(bytes[i - 1]) {
                        let word = &bytes[i..word_end];
                        if word.eq_ignore_ascii_case(b"begin")
                            || (word.eq_ignore_ascii_case(b"case") && depth > 0)
                        {
                            depth += 1;
                        } else if word.eq_ignore_ascii_case(b"end") && depth > 0 {
                            let next = next_word(bytes, word_end);
                            let closes_block = !["if", "loop", "while", "repeat"]
                                .iter()
                                .any(|w| next.eq_ignore_ascii_case(w.as_bytes()));
                            if closes_block {
                                depth -= 1;
                            }
                        }
                    }
                    i = word_end;
                }
                _ => i += 1,
            }
        }
        let statement = text.get(start..end).unwrap_or("").trim_end();
        if !statement.is_empty() {
            statements.push(RawStatement {
                text: statement,
                line: start_line,
            });
        }
    }
    statements
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|c| is_word_byte(*c)) {
        i += 1;
    }
    i
}

fn next_word(bytes: &[u8], mut i: usize) -> &[u8] {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    &bytes[i..word_end(bytes, i)]
}

fn starts_with_word(bytes: &[u8], i: usize, word: &str) -> bool {
    let end = i + word.len();
    bytes
        .get(i..end)
        .is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()))
        && !bytes.get(end).is_some_and(|c| is_word_byte(*c))
}

fn count_newlines(bytes: &[u8]) -> u32 {
    bytes.split(|c| *c == b'\n').count().saturating_sub(1) as u32
}

/// The index of the `\n` ending the line that holds `i` (or the end).
fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

fn skip_block_comment(bytes: &[u8], i: usize) -> usize {
    bytes[i + 2..]
        .windows(2)
        .position(|w| w == b"*/")
        .map_or(bytes.len(), |p| i + 2 + p + 2)
}

/// The index after the closing quote of the quoted text opening at `i`.
/// A doubled quote is an escaped quote; MySQL also escapes with `\`.
fn skip_quoted(bytes: &[u8], i: usize, dialect: Dialect) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while let Some(&c) = bytes.get(j) {
        if c == b'\\' && dialect == Dialect::MySql && quote != b'`' {
            j += 2;
        } else if c == quote {
            if bytes.get(j + 1) == Some(&quote) {
                j += 2;
            } else {
                return j + 1;
            }
        } else {
            j += 1;
        }
    }
    bytes.len()
}

/// The length of the dollar-quote tag (`$$`, `$body$`) opening at `i`.
fn dollar_tag(bytes: &[u8], i: usize) -> Option<usize> {
    if i > 0 && is_word_byte(bytes[i - 1]) {
        return None;
    }
    let mut j = i + 1;
    if bytes.get(j).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    while bytes
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        j += 1;
    }
    (bytes.get(j) == Some(&b'$')).then_some(j + 1 - i)
}

fn skip_dollar_quoted(bytes: &[u8], i: usize, tag_len: usize) -> usize {
    let tag = &bytes[i..i + tag_len];
    bytes[i + tag_len..]
        .windows(tag_len)
        .position(|w| w == tag)
        .map_or(bytes.len(), |p| i + tag_len + p + tag_len)
}

#[cfg(test)]
mod tests {
    use super::{Dialect, split};

    fn lines(text: &str, dialect: Dialect) -> Vec<(u32, &str)> {
        split(text, 1, dialect)
            .into_iter()
            .map(|s| (s.line, s.text))
            .collect()
    }

    #[test]
    fn statements_keep_their_first_line() {
        let text = "-- header\nCREATE TABLE a (x int);\n\n/* note\n; */\nCREATE TABLE b (\n  y text default ';'\n);";
        assert_eq!(
            lines(text, Dialect::Postgres),
            [
                (2, "CREATE TABLE a (x int)"),
                (6, "CREATE TABLE b (\n  y text default ';'\n)")
            ]
        );
    }

    #[test]
    fn bodies_hide_their_semicolons() {
        let text = "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT 1;";
        assert_eq!(split(text, 1, Dialect::Postgres).len(), 2);
        let text = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND;\nSELECT 2;";
        let found = lines(text, Dialect::Sqlite);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1], (5, "SELECT 2"));
        let text =
            "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\nSELECT 3;";
        let found = lines(text, Dialect::MySql);
        assert_eq!(
            found,
            [
                (2, "CREATE PROCEDURE p() BEGIN SELECT 1; END"),
                (4, "SELECT 3")
            ]
        );
    }

    #[test]
    fn unterminated_input_ends_the_statement() {
        assert_eq!(
            lines("SELECT 'open", Dialect::Postgres),
            [(1, "SELECT 'open")]
        );
        assert!(lines("  -- only a comment", Dialect::Postgres).is_empty());
    }
}
