//! crumb-audit: the regulators' cookie-banner checks as a tool any site owner runs against any
//! site (issue 14). This crate holds the rules ([`rules`]) and the pure checks the browser
//! driver feeds with what it measured: the first layer's buttons ([`buttons`]), cookies against a
//! banner's declarations ([`cookies`]) and requests to tracking hosts ([`trackers`]). All of it is
//! tested on the host, as is the report ([`report`]: JSON, a self-contained HTML file, the exit
//! status). The browser driver comes next.

pub mod browser;
pub mod buttons;
pub mod cookies;
pub mod profiles;
pub mod report;
pub mod rules;
pub mod run;
pub mod trackers;
