//! Walking a tree and deciding which parser reads which input.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use infrawise_core::{Diagnostic, Format};
use infrawise_parsers::{
    cdk, cloudformation, dbsnapshot, display_path, inventory, python, runtime, schema, terraform,
    tfstate, typescript,
};
use rayon::prelude::*;

use crate::{Error, ScanOptions};

/// How much of a file is read to recognise its format by content.
const SNIFF_BYTES: u64 = 256 * 1024;

/// One input and the parser it goes to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlannedInput {
    /// The parser's format.
    pub format: Format,
    /// The file, or for a CDK cloud assembly the directory.
    pub path: PathBuf,
}

/// What a scan will read.
#[derive(Clone, Debug, Default)]
pub struct ScanPlan {
    /// The scan root.
    pub root: PathBuf,
    /// The inputs, sorted by format then path.
    pub inputs: Vec<PlannedInput>,
    /// How many files were looked at and left alone (not a known format).
    pub skipped: usize,
    /// Problems met while walking (unreadable directories, broken links).
    pub diagnostics: Vec<Diagnostic>,
}

impl ScanPlan {
    /// The inputs grouped by format, in format order.
    pub fn by_format(&self) -> BTreeMap<Format, Vec<PathBuf>> {
        let mut groups: BTreeMap<Format, Vec<PathBuf>> = BTreeMap::new();
        for input in &self.inputs {
            groups
                .entry(input.format)
                .or_default()
                .push(input.path.clone());
        }
        groups
    }

    /// The plan as text: each parser with the inputs it will read.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (format, paths) in self.by_format() {
            let _ = writeln!(out, "{format} ({} input(s))", paths.len());
            for path in paths {
                let _ = writeln!(out, "  {}", display_path(&path, &self.root));
            }
        }
        let _ = writeln!(
            out,
            "{} input(s) for parsers, {} other file(s) skipped",
            self.inputs.len(),
            self.skipped
        );
        out
    }
}

fn sniff(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut head = Vec::new();
    file.take(SNIFF_BYTES).read_to_end(&mut head).ok()?;
    Some(
        String::from_utf8(head)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()),
    )
}

fn classify_by_content(path: &Path) -> Option<Format> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    // Gzip and JSON-lines files are only ever runtime exports (traces, CloudTrail).
    if let Some(format) = runtime::detect_file(path) {
        return Some(format);
    }
    let is_state_name =
        extension == "tfstate" || path.to_string_lossy().ends_with(".tfstate.backup");
    if !is_state_name
        && !matches!(
            extension.as_str(),
            "json" | "yaml" | "yml" | "template" | "cfn"
        )
    {
        return None;
    }
    let head = sniff(path)?;
    if extension == "json" && dbsnapshot::detect(&head) {
        return Some(Format::DatabaseSnapshot);
    }
    // AWS CLI inventory output is known by its exact top-level keys, so it
    // goes first: a Config item can hold a template-like `Resources` or a
    // tag named `terraform_version`, which the sniffs below would take.
    if extension == "json" && !is_state_name && inventory::detect(&head) {
        return Some(Format::Inventory);
    }
    if extension == "json" && runtime::metrics::detect(&head) {
        return Some(Format::Metrics);
    }
    if extension == "json" && infrawise_parsers::kubernetes::detect(&head) {
        return Some(Format::Kubernetes);
    }
    if is_state_name || (extension == "json" && tfstate::detect(&head)) {
        return Some(Format::TerraformState);
    }
    if let Some(format) = runtime::detect(&head).filter(|_| extension == "json") {
        return Some(format);
    }
    if cloudformation::detect_template(&head) {
        return Some(Format::CloudFormation);
    }
    if extension == "json" && cloudformation::detect_stack_observation(&head) {
        return Some(Format::CloudFormationStack);
    }
    None
}

/// Which parser reads one file, and whether it is also read as ORM models.
struct Decision {
    format: Option<Format>,
    orm_model: bool,
}

