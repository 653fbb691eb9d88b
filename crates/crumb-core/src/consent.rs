//! The consent value a shopper gives, how it is checked when read back from storage, and how a
//! decision turns the old value into a new one with its record and effects.

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::json::{self, read, At, FromJson, ToJson, Unknown, Value};

use crate::config::Config;
use crate::consent_mode::consent_mode_signals;
use crate::diff::Diff;
use crate::effect::Effect;
use crate::ids::is_consent_id;
use crate::record::{ConsentRecord, RECORD_SCHEMA};
use crate::time::{to_rfc3339, DAY_MS, EARLIEST_MS};

/// The version of the stored value's shape.
pub const STORED_VERSION: u32 = 1;

/// What is stored (localStorage key `crumb`, cookie `crumb_consent`). Times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// The shape's version, [`STORED_VERSION`]; any other is refused as
    /// [`StoredError::WrongVersion`].
    pub v: u32,
    /// The consent id (8-64 letters, digits or `-`, a UUID v4 from the widget): every later
    /// decision keeps it, until a reset starts a fresh one, so the records of one consent share it.
    pub id: String,
    /// Every category of the config by id: granted (`true`) or refused. Required ones are always
    /// on.
    pub categories: Map<bool>,
    /// Every service of the config by id: granted or refused. It may differ from its category's
    /// answer, and gating goes by it first ([`Consent::allows`]).
    pub services: Map<bool>,
    /// The config `revision` the shopper decided on; when the config's differs, they are asked
    /// again.
    pub revision: u32,
    /// When this consent id was first given; later decisions keep it.
    pub given_at: i64,
    /// When the latest decision was made.
    pub updated_at: i64,
    /// When the consent stops holding: `updated_at` plus the config's `expiry_days`.
    pub expires_at: i64,
    /// The language the widget was showing when the shopper decided.
    pub language: String,
}

/// The stored shape exactly: a field it does not have is refused (`services` may be absent).
impl FromJson for Consent {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &["v", "id", "categories", "services", "revision", "given_at", "updated_at", "expires_at", "language"];
        let required = &["v", "id", "categories", "revision", "given_at", "updated_at", "expires_at", "language"];
        let mut consent = Consent {
            v: 0,
            id: String::new(),
            categories: Map::new(),
            services: Map::new(),
            revision: 0,
            given_at: 0,
            updated_at: 0,
            expires_at: 0,
            language: String::new(),
        };
        json::fields(value, at, "struct Consent", FIELDS, required, Unknown::Refused, &mut |field, value, at| {
            match field {
                0 => consent.v = read(value, at)?,
                1 => consent.id = read(value, at)?,
                2 => consent.categories = read(value, at)?,
                3 => consent.services = read(value, at)?,
                4 => consent.revision = read(value, at)?,
                5 => consent.given_at = read(value, at)?,
                6 => consent.updated_at = read(value, at)?,
                7 => consent.expires_at = read(value, at)?,
                _ => consent.language = read(value, at)?,
            }
            Ok(())
        })?;
        Ok(consent)
    }
}

/// Written as serde writes it (field order, `services` always there), for storage and the page.
impl ToJson for Consent {
    fn to_value(&self) -> Value {
        json::object(vec![
            ("v", self.v.to_value()),
            ("id", self.id.to_value()),
            ("categories", self.categories.to_value()),
            ("services", self.services.to_value()),
            ("revision", self.revision.to_value()),
            ("given_at", self.given_at.to_value()),
            ("updated_at", self.updated_at.to_value()),
            ("expires_at", self.expires_at.to_value()),
            ("language", self.language.to_value()),
        ])
    }
}

/// Why a stored value was not used (the shopper is asked again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredError {
    /// Not JSON of the [`Consent`] shape; holds the parser's message.
    #[error("stored consent is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    /// A `v` other than [`STORED_VERSION`]; holds the version read.
    #[error("stored consent has version {0}, this widget reads version 1")]
    WrongVersion(u32),
    /// The id is not 8-64 letters, digits or `-`.
    #[error("stored consent has a malformed id")]
    BadId,
    /// Given before 2020, updated before it was given, or expiring at or before the update or more
    /// than 395 days after it.
    #[error("stored consent has impossible dates")]
    BadDates,
    /// Updated more than a day after now (a day of clock skew is accepted).
    #[error("stored consent is dated in the future")]
    FutureDates,
}

