//! Project configuration the resolver reads: `tsconfig.json` (JSON with
//! comments, `extends` followed), `package.json` and `pnpm-workspace.yaml`.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Reads JSON that may hold comments and trailing commas, as `tsconfig.json`
/// files do. `None` when the text is not JSON even after that.
pub(crate) fn parse_jsonc(text: &str) -> Option<Value> {
    serde_json::from_str(&strip_jsonc(text)).ok()
}

/// Removes `//` and `/* */` comments outside strings, and commas that stand
/// right before a closing bracket, so serde_json accepts the text.
fn strip_jsonc(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            out.push(c);
            if c == b'\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                out.push(c);
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b']' | b'}' => {
                // Drop a trailing comma (and the blanks after it) before the bracket.
                let mut end = out.len();
                while end > 0 && out[end - 1].is_ascii_whitespace() {
                    end -= 1;
                }
                if end > 0 && out[end - 1] == b',' {
                    out.remove(end - 1);
                }
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The module-resolution settings of one `tsconfig.json`, after `extends`.
#[derive(Clone, Debug, Default)]
pub(crate) struct TsConfig {
    /// `compilerOptions.baseUrl`, absolute.
    pub(crate) base_url: Option<PathBuf>,
    /// `compilerOptions.paths`: pattern and substitutions, in file order.
    pub(crate) paths: Vec<(String, Vec<String>)>,
    /// The directory `paths` substitutions are relative to: `baseUrl` when
    /// set, else the directory of the config that declared `paths`.
    pub(crate) paths_base: PathBuf,
}

/// Loads the config at `path` and the chain it `extends`. `find_package`
/// locates a package of the scanned tree by name, for `extends` that names
/// a package (`@company/tsconfig/base.json`); packages outside the tree
/// (in `node_modules`) are never read.
pub(crate) fn load_tsconfig(
    path: &Path,
    find_package: &dyn Fn(&str) -> Option<PathBuf>,
) -> Option<TsConfig> {
    let mut chain: Vec<(PathBuf, Value)> = Vec::new();
    collect_chain(path, find_package, &mut chain, 0);
    if chain.is_empty() {
        return None;
    }
    let mut config = TsConfig::default();
    // The chain is child first; apply the most distant base first.
    for (file, value) in chain.iter().rev() {
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let Some(options) = value.get("compilerOptions") else {
            continue;
        };
        if let Some(base) = options.get("baseUrl").and_then(Value::as_str) {
            config.base_url = Some(crate::typescript::resolve::normalize(&dir.join(base)));
        }
        if let Some(paths) = options.get("paths").and_then(Value::as_object) {
            config.paths = paths
                .iter()
                .map(|(pattern, targets)| {
                    let targets = targets
                        .as_array()
                        .map(|t| {
                            t.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    (pattern.clone(), targets)
                })
                .collect();
            config.paths_base.clone_from(&dir);
        }
    }
    if let Some(base) = &config.base_url {
        config.paths_base.clone_from(base);
    }
    Some(config)
}

fn collect_chain(
    path: &Path,
    find_package: &dyn Fn(&str) -> Option<PathBuf>,
    chain: &mut Vec<(PathBuf, Value)>,
    depth: usize,
) {
    // A cycle of `extends` must not loop for ever.
    if depth > 16 || chain.iter().any(|(p, _)| p == path) {
        return;
    }
    let Some(value) = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| parse_jsonc(&t))
    else {
        return;
    };
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let extends: Vec<String> = match value.get("extends") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    chain.push((path.to_path_buf(), value));
    // With several bases, later ones override earlier ones: visit them last first
    // so that after the reversal in `load_tsconfig` they apply in order.
    for base in extends.iter().rev() {
        let target = if base.starts_with('.') || Path::new(base).is_absolute() {
            Some(dir.join(base))
        } else {
            package_file(base, find_package)
        };
        let Some(target) = target else { continue };
        let target = crate::typescript::resolve::normalize(&target);
        let with_json = if target.extension().is_some_and(|e| e == "json") {
            target
        } else if target.is_dir() {
            target.join("tsconfig.json")
        } else {
            PathBuf::from(format!("{}.json", target.display()))
        };
        collect_chain(&with_json, find_package, chain, depth + 1);
    }
}

/// `@scope/name/sub/file.json` or `name/file.json` as a file of a package
/// of the tree.
fn package_file(spec: &str, find_package: &dyn Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    let (name, sub) = split_package(spec)?;
    let dir = find_package(name)?;
    Some(if sub.is_empty() {
        dir.join("tsconfig.json")
    } else {
        dir.join(sub)
    })
}

/// Splits a bare specifier into package name and subpath:
/// `@scope/name/a/b` gives (`@scope/name`, `a/b`), `lodash/fp` gives
/// (`lodash`, `fp`). `None` for an empty or malformed name.
pub(crate) fn split_package(spec: &str) -> Option<(&str, &str)> {
    let split_at = if spec.starts_with('@') {
        let first = spec.find('/')?;
        spec[first + 1..].find('/').map(|second| first + 1 + second)
    } else {
        spec.find('/')
    };
    let (name, sub) = match split_at {
        Some(at) => (&spec[..at], &spec[at + 1..]),
        None => (spec, ""),
    };
    let valid = !name.is_empty()
        && !name.ends_with('/')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '/' | '-' | '_' | '.' | '~'));
    valid.then_some((name, sub))
}

/// A `package.json` of the tree.
#[derive(Clone, Debug, Default)]
pub(crate) struct Package {
    /// The directory holding it.
    pub(crate) dir: PathBuf,
    /// `name`.
    pub(crate) name: Option<String>,
    /// `exports`, as written.
    pub(crate) exports: Option<Value>,
    /// `types`/`typings`, `module`, `main`, in that order of preference.
    pub(crate) entries: Vec<String>,
    /// Workspace patterns this package declares (`workspaces` or
    /// `workspaces.packages`, plus a `pnpm-workspace.yaml` beside it).
    pub(crate) workspaces: Vec<String>,
}

/// Reads the `package.json` in `dir`, if there is one that parses.
pub(crate) fn load_package(dir: &Path) -> Option<Package> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let value = parse_jsonc(&text)?;
    let text_of = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut workspaces: Vec<String> = match value.get("workspaces") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::Object(object)) => object
            .get("packages")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    workspaces.extend(pnpm_workspace(dir));
    Some(Package {
        dir: dir.to_path_buf(),
        name: text_of("name"),
        exports: value.get("exports").cloned(),
        entries: ["types", "typings", "module", "main"]
            .iter()
            .filter_map(|key| text_of(key))
            .collect(),
        workspaces,
    })
}

