//! The `cdk` parser; see ARCHITECTURE.md.
