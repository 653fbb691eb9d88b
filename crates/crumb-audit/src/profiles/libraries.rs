//! Profiles of the open-source banners the auditor knows besides Crumb, each read from the
//! library's own markup (the version named in the repository's package.json).

use super::Profile;

/// orestbida's cookieconsent (npm `vanilla-cookieconsent`, v3).
pub fn cookieconsent() -> Profile {
    super::from_selectors("#cc-main .cm [data-role=\"all\"]", Some("#cc-main .cm [data-role=\"necessary\"]"), None)
}

/// Klaro (npm `klaro`).
pub fn klaro() -> Profile {
    super::from_selectors(".klaro .cm-btn-accept-all", Some(".klaro .cm-btn-decline"), None)
}

/// tarteaucitron (npm `tarteaucitronjs`).
pub fn tarteaucitron() -> Profile {
    super::from_selectors("#tarteaucitronPersonalize2", Some("#tarteaucitronAllDenied2"), None)
}
