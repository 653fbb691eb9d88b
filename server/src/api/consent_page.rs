//! `/admin/consents?id=<consent id>`: the proof view of one consent, for a viewer. Every record of
//! the consent in the order the server received them, with its place in the site's hash chain,
//! and for each hosted config version a record was given under, what the shopper was shown: the
//! banner's texts and buttons in the record's language and the categories with their services,
//! from that version's config as published (its texts over the built-in texts this server
//! serves). Server-rendered HTML, no script, the strict policy of `/admin`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use crumb_core::is_consent_id;
use serde::Deserialize;

use super::admin::{escape, html_page, page_head};
use super::reply::{internal, require_page, Role};
use crate::database::{ConfigVersion, StoredRecord, HISTORY_PAGE_MAX};
use crate::shown::{banner, Banner, Frozen};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub(super) struct LookupParams {
    id: Option<String>,
}

/// What a hosted config version showed in one language, read for the page.
struct Shown {
    /// The version, shared by its languages' entries.
    version: Arc<ConfigVersion>,
    language: String,
    /// The banner as the shopper read it, or why it cannot be shown.
    banner: Result<Banner, String>,
    /// Frozen at publish (else read now from the version's config and today's built-in texts).
    frozen: bool,
}

fn render(id: Option<&str>, records: &[StoredRecord], shown: &[Shown], message: Option<&str>) -> String {
    let mut html = page_head("Crumb: proof of consent");
    let _ = write!(
        html,
        "<p><a href=\"/admin\">Consent log</a></p><h1>Proof of consent</h1>\
         <form method=\"get\" action=\"/admin/consents\"><label>Consent id<input name=\"id\" size=\"40\" value=\"{}\" required></label>\
         <button type=\"submit\">Look up</button></form>",
        escape(id.unwrap_or(""))
    );
    if let Some(message) = message {
        let _ = write!(html, "<p role=\"status\">{}</p>", escape(message));
    }
    if !records.is_empty() {
        html.push_str(
            "<h2>Decisions, in the order the server received them</h2><table><tr><th>Received</th><th>Decided</th>\
             <th>Action</th><th>Revision</th><th>Config version</th><th>Language</th><th>GPC</th><th>Granted</th><th>Refused</th>\
             <th>Page</th><th>Chain</th></tr>",
        );
        for stored in records {
            let r = &stored.record;
            let (granted, refused): (Vec<&str>, Vec<&str>) = {
                let granted = r.categories.iter().filter(|(_, on)| **on).map(|(c, _)| c.as_str()).collect();
                let refused = r.categories.iter().filter(|(_, on)| !**on).map(|(c, _)| c.as_str()).collect();
                (granted, refused)
            };
            let version = r.config_version.map_or_else(|| "by hand".to_owned(), |v| v.to_string());
            let chain = stored
                .chain
                .as_ref()
                .map_or_else(String::new, |link| format!("#{} {}…", link.chain_seq, &link.hash[..12.min(link.hash.len())]));
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&stored.received_at),
                escape(&r.updated_at),
                r.action.as_str(),
                r.revision,
                escape(&version),
                escape(&r.language),
                if r.gpc { "on" } else { "off" },
                escape(&granted.join(", ")),
                escape(&refused.join(", ")),
                escape(&r.url_path),
                escape(&chain),
            );
        }
        html.push_str("</table>");
    }
    for shown in shown {
        let v = &shown.version;
        let _ = write!(
            html,
            "<section class=\"shown\"><h2>What the shopper saw: config version {} of {}, in <span lang=\"{lang}\">{lang}</span></h2>\
             <p class=\"muted\">Published {} by {}{}{}. {}</p>",
            v.version,
            escape(&v.site),
            escape(&v.published_at),
            escape(&v.published_by),
            if v.note.is_empty() { "" } else { ": " },
            escape(&v.note),
            if shown.frozen {
                "The banner's words as they were when this version was published."
            } else {
                "The site's own texts as published in this version, over the built-in texts this server serves now."
            },
            lang = escape(&shown.language),
        );
        match &shown.banner {
            Err(why) => {
                let _ = write!(html, "<p>{}</p>", escape(why));
            }
            Ok(banner) => {
                let lang = escape(&shown.language);
                let _ = write!(
                    html,
                    "<blockquote lang=\"{lang}\"><p><strong class=\"banner-title\">{}</strong></p><p class=\"banner-text\">{}</p>\
                     <p>Buttons: <span class=\"button\">{}</span> · <span class=\"button\">{}</span> · <span class=\"button\">{}</span></p></blockquote>\
                     <table lang=\"{lang}\"><tr><th>Category</th><th>Choice</th><th>Description</th><th>Services</th></tr>",
                    escape(&banner.title),
                    escape(&banner.text),
                    escape(&banner.buttons[0]),
                    escape(&banner.buttons[1]),
                    escape(&banner.buttons[2]),
                );
                for category in &banner.categories {
                    let _ = write!(
                        html,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&category.title),
                        if category.required { "always on" } else { "optional" },
                        escape(&category.description),
                        escape(&category.services.join(", "))
                    );
                }
                html.push_str("</table>");
            }
        }
        html.push_str("</section>");
    }
    html.push_str("</body></html>");
    html
}