impl Consent {
    /// Whether this category is granted (`false` for one the consent does not name).
    pub fn granted(&self, category: &str) -> bool {
        self.categories.get(category).copied().unwrap_or(false)
    }

    /// Whether this service's own answer is a grant (`false` when it has none); gating goes
    /// through [`Consent::allows`], which falls back to the category.
    pub fn service_granted(&self, service: &str) -> bool {
        self.services.get(service).copied().unwrap_or(false)
    }

    /// Whether gated content marked `data-category=category data-service=service` may run: the
    /// service's own answer when the consent has one (a service granted on its own through an
    /// embed's "Load content" while its category stays off, or refused inside a granted
    /// category), else the category's.
    pub fn allows(&self, category: &str, service: Option<&str>) -> bool {
        match service.and_then(|s| self.services.get(s)) {
            Some(answer) => *answer,
            None => self.granted(category),
        }
    }

    /// A service granted while its category is off: "Load content" on an embed.
    fn granted_on_its_own(&self, category: &str, service: &str) -> bool {
        self.service_granted(service) && !self.granted(category)
    }

    /// Checks a value read back from storage against the config and the clock. Categories and
    /// services the config no longer has are dropped; required ones are forced on; anything that
    /// cannot be trusted is an error, and the shopper is asked again.
    pub fn checked(mut self, config: &Config, now: i64) -> Result<Consent, StoredError> {
        if self.v != STORED_VERSION {
            return Err(StoredError::WrongVersion(self.v));
        }
        if !is_consent_id(&self.id) {
            return Err(StoredError::BadId);
        }
        let max_span = i64::from(crate::config::MAX_EXPIRY_DAYS) * DAY_MS;
        if self.given_at < EARLIEST_MS
            || self.updated_at < self.given_at
            || self.expires_at <= self.updated_at
            || self.expires_at - self.updated_at > max_span
        {
            return Err(StoredError::BadDates);
        }
        // A little clock skew between tabs or devices is fine; a date days ahead is not.
        if self.updated_at > now + DAY_MS {
            return Err(StoredError::FutureDates);
        }
        self.categories.retain(|id, _| config.category(id).is_some());
        self.services.retain(|id, _| config.category_of_service(id).is_some());
        let required = || config.categories.iter().filter(|c| c.required);
        self.categories.extend(required().map(|category| (category.id.clone(), true)));
        self.services.extend(required().flat_map(|category| &category.services).map(|service| (service.id.clone(), true)));
        Ok(self)
    }
}

/// What the shopper chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// "Accept all": every category and service on, except sale-or-share ones when GPC is honoured.
    AcceptAll,
    /// "Reject all": only the required categories and their services stay on.
    RejectAll,
    /// Save choices: the categories switched on (required ones are on whatever is passed), and
    /// per-service answers that differ from their category.
    Custom {
        /// Categories by id, `true` when switched on; one not named is off.
        categories: Map<bool>,
        /// Services by id whose switch differs from their category's; one not named follows its
        /// category.
        services: Map<bool>,
    },
    /// "Load content" on a blocked embed: grants that one service on its own (its category stays
    /// as it was), or the category when the embed names no service. Everything else is unchanged.
    /// A service the config does not list grants the category. An explicit click on one embed is
    /// the shopper's own opt-in for that service, so GPC does not undo it.
    Embed {
        /// The category the embed is gated on (its `data-category`).
        category: String,
        /// The service the embed names (its `data-service`), if any.
        service: Option<String>,
    },
}

/// How a decision is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// "Accept all" (`accept_all`), with nothing granted before now refused.
    AcceptAll,
    /// "Reject all" (`reject_all`), with nothing granted before now refused.
    RejectAll,
    /// Saved choices or "Load content" on an embed (`custom`), with nothing granted before now
    /// refused.
    Custom,
    /// Something granted before is refused now.
    Withdraw,
    /// Not a decision on this page: a consent given on another subdomain of the config's
    /// `cookie_domain`, adopted from the cookie mirror ([`crate::reconcile::adopt`]). Logged so
    /// that what this subdomain applies has its own proof.
    Adopted,
}

impl FromJson for Action {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        Ok(Action::ALL[json::variant(value, at, &Action::ALL.map(Action::as_str))?])
    }
}

impl ToJson for Action {
    fn to_value(&self) -> Value {
        self.as_str().to_value()
    }
}

impl Action {
    /// Every action, in the order records name them.
    pub const ALL: [Action; 5] = [Action::AcceptAll, Action::RejectAll, Action::Custom, Action::Withdraw, Action::Adopted];

