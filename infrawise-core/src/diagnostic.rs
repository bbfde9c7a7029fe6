//! Diagnostics and partial results.

use serde::{Deserialize, Serialize};

string_enum! {
    /// How serious a diagnostic or finding is; ordered from least to most.
    pub enum Severity {
        /// Worth knowing; nothing is wrong.
        Info => "info",
        /// Probably wrong, or something was skipped.
        Warning => "warning",
        /// Wrong: input that could not be used, or a finding that should fail a gate.
        Error => "error",
    }
}

/// A message about one place in one input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The file the message is about.
    pub path: String,
    /// The 1-based line, where one is known.
    pub line: Option<u32>,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong, in lower case, without a trailing period.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic of `severity` about `path` at `line`.
    pub fn new(
        severity: Severity,
        path: impl Into<String>,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            severity,
            message: message.into(),
        }
    }

    /// An error about `path` at `line`.
    pub fn error(path: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, path, line, message)
    }

    /// A warning about `path` at `line`.
    pub fn warning(path: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, path, line, message)
    }

    /// An informational note about `path` at `line`.
    pub fn info(path: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Info, path, line, message)
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{line}: {}: {}",
                self.path, self.severity, self.message
            ),
            None => write!(f, "{}: {}: {}", self.path, self.severity, self.message),
        }
    }
}

/// What a parser produced from input that may have been partly bad: the
/// value it could extract, and diagnostics about the rest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed<T> {
    /// Whatever could be extracted.
    pub value: T,
    /// What went wrong or was skipped.
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// A value with no diagnostics.
    pub fn ok(value: T) -> Self {
        Parsed {
            value,
            diagnostics: Vec::new(),
        }
    }

    /// A value with diagnostics.
    pub fn with_diagnostics(value: T, diagnostics: Vec<Diagnostic>) -> Self {
        Parsed { value, diagnostics }
    }

    /// Transforms the value, keeping the diagnostics.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed {
            value: f(self.value),
            diagnostics: self.diagnostics,
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}
