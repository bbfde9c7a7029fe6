//! Module resolution as TypeScript's `bundler`/`node16` modes do it, over
//! the files of the scanned tree only (nothing under `node_modules` is ever
//! read, so a package that is not part of the tree stays a package).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::config::{Package, TsConfig, glob_match, load_package, load_tsconfig, split_package};

/// Extensions tried after an extensionless specifier, in TypeScript's order.
const EXTENSIONS: [&str; 9] = [
    ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mts", ".cts", ".mjs", ".cjs",
];

/// Node's built-in modules: a bare import of one is neither a file of the
/// tree nor an npm package.
const BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
    "test",
    "sqlite",
    "sea",
];

/// Where an import specifier leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A file of the tree (normalised path).
    File(PathBuf),
    /// An npm package outside the tree, by name (`@scope/name` whole).
    Package(String),
    /// A Node built-in (`fs`, `node:path`).
    Builtin,
    /// A relative or absolute path that names no file of the tree, or a
    /// specifier that is no package name.
    Unresolved,
}

/// Resolves import specifiers of the files of one scan.
#[derive(Debug)]
pub(crate) struct Resolver {
    files: HashSet<PathBuf>,
    packages: HashMap<String, Package>,
    configs: HashMap<PathBuf, Option<Arc<TsConfig>>>,
}

