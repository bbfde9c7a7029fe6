//! A SAM stack's real resource listing against its template: every
//! resource the transform generates is declared under the logical id the
//! transform gives it, so nothing running is reported as undeclared and
//! nothing declared as missing.

use std::path::Path;

use infrawise::graph::{FindingCode, StalenessOptions, staleness};
use infrawise::{ScanOptions, scan};

#[test]
fn a_sam_stack_listing_matches_its_template() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sam_stack");
    let graph = scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .graph;
    let findings = staleness(&graph, &StalenessOptions::default());
    let presence: Vec<String> = findings
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                FindingCode::ObservedNotDeclared | FindingCode::DeclaredNotObserved
            )
        })
        .map(|f| f.message.clone())
        .collect();
    assert!(presence.is_empty(), "{presence:#?}");
    // The listing's twelve resources all met a declaration.
    let observed_and_declared = graph
        .nodes()
        .filter(|n| {
            let origins = n.node.origins();
            origins.contains(&infrawise::core::Origin::Declared)
                && origins.contains(&infrawise::core::Origin::Observed)
                && n.node.kind != infrawise::core::NodeKind::Stack
        })
        .count();
    assert_eq!(observed_and_declared, 12);
    // The deployment's hash-suffixed id is still a way to look it up.
    assert!(
        graph
            .lookup("ServerlessRestApiDeployment47fc2d5f9d")
            .is_ok()
    );
}

/// `Globals.Function` reaches every function for what it does not set
/// itself: attributes, and environment variables name by name.
#[test]
fn globals_apply_where_the_function_is_silent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sam_stack");
    let graph = scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .graph;
    let function = graph
        .node(&infrawise::core::NodeId::new(
            "cfn:hello:HelloWorldFunction",
        ))
        .unwrap_or_else(|| panic!("the function is declared"));
    let declared = |name: &str| {
        function
            .node
            .attributes
            .get(name)
            .and_then(|values| values.get(&infrawise::core::Origin::Declared))
            .map(|value| serde_json::to_string(value).unwrap_or_default())
    };
    assert_eq!(declared("Properties.Timeout").as_deref(), Some("10"));
    assert_eq!(
        declared("Properties.Runtime").as_deref(),
        Some("\"python3.12\"")
    );
    let variables: Vec<String> = graph
        .outgoing(&function.node.id)
        .iter()
        .filter(|e| e.edge.kind == infrawise::core::EdgeKind::ConfiguredBy)
        .map(|e| e.to.to_string())
        .collect();
    assert_eq!(
        variables,
        [
            "cfn:hello:HelloWorldFunction:env:QUEUE_URL",
            "cfn:hello:HelloWorldFunction:env:STAGE"
        ]
    );
    let stage = graph
        .node(&infrawise::core::NodeId::new(
            "cfn:hello:HelloWorldFunction:env:STAGE",
        ))
        .map(|n| {
            let value = n
                .node
                .attributes
                .get("value")
                .and_then(|values| values.get(&infrawise::core::Origin::Declared))
                .map(|value| serde_json::to_string(value).unwrap_or_default());
            let lines: Vec<Option<u32>> = n
                .node
                .evidence
                .iter()
                .map(infrawise::core::Evidence::line)
                .collect();
            (value, lines)
        });
    // A literal environment value is withheld (it could be a credential);
    // the evidence shows which statement gave it: the function's own
    // (line 24), not the Globals' (line 12).
    assert_eq!(
        stage,
        Some((
            Some("{\"redacted\":\"literal environment value\"}".to_owned()),
            vec![Some(24)]
        )),
        "the function's own value wins"
    );
}