    /// The action's name in consent records (`accept_all`, `reject_all`, `custom`, `withdraw`,
    /// `adopted`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AcceptAll => "accept_all",
            Action::RejectAll => "reject_all",
            Action::Custom => "custom",
            Action::Withdraw => "withdraw",
            Action::Adopted => "adopted",
        }
    }
}

/// What the widget observed when the shopper decided.
#[derive(Debug, Clone)]
pub struct DecisionContext<'a> {
    /// When the shopper decided, in epoch milliseconds.
    pub now: i64,
    /// A fresh id, used when there is no earlier consent to continue: the widget's is derived
    /// from a fresh secret ([`crate::proof::consent_id_for`]).
    pub new_id: &'a str,
    /// Whether this browser holds the secret of the earlier consent's id. Without it a derived
    /// id is not continued ([`crate::proof::may_continue`]): the decision starts `new_id`.
    pub holds_previous_secret: bool,
    /// The language the widget is showing; stored in the consent and its record.
    pub language: &'a str,
    /// `navigator.globalPrivacyControl === true`.
    pub gpc: bool,
    /// The page's path (`location.pathname`), logged in the record, cut to
    /// [`MAX_PATH`](crate::record::MAX_PATH) bytes (the server's limit), cut on a character boundary.
    pub url_path: &'a str,
}

/// What [`decide`] returns: the new consent, how it is logged, what changed and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The consent now in force.
    pub consent: Consent,
    /// How the decision is logged: [`Action::Withdraw`] whenever something granted before is
    /// refused.
    pub action: Action,
    /// What changed from the previous consent (on a first decision, everything it grants).
    pub diff: Diff,
    /// What the widget must carry out, in order (see [`Effect`]).
    pub effects: Vec<Effect>,
}

/// Turns a choice into the new consent, its record and the effects to carry out, in the order
/// documented on [`Effect`]: `StoreConsent` first, `SendRecord` last.
/// `previous` is the consent in force (already [`Consent::checked`]), if any.
pub fn decide(config: &Config, previous: Option<&Consent>, choice: &Choice, ctx: &DecisionContext<'_>) -> Decision {
    let gpc_denies = ctx.gpc && config.honor_gpc;
    // "Load content" for a service the config does not list can only mean its category.
    let unlisted;
    let choice = match choice {
        Choice::Embed { category, service: Some(id) } if config.category_of_service(id).is_none() => {
            unlisted = Choice::Embed { category: category.clone(), service: None };
            &unlisted
        }
        _ => choice,
    };
    // Gathered in config order, sorted once into maps below (inserting one by one is quadratic).
    let mut categories = Vec::with_capacity(config.categories.len());
    let mut services = Vec::new();
    for category in &config.categories {
        let wanted = match choice {
            Choice::AcceptAll => true,
            Choice::RejectAll => false,
            Choice::Custom { categories, .. } => categories.get(&category.id).copied().unwrap_or(false),
            Choice::Embed { category: id, service: None } if *id == category.id => true,
            Choice::Embed { .. } => previous.is_some_and(|p| p.granted(&category.id)),
        };
        let granted = category.required || (wanted && !(gpc_denies && category.is_sale_or_share()));
        categories.push((category.id.clone(), granted));
        for service in &category.services {
            let service_wanted = match choice {
                Choice::Custom { services, .. } => services.get(&service.id).copied().unwrap_or(granted),
                // Per-service refusals inside a granted category stay as they were.
                Choice::Embed { .. } => granted && previous.is_none_or(|p| p.services.get(&service.id).copied().unwrap_or(true)),
                _ => granted,
            };
            // A service granted on its own holds until the shopper refuses everything or switches
            // it off; "Load content" grants one.
            let on_its_own = match choice {
                Choice::RejectAll => false,
                Choice::Embed { service: Some(id), .. } if *id == service.id => true,
                Choice::Custom { services, .. } if services.get(&service.id) == Some(&false) => false,
                _ => previous.is_some_and(|p| p.granted_on_its_own(&category.id, &service.id)),
            };
            services.push((service.id.clone(), category.required || (granted && service_wanted) || on_its_own));
        }
    }
    let (categories, services): (Map<bool>, Map<bool>) = (categories.into_iter().collect(), services.into_iter().collect());

    let continued = previous.filter(|p| crate::proof::may_continue(&p.id, ctx.holds_previous_secret));
    let id = match continued {
        Some(p) => p.id.clone(),
        None => ctx.new_id.to_owned(),
    };
    let updated_at = stamp(previous, ctx.now);
    let consent = Consent {
        v: STORED_VERSION,
        id,
        categories,
        services,
        revision: config.revision,
        given_at: continued.map_or(updated_at, |p| p.given_at),
        updated_at,
        expires_at: updated_at + i64::from(config.expiry_days) * DAY_MS,
        language: ctx.language.to_owned(),
    };
    let diff = Diff::between(previous, &consent);
    let action = if !diff.revoked.is_empty() || !diff.services_revoked.is_empty() {
        Action::Withdraw
    } else {
        match choice {
            Choice::AcceptAll => Action::AcceptAll,
            Choice::RejectAll => Action::RejectAll,
            Choice::Custom { .. } | Choice::Embed { .. } => Action::Custom,
        }
    };
    let record = record_for(config, &consent, action, ctx);

    // In the order documented on [`Effect`]: store, erase, run, signal, send.
    let mut effects = vec![Effect::StoreConsent(consent.clone())];
    // What a revoked service stored goes. On a first decision, what every refused service
    // stored goes too: a first-visit Reject all also clears the cookies an unblocked tag set
    // before the widget ran. A cookie or key that a granted service declares too stays.
    let erase = |id: &str| diff.services_revoked.iter().any(|s| s == id) || (previous.is_none() && !consent.service_granted(id));
    let (kept_cookies, kept_keys) = config.stored_by(|_, s| consent.service_granted(&s.id));
    let (revoked_cookies, revoked_keys) = config.stored_by(|_, s| erase(&s.id));
    let revoked_cookies: Vec<_> =
        revoked_cookies.into_iter().filter(|c| !kept_cookies.iter().any(|k| k.name == c.name && k.pattern == c.pattern)).collect();
    let revoked_keys: Vec<_> = revoked_keys.into_iter().filter(|r| !kept_keys.contains(r)).collect();
    if !revoked_cookies.is_empty() {
        effects.push(Effect::ClearCookies(revoked_cookies));
    }
    if !revoked_keys.is_empty() {
        effects.push(Effect::ClearStorage(revoked_keys));
    }
    effects.push(Effect::RunScripts);
    effects.push(Effect::UpdateConsentMode(consent_mode_signals(config, Some(&consent))));
    effects.push(Effect::SendRecord(record));
    Decision { consent, action, diff, effects }
}