/// `path` with `.` and `..` resolved lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Resolver {
    /// Reads the configuration that governs `files` (normalised paths under
    /// `root`): every `package.json`, `pnpm-workspace.yaml` and
    /// `tsconfig.json`/`jsconfig.json` in a directory that holds one of the
    /// files or is an ancestor of one, up to the root.
    pub(crate) fn new(files: &[PathBuf], root: &Path) -> Self {
        let root = normalize(root);
        let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
        for file in files {
            let mut dir = file.parent();
            while let Some(current) = dir {
                if !current.starts_with(&root) || !dirs.insert(current.to_path_buf()) {
                    break;
                }
                dir = current.parent();
            }
        }
        let mut all_packages: Vec<Package> = Vec::new();
        for dir in &dirs {
            if let Some(package) = load_package(dir) {
                all_packages.push(package);
            } else {
                let workspaces = super::config::pnpm_workspace(dir);
                if !workspaces.is_empty() {
                    all_packages.push(Package {
                        dir: dir.clone(),
                        workspaces,
                        ..Package::default()
                    });
                }
            }
        }
        let mut packages: HashMap<String, Package> = HashMap::new();
        for package in &all_packages {
            let Some(name) = &package.name else { continue };
            if is_workspace_member(package, &all_packages) {
                packages
                    .entry(name.clone())
                    .or_insert_with(|| package.clone());
            }
        }
        let mut resolver = Resolver {
            files: files.iter().cloned().collect(),
            packages,
            configs: HashMap::new(),
        };
        let mut configs: HashMap<PathBuf, Option<Arc<TsConfig>>> = HashMap::new();
        let find_package = |name: &str| resolver.packages.get(name).map(|p| p.dir.clone());
        // Sorted paths put every directory before its subdirectories.
        for dir in &dirs {
            let own = ["tsconfig.json", "jsconfig.json"]
                .iter()
                .map(|name| dir.join(name))
                .find(|path| path.is_file())
                .and_then(|path| load_tsconfig(&path, &find_package))
                .map(Arc::new);
            let config = own.or_else(|| {
                dir.parent()
                    .and_then(|parent| configs.get(parent))
                    .cloned()
                    .flatten()
            });
            configs.insert(dir.clone(), config);
        }
        resolver.configs = configs;
        resolver
    }

    /// Where `spec`, imported by `from` (a normalised file path), leads.
    pub(crate) fn resolve(&self, from: &Path, spec: &str) -> Resolved {
        let dir = from.parent().unwrap_or(Path::new(""));
        if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
            return self
                .resolve_path(&dir.join(spec))
                .map_or(Resolved::Unresolved, Resolved::File);
        }
        if spec.starts_with('/') {
            return self
                .resolve_path(Path::new(spec))
                .map_or(Resolved::Unresolved, Resolved::File);
        }
        if let Some(config) = self.configs.get(dir).and_then(Option::as_ref) {
            if let Some(found) = self.resolve_paths(config, spec) {
                return Resolved::File(found);
            }
            if let Some(found) = config
                .base_url
                .as_ref()
                .and_then(|base| self.resolve_path(&base.join(spec)))
            {
                return Resolved::File(found);
            }
        }
        if spec.starts_with("node:") {
            return Resolved::Builtin;
        }
        let Some((name, subpath)) = split_package(spec) else {
            return Resolved::Unresolved;
        };
        if let Some(package) = self.packages.get(name) {
            // A package of the tree is never an external one, even where the
            // subpath names no source file (`@acme/ui/theme.css`).
            return self
                .resolve_package(package, subpath)
                .map_or(Resolved::Unresolved, Resolved::File);
        }
        if BUILTINS.contains(&name) {
            return Resolved::Builtin;
        }
        if spec.contains(':') {
            // `virtual:x`, `bun:test`, `https://…`: not npm packages.
            return Resolved::Unresolved;
        }
        Resolved::Package(name.to_owned())
    }

    /// `compilerOptions.paths`: the pattern with the longest prefix before
    /// its `*` wins; its substitutions are tried in order.
    fn resolve_paths(&self, config: &TsConfig, spec: &str) -> Option<PathBuf> {
        let mut best: Option<(usize, &[String], &str)> = None;
        for (pattern, targets) in &config.paths {
            let (matched, prefix_len, star) = match pattern.find('*') {
                None => (pattern == spec, pattern.len(), ""),
                Some(at) => {
                    let (prefix, suffix) = (&pattern[..at], &pattern[at + 1..]);
                    let fits = spec.len() >= prefix.len() + suffix.len()
                        && spec.starts_with(prefix)
                        && spec.ends_with(suffix);
                    let star = if fits {
                        &spec[prefix.len()..spec.len() - suffix.len()]
                    } else {
                        ""
                    };
                    (fits, prefix.len(), star)
                }
            };
            if matched && best.is_none_or(|(len, _, _)| prefix_len > len) {
                best = Some((prefix_len, targets, star));
            }
        }
        let (_, targets, star) = best?;
        targets.iter().find_map(|target| {
            self.resolve_path(&config.paths_base.join(target.replacen('*', star, 1)))
        })
    }

    /// A workspace package's file for `subpath` (empty for the package
    /// itself): `exports` first, then `types`/`module`/`main`, then `index`.
    /// When an entry names a build output that is not in the tree
    /// (`dist/index.js`), the same path under `src/` is tried, then the
    /// subpath itself at the package root and under `src/`, because a
    /// source tree holds the sources its build compiles.
    fn resolve_package(&self, package: &Package, subpath: &str) -> Option<PathBuf> {
        let mut targets: Vec<String> = Vec::new();
        if let Some(exports) = &package.exports {
            targets = export_targets(exports, subpath);
        } else if subpath.is_empty() {
            targets.extend(package.entries.iter().cloned());
            targets.push("index".to_owned());
        } else {
            targets.push(subpath.to_owned());
        }
        for target in &targets {
            if let Some(found) = self.resolve_path(&package.dir.join(target)) {
                return Some(found);
            }
        }
        for target in &targets {
            let trimmed = target.trim_start_matches("./");
            for build in ["dist/", "lib/", "build/", "out/"] {
                if let Some(rest) = trimmed.strip_prefix(build) {
                    let rest = rest.strip_suffix(".d.ts").unwrap_or(rest);
                    if let Some(found) = self.resolve_path(&package.dir.join("src").join(rest)) {
                        return Some(found);
                    }
                }
            }
        }
        // Last, the package's sources laid out as its exports are: the
        // subpath (or `index`) at the package root, then under `src/`.
        let wanted = if subpath.is_empty() { "index" } else { subpath };
        [
            package.dir.join(wanted),
            package.dir.join("src").join(wanted),
        ]
        .iter()
        .find_map(|candidate| self.resolve_path(candidate))
    }

    /// A path as written (maybe without extension, maybe a directory) to a
    /// file of the tree: the path itself, `.js`-family specifiers mapped to
    /// their TypeScript sources, each extension, then `index` files.
    fn resolve_path(&self, base: &Path) -> Option<PathBuf> {
        let base = normalize(base);
        let text = base.to_string_lossy();
        for (js, ts) in [
            (".js", [".ts", ".tsx"]),
            (".jsx", [".tsx", ".tsx"]),
            (".mjs", [".mts", ".mts"]),
            (".cjs", [".cts", ".cts"]),
        ] {
            if let Some(stem) = text.strip_suffix(js) {
                for ext in ts {
                    let candidate = PathBuf::from(format!("{stem}{ext}"));
                    if self.files.contains(&candidate) {
                        return Some(candidate);
                    }
                }
                if js == ".js" {
                    let candidate = PathBuf::from(format!("{stem}.d.ts"));
                    if self.files.contains(&candidate) {
                        return Some(candidate);
                    }
                }
            }
        }
        if self.files.contains(&base) {
            return Some(base);
        }
        for ext in EXTENSIONS {
            let candidate = PathBuf::from(format!("{text}{ext}"));
            if self.files.contains(&candidate) {
                return Some(candidate);
            }
        }
        for ext in EXTENSIONS {
            let candidate = base.join(format!("index{ext}"));
            if self.files.contains(&candidate) {
                return Some(candidate);
            }
        }
        None
    }
}

