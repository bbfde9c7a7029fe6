//! CDK cloud assemblies (`cdk.out`), read through their `manifest.json`.
//!
//! - Every `aws:cloudformation:stack` artifact the manifest lists is a
//!   declared stack, named as the manifest names it (`properties.stackName`,
//!   else the artifact id); its template is parsed by the CloudFormation
//!   parser with format `cdk`, so exports and imports between stacks resolve
//!   as they do for plain templates.
//! - `*.template.json` files the manifest no longer lists (left by an
//!   earlier synth) are orphans: their resources are not declared, and a
//!   warning says so. Nested-stack templates, which the listed templates
//!   name as assets, are not orphans.
//! - Construct paths come from each resource's `aws:cdk:path` metadata, the
//!   manifest's `aws:cdk:logicalId` metadata and `tree.json`; each becomes a
//!   `construct_path` alias (the L1 path and, for `…/Resource`, its L2 owner).
//! - Asset metadata (`aws:asset:path`) links a function to its asset
//!   directory (`implemented_by`).
//! - A stack's manifest `dependencies` on other stacks are `depends_on`
//!   edges between the stack nodes.

mod manifest;

use std::path::Path;

pub use manifest::parse;

/// Whether `dir` holds a cloud assembly: a `manifest.json` with artifacts.
pub fn detect(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("manifest.json")).is_ok_and(|text| {
        text.contains("\"artifacts\"") || text.contains("aws:cloudformation:stack")
    })
}
