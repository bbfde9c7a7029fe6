//! The `tfstate` parser; see ARCHITECTURE.md.
