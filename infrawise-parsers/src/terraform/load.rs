//! Reading `.tf` files: parsing with hcl-edit (which keeps byte spans, so
//! every block and attribute gets its line), and recovering from syntax
//! errors block by block so one bad block costs that block, not the file.

use std::path::{Path, PathBuf};

use hcl::edit::parser::parse_body;
use hcl::edit::structure::{Block, Body};
use infrawise_core::{Diagnostic, Text};

/// One parsed `.tf` file.
#[derive(Debug)]
pub(crate) struct SourceFile {
    /// The path as shown in evidence and diagnostics.
    pub(crate) display: Text,
    pub(crate) text: String,
    line_starts: Vec<usize>,
    /// Parsed pieces of the file: the whole file, or after a syntax error
    /// the top-level blocks that parsed on their own, each with the byte
    /// offset of its piece in the file.
    pub(crate) chunks: Vec<(usize, Body)>,
}

impl SourceFile {
    /// Parses `text`, recording syntax errors as diagnostics.
    pub(crate) fn parse(display: &str, text: String, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let line_starts = line_starts(&text);
        let mut file = SourceFile {
            display: Text::new(display),
            text,
            line_starts,
            chunks: Vec::new(),
        };
        match parse_body(&file.text) {
            Ok(body) => file.chunks.push((0, body)),
            Err(error) => {
                diagnostics.push(Diagnostic::error(
                    display,
                    Some(error.location().line() as u32),
                    format!("invalid hcl: {}", first_line(error.message())),
                ));
                file.chunks = recover(&file.text, &file.line_starts, display, diagnostics);
            }
        }
        file
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        match self.line_starts.binary_search(&offset) {
            Ok(index) => index as u32 + 1,
            Err(index) => index as u32,
        }
    }

    /// The source text of a byte range in a chunk, if it is valid.
    pub(crate) fn slice(&self, base: usize, span: Option<std::ops::Range<usize>>) -> Option<&str> {
        let span = span?;
        self.text.get(base + span.start..base + span.end)
    }

    /// Every top-level block with the offset of its chunk.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = (usize, &Block)> {
        self.chunks
            .iter()
            .flat_map(|(base, body)| body.blocks().map(move |block| (*base, block)))
    }
}

fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("syntax error").trim();
    let line = line.trim_end_matches('.');
    if line.is_empty() {
        "syntax error".to_owned()
    } else {
        line.to_lowercase()
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Whether a line opens a top-level block (`resource "a" "b" {`).
fn opens_block(line: &str) -> bool {
    let Some(first) = line.chars().next() else {
        return false;
    };
    if !first.is_ascii_alphabetic() {
        return false;
    }
    let keyword: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    matches!(
        keyword.as_str(),
        "resource"
            | "data"
            | "module"
            | "variable"
            | "locals"
            | "output"
            | "provider"
            | "terraform"
            | "moved"
            | "import"
            | "check"
            | "removed"
    ) && line.trim_end().ends_with('{')
}

/// Splits the file at lines that open a top-level block and parses each
/// piece alone, keeping the pieces that parse.
fn recover(
    text: &str,
    starts: &[usize],
    display: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(usize, Body)> {
    let mut cuts: Vec<usize> = starts
        .iter()
        .copied()
        .filter(|&start| {
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            text.get(start..end).is_some_and(opens_block)
        })
        .collect();
    if cuts.first() != Some(&0) {
        cuts.insert(0, 0);
    }
    let mut chunks = Vec::new();
    for (i, &start) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).copied().unwrap_or(text.len());
        let Some(piece) = text.get(start..end) else {
            continue;
        };
        if piece.trim().is_empty() {
            continue;
        }
        if let Ok(body) = parse_body(piece) {
            chunks.push((start, body));
        } else {
            let line = match starts.binary_search(&start) {
                Ok(index) => index + 1,
                Err(index) => index,
            };
            diagnostics.push(Diagnostic::warning(
                display,
                Some(line as u32),
                "skipped a top-level block that does not parse",
            ));
        }
    }
    chunks
}

/// Reads and parses the `.tf` files of a directory that is not part of the
/// scanned file list (a module source outside it).
pub(crate) fn load_dir(
    dir: &Path,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<SourceFile>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    paths.sort();
    Some(
        paths
            .iter()
            .filter_map(|path| read_file(path, root, diagnostics))
            .collect(),
    )
}

/// Reads and parses one `.tf` file.
pub(crate) fn read_file(
    path: &Path,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SourceFile> {
    let display = crate::display_path(path, root);
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    diagnostics.push(Diagnostic::warning(
                        &display,
                        None,
                        "file is not valid utf-8; invalid bytes were replaced",
                    ));
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            };
            Some(SourceFile::parse(&display, text, diagnostics))
        }
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                &display,
                None,
                format!("cannot read file: {}", e.to_string().to_lowercase()),
            ));
            None
        }
    }
}

/// Joins a relative module source onto a directory, resolving `.` and
/// `..` lexically (the directory may not exist, and symlinks do not
/// matter for naming).
pub(crate) fn join_lexically(dir: &Path, relative: &str) -> PathBuf {
    let mut out = dir.to_path_buf();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                let last_is_parent = out
                    .components()
                    .next_back()
                    .is_some_and(|c| c == std::path::Component::ParentDir);
                if last_is_parent || !out.pop() {
                    out.push("..");
                }
            }
            part => out.push(part),
        }
    }
    out
}
