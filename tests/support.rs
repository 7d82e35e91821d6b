//! Shared helpers for boxkit's cross-crate tests.
