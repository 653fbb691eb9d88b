//! The five real shops served as demos under `www/demo/<slug>/`: for each, the cookies its
//! published policy names, typed from the policy, with the category the shop's config puts them
//! in. Shared by the host test (`crates/crumb-core/tests/shops.rs`: the config says what this list
//! says) and the end-to-end test (`tests/tests/e2e/shops.rs`: the preference center shows it, and
//! Reject all leaves only the necessary cookies).
//!
//! A cookie's `label` is its `name` in the config, or its `pattern` when it stands for several.

#![allow(dead_code)]

use std::path::PathBuf;

/// How the policy names a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// By this exact name.
    Verbatim,
    /// By another spelling (a machine translation, a typo): the policy's text is given, the
    /// config lists the real cookie name.
    As(&'static str),
    /// Only by what it is for (the policy's words are given): the shop chose the cookie, and its
    /// config's `comment` says so.
    Purpose(&'static str),
    /// Crumb's own cookie holding the choice, listed by every shop.
    Crumb,
}

#[derive(Debug, Clone, Copy)]
pub struct Listed {
    pub category: &'static str,
    pub label: &'static str,
    pub named: Named,
}

#[derive(Debug, Clone, Copy)]
pub struct Shop {
    pub slug: &'static str,
    /// The policy's language: the banner's language for a browser that asks for it.
    pub language: &'static str,
    /// Browser languages of a shopper of this shop (`navigator.languages`).
    pub browser: &'static [&'static str],
    /// The languages the shop offers: the policy's, and English.
    pub languages: &'static [&'static str],
    /// The policy's version where it gives one, else 1.
    pub revision: u32,
    pub cookies: &'static [Listed],
    /// What the shop's own (ungated) script sets on every page: its necessary cookies.
    pub set_by_shop: &'static [&'static str],
    /// What the gated stand-ins set once everything is accepted, by service id.
    pub set_on_consent: &'static [(&'static str, &'static [&'static str])],
}

const fn c(category: &'static str, label: &'static str, named: Named) -> Listed {
    Listed { category, label, named }
}

use Named::{As, Crumb, Purpose, Verbatim};

const GA4_121: Named = Purpose("The cookies help us to evaluate our web site");
const WIX: Named = Purpose("stored either with WIX");
const GA_SWB: Named = Purpose("Google Analytics when you use our website");
const GA_SC: Named = Purpose("informatie te verzamelen over het gebruik van onze diensten");
const GA_TLX: Named = Purpose("analyzing popular areas and products");