pub(super) async fn page(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(params): Query<LookupParams>,
) -> Response {
    if let Err(refusal) = require_page(&state, &method, &uri, &headers, Role::Viewer) {
        return *refusal;
    }
    let id = params.id.map(|id| id.trim().to_owned()).filter(|id| !id.is_empty());
    let html = match id {
        None => render(None, &[], &[], None),
        Some(id) if !is_consent_id(&id) => render(Some(&id), &[], &[], Some("A consent id is 8-64 letters, digits or `-`.")),
        Some(id) => {
            let lookup = id.clone();
            let result = state
                .blocking(move |state| {
                    let (records, _) = state.database.history_page(&lookup, None, HISTORY_PAGE_MAX)?;
                    // Each hosted version the records were given under, with their languages: each
                    // version is read, and its frozen banners parsed, once.
                    let mut wanted: BTreeMap<(String, u32), BTreeSet<String>> = BTreeMap::new();
                    for stored in &records {
                        if let Some(version) = stored.record.config_version {
                            wanted.entry((stored.record.site.clone(), version)).or_default().insert(stored.record.language.clone());
                        }
                    }
                    let mut shown = Vec::new();
                    for ((site, version), languages) in wanted {
                        let Some(stored) = state.database.config_version(&site, i64::from(version))? else { continue };
                        let stored = Arc::new(stored);
                        let kept = Frozen::parse(&stored.shown);
                        // Read now only for a language the snapshot lacks.
                        let mut config = None;
                        for language in languages {
                            if let Some(kept) = kept.as_ref().and_then(|kept| kept.banner(&language)) {
                                shown.push(Shown { version: stored.clone(), language, banner: Ok(kept), frozen: true });
                                continue;
                            }
                            let config = config.get_or_insert_with(|| {
                                crumb_core::parse_config(&mut serde_json::Deserializer::from_str(&stored.config))
                                    .map_err(|errors| format!("This version's config no longer reads: {errors}"))
                            });
                            let banner = config.as_ref().map(|config| banner(config, &language, state.site_dir())).map_err(Clone::clone);
                            shown.push(Shown { version: stored.clone(), language, banner, frozen: false });
                        }
                    }
                    Ok((records, shown))
                })
                .await;
            match result {
                Ok((records, _)) if records.is_empty() => render(Some(&id), &[], &[], Some("No records for this consent id.")),
                Ok((records, shown)) => render(Some(&id), &records, &shown, None),
                Err(err) => return internal("the proof page failed", &err),
            }
        }
    };
    html_page(StatusCode::OK, html)
}
