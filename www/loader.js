/*! Crumb loader: the one script tag a site adds (async, defer or neither). It sets Google Consent
 * Mode to "denied" before any other script can run, queues Crumb.* calls made before the widget
 * is ready, and loads the widget (wasm) from the folder it was itself served from. All decisions
 * are made in Rust; this file only has to run first and fail safe. */
(function () {
  "use strict";
  var w = window, d = document;
  var me = d.currentScript;
  function fail(message, error) { if (w.console) console.error("Crumb: " + message, error || ""); }
  if (w.__crumbLoaded) {
    console.warn("Crumb: loader.js is included more than once; only the first copy runs.");
    return;
  }
  w.__crumbLoaded = true;

  // A page that broke what the widget's glue relies on gets a clear error, not a broken page.
  // Working replacements (polyfills) pass; only wrong or throwing ones stop the widget.
  function arraysWork() {
    try {
      var x = [3, 1, 2], out = [];
      x.forEach(function (v) { out.push(v); });
      return x.push(4) === 4 && x.slice(1, 3).join() === "1,2" && x.indexOf(2) === 2 &&
        x.map(function (v) { return v * 2; }).join() === "6,2,4,8" &&
        x.filter(function (v) { return v > 2; }).join() === "3,4" && out.join() === "3,1,2" &&
        Array.isArray(x.splice(0, 1)) && x.length === 3;
    } catch (e) { return false; }
  }
  var broken = !arraysWork();
  if (broken) {
    fail("the page has broken Array.prototype (push, slice, map, …), so the widget cannot run safely. " +
      "Nothing optional will run and Consent Mode stays denied. Fix the override to show the banner.");
  }

  // The site's Consent Mode options, when the config is inline and already parsed (put the config
  // before this tag). A config given by URL gets the plain defaults: denied everywhere. They are
  // pushed before the widget can check the config, so only a section as crumb-core accepts it is
  // used (the same rules: docs/configuration.md); one the widget will refuse pushes none.
  // Own properties only: a page that adds `Object.prototype.url_passthrough` changes nothing.
  var own = Object.prototype.hasOwnProperty;
  var gcm = {};
  try {
    var inline = d.getElementById("crumb-config");
    var parsed = inline && JSON.parse(inline.textContent);
    var section = parsed && own.call(parsed, "google_consent_mode") && parsed.google_consent_mode;
    // The section as JSON.stringify writes it (own members, numbers as written back): an object of
    // known options only, regions like DE or US-CA, booleans, a whole wait of 0-10000 ms.
    if (section && /^\{(("region":\[("[A-Z]{2}(-[A-Z\d]{1,3})?",?)*\]|"(ads_data_redaction|url_passthrough)":(true|false)|"wait_for_update":(\d{1,4}|10000)),?)*\}$/
      .test(JSON.stringify(section))) gcm = section;
  } catch (e) { /* the widget reports a broken config by path once it runs */ }
  function option(name) { return own.call(gcm, name) ? gcm[name] : undefined; }

  // Consent Mode v2 defaults: everything denied until the shopper decides.
  var dataLayer = (w.dataLayer = w.dataLayer || []);
  function gtag() {
    // gtag.js and GTM replace dataLayer.push with their own; call whatever is there.
    try { dataLayer.push(arguments); } catch (e) { dataLayer[dataLayer.length] = arguments; }
  }
  if (option("ads_data_redaction") === true) gtag("set", "ads_data_redaction", true);
  if (option("url_passthrough") === true) gtag("set", "url_passthrough", true);
  var defaults = {
    ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
    analytics_storage: "denied", functionality_storage: "denied",
    personalization_storage: "denied", security_storage: "denied",
    wait_for_update: typeof option("wait_for_update") === "number" ? option("wait_for_update") : 500
  };
  var region = option("region");
  if (region && region.length) defaults.region = region;
  gtag("consent", "default", defaults);

  // Events: Crumb.on("consent", fn) listens to "crumb:consent" and returns an unsubscribe function.
  function on(name, fn) {
    function listener(event) { fn(event.detail); }
    w.addEventListener("crumb:" + name, listener);
    return function () { w.removeEventListener("crumb:" + name, listener); };
  }

  // Until the widget is ready: calls are queued, questions answer "denied".
  var queue = [];
  var stub = { ready: false, on: on, acceptedCategory: function () { return false; },
    acceptedService: function () { return false; }, getConsent: function () { return null; } };
  var actions = ["show", "hide", "showPreferences", "acceptCategory", "setLanguage", "reset"];
  function queued(name) {
    return function () {
      var args = [];
      for (var i = 0; i < arguments.length; i++) args[i] = arguments[i];
      queue[queue.length] = [name, args];
    };
  }
  for (var a = 0; a < actions.length; a++) stub[actions[a]] = queued(actions[a]);
  // A page that already owns window.Crumb keeps it; the API then lives at window.CrumbConsent.
  var global = "Crumb";
  if (w.Crumb !== undefined) {
    global = "CrumbConsent";
    fail("window.Crumb is already defined by the page, so it is left alone; " +
      "the consent API is at window.CrumbConsent instead.");
  }
  w[global] = stub;
  if (broken) return;

  // The nonce of this tag (the property: browsers hide the attribute): with the config's
  // gating.require_nonce, gated scripts must carry it to be revived.
  var nonce = (me && me.nonce) || "";
  var src = me && me.src ? me.src : (d.querySelector("script[src*='loader.js']") || {}).src || "/crumb/loader.js";
  var base = new URL(".", src).href;
  // Attributes, not `dataset`: a missing data-endpoint must not fall through to a polluted
  // `Object.prototype.endpoint`.
  function attribute(name) { return (me && me.getAttribute && me.getAttribute(name)) || undefined; }
  // Nothing stored yet (a first visit): the banner's part (the widget's components) is needed as
  // well, so it downloads alongside instead of after the main part asks for it. A returning
  // visitor's consent is applied without it. The wasm decides; this is only a head start.
  var storageKey = "crumb", consentCookie = "crumb_consent", planKey = "crumb_plan";
  var stored = false, plan = false;
  try { stored = !!w.localStorage.getItem(storageKey); plan = stored && !!w.localStorage.getItem(planKey); } catch (e) { /* blocked storage */ }
  try { stored = stored || (" " + d.cookie).indexOf(" " + consentCookie + "=") >= 0; } catch (e) { /* sandboxed */ }
  // A returning visitor whose consent has a plan (stored by the widget with it; an inline config):
  // the small apply part runs first and starts the consented scripts if the plan holds for this
  // config and this stored consent (crumb-core decides; see docs/architecture.md#parts). The main
  // part follows once those scripts have loaded (so they do not share the network with it), or
  // after 3 s whatever they do. Otherwise the main part's download starts now, alongside the glue.
  var planned = false;
  var first = Promise.resolve();
  if (plan && inline && !attribute("data-config")) {
    var applyWasm = fetch(base + "apply_bg.wasm");
    // This may run before the parser has reached the page's gated scripts: the apply part starts
    // what is parsed at once and the rest when the document is.
    var parsed = new Promise(function (resolve) {
      if (d.readyState !== "loading") resolve();
      else d.addEventListener("DOMContentLoaded", function () { resolve(); });
    });
    var applied = import(base + "apply.js")
      .then(function (part) {
        return part.default({ module_or_path: applyWasm }).then(function () {
          return part.apply(inline.textContent || "", gtag, parsed, nonce).then(function (done) { planned = done === true; });
        });
      })
      .catch(function (error) { fail("the apply part could not run; the widget applies the consent once it has loaded.", error); });
    first = Promise.race([applied, new Promise(function (resolve) { setTimeout(resolve, 3000); })]);
  }
  var wasm = first.then(function () { return fetch(base + "crumb_bg.wasm"); });
  function preload(file, as, cors) {
    var link = d.createElement("link");
    link.setAttribute("rel", "preload");
    link.setAttribute("as", as);
    if (cors) link.setAttribute("crossorigin", "anonymous");
    link.setAttribute("href", base + file);
    (d.head || d.documentElement).appendChild(link);
  }
  // The UI part and the code it shares with the preference center (chunk files numbered by the
  // splitter): scripts/stage-loader.mjs writes their names in at build time.
  var uiParts = ["split_ui.wasm"];
  if (!stored) {
    for (var p = 0; p < uiParts.length; p++) preload(uiParts[p], "fetch", true);
    preload("crumb.css", "style", false);
  }
  // A first visit on a site with a prepaint (data-prepaint, written by crumb-prerender): the
  // banner is painted from it as soon as it and crumb.css are here, long before the wasm. It is
  // inert until the widget takes it over: the first button pressed is remembered and carried out
  // then (`prepaint.action`), and the widget replaces the painted banner with its own in one task.
  var prepaint = null;
  var prepaintUrl = attribute("data-prepaint");
  if (!stored && prepaintUrl) {
    prepaint = { host: null, shadow: null, mount: null, link: null, styled: false, language: null, action: null, taken: false };
    fetchPrepaint(prepaintUrl, prepaint);
  }
  first.then(function () { return import(base + "crumb.js"); })
    .then(function (widget) {
      return widget.default({ module_or_path: wasm }).then(function () {
        widget.start({ base: base, endpoint: attribute("data-endpoint"), config: attribute("data-config"), queue: queue, gtag: gtag,
          on: on, global: global, prepaint: prepaint, planned: planned, nonce: nonce, debug: !!(me && me.hasAttribute && me.hasAttribute("data-debug")) });
      });
    })
    .catch(function (error) {
      fail("the widget could not load; everything optional stays off.", error);
      // A painted banner would stay inert: it goes (a click made on it never grants anything).
      if (prepaint) {
        prepaint.taken = true;
        if (prepaint.host && prepaint.host.parentNode) prepaint.host.parentNode.removeChild(prepaint.host);
      }
    });

  // Fetched together (one round trip after this file): the prepaint and the code that paints it,
  // which a returning visitor never loads.
  function fetchPrepaint(url, state) {
    var resolved;
    try { resolved = new URL(url, w.location.href); } catch (e) { resolved = null; }
    if (!resolved || (resolved.protocol !== "https:" && resolved.protocol !== "http:")) {
      fail("data-prepaint must be an http(s) URL; the banner shows once the widget has loaded.");
      return;
    }
    var file = fetch(resolved.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
    Promise.all([import(base + "prepaint.js"), file])
      .then(function (loaded) {
        var text = loaded[1];
        if (text.length > 262144) throw new Error("larger than 256 KiB");
        var data = JSON.parse(text);
        function paint() { loaded[0].paint(data, state, base); }
        if (d.body) paint();
        else d.addEventListener("DOMContentLoaded", function () { try { paint(); } catch (e) { unusable(e); } });
      })
      .catch(unusable);
  }
  function unusable(error) {
    if (w.console) console.warn("Crumb: the prepainted banner (data-prepaint) could not be used; the banner shows once the widget has loaded.", error);
  }
})();