/// The `packages` globs of a `pnpm-workspace.yaml` in `dir`.
pub(crate) fn pnpm_workspace(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("pnpm-workspace.yaml")) else {
        return Vec::new();
    };
    let Ok(documents) = yaml_rust2::YamlLoader::load_from_str(&text) else {
        return Vec::new();
    };
    documents
        .first()
        .and_then(|doc| doc["packages"].as_vec())
        .map(|list| {
            list.iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the `/`-separated relative path `path` matches workspace glob
/// `pattern` (`packages/*`, `apps/**`, `tools/cli`); `!` negations are
/// handled by the caller.
pub(crate) fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let pattern_parts: Vec<&str> = pattern.split('/').collect();
    let path_parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match_parts(&pattern_parts, &path_parts)
}

fn match_parts(pattern: &[&str], path: &[&str]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(&"**"), _) => {
            match_parts(&pattern[1..], path)
                || (!path.is_empty() && match_parts(pattern, &path[1..]))
        }
        (Some(part), Some(segment)) => {
            segment_match(part, segment) && match_parts(&pattern[1..], &path[1..])
        }
        _ => false,
    }
}

fn segment_match(pattern: &str, text: &str) -> bool {
    let Some(star) = pattern.find('*') else {
        return pattern == text;
    };
    let (prefix, rest) = (&pattern[..star], &pattern[star + 1..]);
    let Some(text) = text.strip_prefix(prefix) else {
        return false;
    };
    (0..=text.len())
        .filter(|at| text.is_char_boundary(*at))
        .any(|at| segment_match(rest, &text[at..]))
}

#[cfg(test)]
mod tests {
    use super::{glob_match, parse_jsonc, split_package};

    #[test]
    fn jsonc_with_comments_and_trailing_commas_reads() {
        let value =
            parse_jsonc("{\n // c\n \"a\": [1, 2,], /* x */ \"b\": {\"c\": \"http://x//y\",},\n}");
        assert_eq!(
            value.map(|v| v.to_string()).as_deref(),
            Some("{\"a\":[1,2],\"b\":{\"c\":\"http://x//y\"}}")
        );
    }

    #[test]
    fn package_names_keep_scopes_whole() {
        assert_eq!(
            split_package("@aws-sdk/client-sqs"),
            Some(("@aws-sdk/client-sqs", ""))
        );
        assert_eq!(
            split_package("@scope/name/sub/x"),
            Some(("@scope/name", "sub/x"))
        );
        assert_eq!(split_package("lodash/fp"), Some(("lodash", "fp")));
        assert_eq!(split_package("@scope"), None);
    }

    #[test]
    fn workspace_globs_match_directories() {
        assert!(glob_match("packages/*", "packages/core"));
        assert!(!glob_match("packages/*", "packages/core/sub"));
        assert!(glob_match("apps/**", "apps/web/admin"));
        assert!(glob_match("./tools/cli/", "tools/cli"));
        assert!(glob_match("packages/lib-*", "packages/lib-db"));
        assert!(!glob_match("packages/lib-*", "packages/app"));
    }
}
