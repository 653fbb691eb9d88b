//! Gated content (`<script type="text/plain" data-category>`, `<iframe|img data-src
//! data-category>`): the crate crumb-gate, shared with the apply part (crates/crumb-apply), which
//! starts a returning visitor's consented scripts before the main part arrives. What may run is
//! decided by `crumb_core::gating`; the placeholders of blocked embeds are drawn by whoever the
//! composition root injects ([`Placeholders`]), so this layer never imports the components.

pub use crumb_gate::{Gate, Placeholders};