pub const SHOPS: &[Shop] = &[
    Shop {
        slug: "121time",
        language: "en",
        browser: &["en-GB", "en"],
        languages: &["en"],
        revision: 1,
        cookies: &[
            c("necessary", "121time_session", Purpose("As a 121TIME customer you have access to an account")),
            c("necessary", "121time_cart", Purpose("retain an overview of products")),
            c("necessary", "crumb_consent", Crumb),
            c("analytics", "_ga", GA4_121),
            c("analytics", "^_ga_[A-Z0-9]+$", GA4_121),
        ],
        set_by_shop: &["121time_session", "121time_cart"],
        set_on_consent: &[("ga4", &["_ga", "_ga_T121DEMO"])],
    },
    Shop {
        slug: "swedish-b2b",
        language: "en",
        browser: &["en-US", "en"],
        languages: &["en"],
        revision: 1,
        cookies: &[
            c("necessary", "XSRF-TOKEN", WIX),
            c("necessary", "hs", WIX),
            c("necessary", "svSession", WIX),
            c("necessary", "smSession", WIX),
            c("necessary", "^TS[0-9a-fA-F]{6,}(_d)?$", WIX),
            c("necessary", "SSR-caching", WIX),
            c("necessary", "bSession", WIX),
            c("necessary", "fedops.logger.sessionId", WIX),
            c("necessary", "crumb_consent", Crumb),
            c("analytics", "_ga", GA_SWB),
            c("analytics", "^_ga_[A-Z0-9]+$", GA_SWB),
        ],
        set_by_shop: &["XSRF-TOKEN", "hs", "svSession", "TS01a2b3c4", "SSR-caching", "bSession", "fedops.logger.sessionId"],
        set_on_consent: &[("ga4", &["_ga", "_ga_SWB2BDEMO"])],
    },
    Shop {
        slug: "onto-object",
        language: "nl",
        browser: &["nl-BE", "nl"],
        languages: &["nl", "en"],
        revision: 1,
        cookies: &[
            c("necessary", "sc_cart", Purpose("winkelmandje")),
            c("necessary", "sc_session", Purpose("of de bezoeker al geregistreerd is of niet")),
            c("necessary", "sc_lang", Purpose("de geslecteerde taal")),
            c("necessary", "crumb_consent", Crumb),
            c("preferences", "sc_recent", Purpose("recent bekeken producten")),
            c("preferences", "sc_wishlist", Purpose("wishlist")),
            c("preferences", "sc_compare", Purpose("producten die vergeleken worden")),
            c("preferences", "sc_registered", Purpose("om u te herkennen bij een volgend bezoek")),
            c("analytics", "_ga", GA_SC),
            c("analytics", "^_ga_[A-Z0-9]+$", GA_SC),
        ],
        set_by_shop: &["sc_session", "sc_cart", "sc_lang"],
        set_on_consent: &[("remember", &["sc_recent", "sc_wishlist", "sc_compare", "sc_registered"]), ("ga4", &["_ga", "_ga_SCDEMO1"])],
    },
    Shop {
        slug: "contrado",
        language: "zh",
        browser: &["zh-CN", "zh"],
        languages: &["zh", "en"],
        // "V.100000002 12 /八月/ 2020"
        revision: 100_000_002,
        cookies: &[
            // First-party table.
            c("necessary", "ASP.NET_SessionId", Verbatim),
            c("necessary", "treeview", As("树视图")),
            c("necessary", "crumb_consent", Crumb),
            c("preferences", "cuplphotos", Verbatim),
            c("preferences", "customervisit", As("客户访问")),
            c("preferences", "designInfo", Verbatim),
            c("preferences", "optInfo", Verbatim),
            // Third-party table.
            c("analytics", "__utma", As("_utma")),
            c("analytics", "__utmb", As("_utmb")),
            c("analytics", "__utmc", As("_utmc")),
            c("analytics", "__utmz", As("_utmz")),
            c("social", "datr", Verbatim),
            c("social", "lu", Verbatim),
            c("social", "s", Verbatim),
            c("social", "act", Verbatim),
            c("social", "p", Verbatim),
            c("social", "c_user", Verbatim),
            c("social", "csm", Verbatim),
            c("social", "xs", Verbatim),
            c("social", "presence", Verbatim),
            c("social", "sub", Verbatim),
            c("social", "NID", Verbatim),
            c("social", "PREF", Verbatim),
            c("social", "HSID", Verbatim),
            c("social", "SSID", Verbatim),
            c("social", "APISID", Verbatim),
            c("social", "SAPISID", Verbatim),
            c("social", "ULS", Verbatim),
            c("social", "SID", Verbatim),
            c("social", "BEAT", Verbatim),
            c("social", "guest_id", Verbatim),
            c("social", "k", Verbatim),
            c("social", "_twitter_sess", Verbatim),
            c("social", "_pinterest_sess", Verbatim),
            // The advertising section names Facebook's Custom Audiences, not a cookie.
            c("marketing", "_fbp", Purpose("自定义受众服务")),
        ],
        set_by_shop: &["ASP.NET_SessionId", "treeview"],
        set_on_consent: &[
            ("contrado-memory", &["cuplphotos", "customervisit", "designInfo", "optInfo"]),
            ("google-analytics", &["__utma", "__utmb", "__utmc", "__utmz"]),
            ("facebook", &["datr", "lu", "s", "act", "p", "c_user", "csm", "xs", "presence", "sub"]),
            ("google-plus", &["NID", "PREF", "HSID", "SSID", "APISID", "SAPISID", "ULS", "SID", "BEAT"]),
            ("twitter", &["guest_id", "k", "_twitter_sess"]),
            ("pinterest", &["_pinterest_sess"]),
            ("facebook-pixel", &["_fbp"]),
        ],
    },
    Shop {
        slug: "timelux",
        language: "en",
        browser: &["en-US", "en"],
        languages: &["en"],
        revision: 1,
        cookies: &[
            c("necessary", "Session_ID", Verbatim),
            c("necessary", "crumb_consent", Crumb),
            c("preferences", "Persistent_ID", Purpose("Persistent cookies, in contrast, last from visit to visit")),
            c("analytics", "_ga", GA_TLX),
            c("analytics", "^_ga_[A-Z0-9]+$", GA_TLX),
        ],
        set_by_shop: &["Session_ID"],
        set_on_consent: &[("saved-bag", &["Persistent_ID"]), ("ga4", &["_ga", "_ga_TLXDEMO1"])],
    },
];

impl Shop {
    /// The labels the policy puts in one category, in policy order.
    pub fn in_category(&self, category: &str) -> Vec<&'static str> {
        self.cookies.iter().filter(|c| c.category == category).map(|c| c.label).collect()
    }

    /// The categories, in the order they first appear.
    pub fn categories(&self) -> Vec<&'static str> {
        let mut list = Vec::new();
        for cookie in self.cookies {
            if !list.contains(&cookie.category) {
                list.push(cookie.category);
            }
        }
        list
    }

    /// `/demo/<slug>/`
    pub fn path(&self) -> String {
        format!("/demo/{}/", self.slug)
    }

    pub fn page_file(&self) -> PathBuf {
        demo_dir().join(self.slug).join("index.html")
    }

    pub fn demo_css(&self) -> PathBuf {
        demo_dir().join(self.slug).join("shop.css")
    }

    pub fn policy_file(&self) -> PathBuf {
        demo_dir().join(self.slug).join("privacy.html")
    }

    pub fn page(&self) -> String {
        read(&self.page_file())
    }

    /// The JSON text inside `<script type="application/json" id="crumb-config">`.
    pub fn config_text(&self) -> String {
        let html = self.page();
        let open = r#"<script type="application/json" id="crumb-config">"#;
        let start = html.find(open).unwrap_or_else(|| panic!("{}: no `{open}`", self.slug)) + open.len();
        let end = start + html[start..].find("</script>").unwrap_or_else(|| panic!("{}: config not closed", self.slug));
        html[start..end].to_owned()
    }

    pub fn config_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.config_text()).unwrap_or_else(|e| panic!("{}: the config is not JSON: {e}", self.slug))
    }

    /// The policy's text as the local copy shows it (tags dropped, entities decoded).
    pub fn policy_text(&self) -> String {
        let html = read(&self.policy_file());
        let mut text = String::with_capacity(html.len());
        let mut in_tag = false;
        for ch in html.chars() {
            match ch {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    text.push('\n');
                }
                _ if !in_tag => text.push(ch),
                _ => {}
            }
        }
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'").replace("&amp;", "&")
    }
}

/// `www/demo`, found from the crate that includes this file.
pub fn demo_dir() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        if dir.join("www/demo").is_dir() {
            return dir.join("www/demo");
        }
        if !dir.pop() {
            panic!("no www/demo above {}", env!("CARGO_MANIFEST_DIR"));
        }
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
