//! The `cloudformation` parser; see ARCHITECTURE.md.
