//! Crumb's end-to-end suite as one test binary: each journey file is a module, so the harness
//! (`crumb_e2e`) and its dependencies are linked once, and a test is named `<file>::<test>`
//! (`cargo test -p crumb-e2e -- gating::` runs one file's journeys).
//!
//! Build the bundle first (`trunk build --release` at the workspace root), then
//! `cargo test -p crumb-e2e --tests -- --test-threads=2`. `harness` needs no bundle.

mod a11y;
mod apply;
mod audit;
mod branding;
mod configurator;
mod debug_panel;
mod delivery;
mod docs;
mod gating;
mod harness;
mod host_pages;
mod hostile;
mod journeys;
mod languages;
mod parts;
mod prepaint;
mod privacy;
mod release;
mod shops;