/// Whether `package` lies in a workspace some other package of the tree
/// declares (npm/yarn `workspaces`, pnpm `packages`), `!` exclusions
/// honoured.
fn is_workspace_member(package: &Package, all: &[Package]) -> bool {
    all.iter().any(|root| {
        if root.workspaces.is_empty() || root.dir == package.dir {
            return false;
        }
        let Ok(relative) = package.dir.strip_prefix(&root.dir) else {
            return false;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        let included = root
            .workspaces
            .iter()
            .filter(|p| !p.starts_with('!'))
            .any(|p| glob_match(p, &relative));
        let excluded = root
            .workspaces
            .iter()
            .filter_map(|p| p.strip_prefix('!'))
            .any(|p| glob_match(p, &relative));
        included && !excluded
    })
}

/// The targets `exports` gives for `subpath`, best condition first
/// (`types`, `import`, `module`, `node`, `require`, `default`, then any
/// other): the caller takes the first that is a file of the tree.
fn export_targets(exports: &Value, subpath: &str) -> Vec<String> {
    let key = if subpath.is_empty() {
        ".".to_owned()
    } else {
        format!("./{subpath}")
    };
    let mut out = Vec::new();
    match exports {
        Value::Object(map) if map.keys().any(|k| k.starts_with('.')) => {
            if let Some(value) = map.get(&key) {
                conditions(value, None, &mut out);
            } else {
                let mut best: Option<(usize, &Value, String)> = None;
                for (pattern, value) in map {
                    let Some(star) = pattern.find('*') else {
                        continue;
                    };
                    let (prefix, suffix) = (&pattern[..star], &pattern[star + 1..]);
                    if key.len() >= prefix.len() + suffix.len()
                        && key.starts_with(prefix)
                        && key.ends_with(suffix)
                        && best.as_ref().is_none_or(|(len, _, _)| prefix.len() > *len)
                    {
                        let matched = key[prefix.len()..key.len() - suffix.len()].to_owned();
                        best = Some((prefix.len(), value, matched));
                    }
                }
                if let Some((_, value, matched)) = best {
                    conditions(value, Some(&matched), &mut out);
                }
            }
        }
        other if key == "." => conditions(other, None, &mut out),
        _ => {}
    }
    out
}

fn conditions(value: &Value, star: Option<&str>, out: &mut Vec<String>) {
    match value {
        Value::String(target) => out.push(match star {
            Some(star) => target.replace('*', star),
            None => target.clone(),
        }),
        Value::Array(list) => {
            for item in list {
                conditions(item, star, out);
            }
        }
        Value::Object(map) => {
            const PREFERRED: [&str; 6] =
                ["types", "import", "module", "node", "require", "default"];
            for name in PREFERRED {
                if let Some(inner) = map.get(name) {
                    conditions(inner, star, out);
                }
            }
            for (name, inner) in map {
                if !PREFERRED.contains(&name.as_str()) {
                    conditions(inner, star, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::export_targets;

    #[test]
    fn exports_give_conditional_and_pattern_targets() {
        let exports = json!({
            ".": {"types": "./dist/index.d.ts", "import": "./src/index.ts", "default": "./dist/index.js"},
            "./utils/*": {"import": "./src/utils/*.ts"},
            "./package.json": "./package.json"
        });
        assert_eq!(
            export_targets(&exports, ""),
            ["./dist/index.d.ts", "./src/index.ts", "./dist/index.js"]
        );
        assert_eq!(
            export_targets(&exports, "utils/money"),
            ["./src/utils/money.ts"]
        );
        assert!(export_targets(&exports, "missing").is_empty());
        assert_eq!(export_targets(&json!("./main.js"), ""), ["./main.js"]);
        assert!(export_targets(&json!("./main.js"), "x").is_empty());
    }
}