/// When a new decision on `previous` is stamped: now, or just after the previous decision when
/// the clock says otherwise (clock changed, another tab or device ahead). The server keeps one
/// record per consent id and `updated_at`, so a later decision stamped with the same time would be
/// dropped there as a copy, and one stamped earlier would read as older than the one it replaces.
fn stamp(previous: Option<&Consent>, now: i64) -> i64 {
    previous.map_or(now, |p| now.max(p.updated_at.saturating_add(1)))
}

/// The record of a consent as decided: what the server logs. Shared by [`decide`] and
/// [`crate::reset::reset`], so every record is built one way.
pub(crate) fn record_for(config: &Config, consent: &Consent, action: Action, ctx: &DecisionContext<'_>) -> ConsentRecord {
    ConsentRecord {
        schema: RECORD_SCHEMA,
        consent_id: consent.id.clone(),
        site: config.site.clone(),
        revision: consent.revision,
        action,
        categories: consent.categories.clone(),
        services: consent.services.clone(),
        language: consent.language.clone(),
        gpc: ctx.gpc,
        given_at: to_rfc3339(consent.given_at),
        updated_at: to_rfc3339(consent.updated_at),
        url_path: cut_at_char_boundary(ctx.url_path, crate::record::MAX_PATH).to_owned(),
        secret: None,
        config_version: config.config_version,
    }
}

/// The effects for a page load with a consent in force and no prompt: run what it allows and
/// restate Consent Mode (it starts `denied` on every page). `planned`: the apply part already
/// applied this consent by its plan ([`crate::plan`]), which holds only for this config text and
/// this stored text, so it restated the very same signals: they are not pushed twice. Running
/// stays (it starts only what the apply part has not, such as content added since).
pub fn effects_on_load(config: &Config, consent: &Consent, planned: bool) -> Vec<Effect> {
    let mut effects = vec![Effect::RunScripts];
    if !planned {
        effects.push(Effect::UpdateConsentMode(consent_mode_signals(config, Some(consent))));
    }
    effects
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut_at_char_boundary(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