fn decide(path: &Path, assemblies: &[PathBuf]) -> Decision {
    if let Some(assembly) = assemblies
        .iter()
        .find(|assembly| path.starts_with(assembly))
    {
        // The assembly's templates are read through its manifest; the
        // code of its `asset.*` directories is what its functions run,
        // and is read as code so their handlers link to it.
        let in_asset = path.strip_prefix(assembly).is_ok_and(|rest| {
            rest.components()
                .next()
                .is_some_and(|first| first.as_os_str().to_string_lossy().starts_with("asset."))
        });
        let format = if !in_asset {
            None
        } else if python::is_source_file(path) {
            Some(Format::Python)
        } else if typescript::is_source_file(path) {
            Some(Format::TypeScript)
        } else {
            None
        };
        return Decision {
            format,
            orm_model: false,
        };
    }
    // Code that defines ORM models is also read as models.
    let orm_model = (typescript::is_source_file(path) || python::is_source_file(path))
        && sniff(path).is_some_and(|head| schema::mentions_orm(&head));
    let format = if terraform::is_terraform_file(path) {
        Some(Format::Terraform)
    } else if typescript::is_source_file(path) {
        Some(Format::TypeScript)
    } else if python::is_source_file(path) {
        Some(Format::Python)
    } else if schema::is_sql_file(path) {
        Some(Format::Sql)
    } else if schema::is_prisma_schema(path) {
        Some(Format::OrmModel)
    } else {
        classify_by_content(path)
    };
    Decision { format, orm_model }
}

/// Walks `root` (honouring `.gitignore` unless told not to) and decides
/// which parser reads each input: Terraform files by name, SQL files and
/// Prisma schemas by extension, Python and TypeScript files that mention an
/// ORM also as models, state files, database snapshots,
/// CloudFormation templates and stack observations by content, traces and
/// CloudTrail exports by content (gzip too), AWS inventory output (CLI
/// describe/list commands, AWS Config items) by its top-level keys, CDK cloud
/// assemblies by their `manifest.json` (whose templates are then read
/// through the assembly only; the code in its `asset.*` directories is
/// read as code).
pub fn plan(root: &Path, options: &ScanOptions) -> Result<ScanPlan, Error> {
    if !root.is_dir() {
        return Err(Error::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let mut walker = ignore::WalkBuilder::new(root);
    walker
        .standard_filters(!options.no_ignore)
        .hidden(false)
        .filter_entry(|entry| {
            entry.file_name() != ".git"
                && entry.file_name() != ".terraform"
                && entry.file_name() != "node_modules"
                && entry.file_name() != "__pycache__"
                && entry.file_name() != "site-packages"
                && !entry.path().join("pyvenv.cfg").is_file()
        })
        .sort_by_file_name(std::cmp::Ord::cmp);
    let mut plan = ScanPlan {
        root: root.to_path_buf(),
        ..ScanPlan::default()
    };
    let mut assemblies: Vec<PathBuf> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in walker.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = match &error {
                    ignore::Error::WithPath { path, .. } => display_path(path, root),
                    _ => display_path(root, root),
                };
                plan.diagnostics
                    .push(Diagnostic::warning(path, None, format!("skipped: {error}")));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            if cdk::detect(path) {
                assemblies.push(path.to_path_buf());
            }
            continue;
        }
        files.push(path.to_path_buf());
    }
    // Deciding needs a look inside many files: done in parallel, in order.
    let decided: Vec<(PathBuf, Decision)> = files
        .into_par_iter()
        .map(|path| {
            let decision = decide(&path, &assemblies);
            (path, decision)
        })
        .collect();
    for (path, decision) in decided {
        if decision.orm_model {
            plan.inputs.push(PlannedInput {
                format: Format::OrmModel,
                path: path.clone(),
            });
        }
        match decision.format {
            Some(format) => plan.inputs.push(PlannedInput { format, path }),
            None => plan.skipped += 1,
        }
    }
    plan.inputs
        .extend(assemblies.into_iter().map(|path| PlannedInput {
            format: Format::Cdk,
            path,
        }));
    plan.inputs.sort();
    Ok(plan)
}
