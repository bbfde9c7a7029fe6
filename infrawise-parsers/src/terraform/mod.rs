//! The `terraform` parser; see ARCHITECTURE.md.
