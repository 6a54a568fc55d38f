//! Scenario loading (in progress).
