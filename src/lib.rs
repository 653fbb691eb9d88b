//! Crumb widget (placeholder while the core is written).
