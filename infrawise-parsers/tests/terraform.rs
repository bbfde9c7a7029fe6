//! Snapshot tests for the Terraform HCL parser: one snapshot per fixture
//! directory under `tests/fixtures/terraform`, each directory a scan root.

use std::path::{Path, PathBuf};

use infrawise_parsers::terraform;

fn terraform_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            terraform_files(&path, out);
        } else if terraform::is_terraform_file(&path) {
            out.push(path);
        }
    }
    out.sort();
}

fn check(dir: &Path) -> String {
    let mut files = Vec::new();
    terraform_files(dir, &mut files);
    terraform::parse(&files, dir).render()
}

#[test]
fn fixtures() {
    insta::glob!("../../tests/fixtures/terraform", "?*", |dir| {
        if dir.is_dir() {
            insta::assert_snapshot!(check(dir));
        }
    });
}

#[test]
fn recognises_terraform_files() {
    for name in [
        "main.tf",
        "a.tf.json",
        "terraform.tfvars",
        "x.auto.tfvars.json",
    ] {
        assert!(terraform::is_terraform_file(Path::new(name)), "{name}");
    }
    for name in ["main.tfstate", "tf", "notes.md", "main.tf.bak"] {
        assert!(!terraform::is_terraform_file(Path::new(name)), "{name}");
    }
}

#[test]
fn same_input_gives_the_same_output() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/terraform/modules"
    ));
    assert_eq!(check(dir), check(dir));
}

/// Truncates and mutates every fixture `.tf` file many ways; parsing must
/// never panic and must report what it could not read.
#[test]
fn keeping_the_syntax_gives_the_same_fragment() {
    let same = |dir: &Path| {
        let mut files = Vec::new();
        terraform_files(dir, &mut files);
        let (fragment, syntax) = terraform::parse_keeping_syntax(&files, dir);
        syntax.free();
        let text = fragment.render();
        assert_eq!(text, check(dir), "{}", dir.display());
        text
    };
    insta::glob!("../../tests/fixtures/terraform", "?*", |dir| {
        if dir.is_dir() {
            same(dir);
        }
    });
    // A root whose Lambda function is built from local code: the link that
    // needs the whole scan happens on both paths.
    let linked = same(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/code_links"
    )));
    assert!(linked.contains("implemented_by"), "{linked}");
}

#[test]
fn mangled_input_never_panics() {
    let base = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/terraform"
    ));
    let mut files = Vec::new();
    terraform_files(base, &mut files);
    let scratch = std::env::temp_dir().join(format!("infrawise-tf-mangle-{}", std::process::id()));
    let mut runs = 0;
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "tf"))
    {
        let Ok(text) = std::fs::read(file) else {
            continue;
        };
        let step = (text.len() / 40).max(1);
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for cut in (0..text.len()).step_by(step) {
            variants.push(text[..cut].to_vec());
            let mut mutated = text.clone();
            mutated[cut] = b"{}[]()\"$%=\n\\~"[cut % 13];
            variants.push(mutated);
        }
        for variant in variants {
            std::fs::create_dir_all(&scratch).unwrap_or_else(|e| panic!("{e}"));
            let path = scratch.join("main.tf");
            std::fs::write(&path, &variant).unwrap_or_else(|e| panic!("{e}"));
            let _ = terraform::parse(&[path], &scratch).render();
            runs += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(runs > 500, "only {runs} variants were tried");
}
