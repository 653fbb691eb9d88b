/*! Crumb prepaint: paints a site's first layer, rendered ahead of time by crumb-prerender
 * (docs/prepaint.md), on a first visit before the widget's wasm has arrived. loader.js imports it
 * only when the script tag has `data-prepaint` and nothing is stored yet. The painted banner is
 * inert: the first button pressed is remembered (`state.action`) and carried out by the widget,
 * which replaces the painted banner with its own in one task. */

var own = Object.prototype.hasOwnProperty;

// Which language the widget will speak: the same rules as crumb-core's `negotiate_language`
// (crates/crumb-core/src/language.rs), checked against the same table of cases
// (crates/crumb-core/tests/fixtures/language-cases.json) by scripts/check-prepaint.mjs.
function asciiLower(text) {
  return String(text).replace(/[A-Z]+/g, function (c) { return c.toLowerCase(); });
}

function matchLanguage(tag, offered) {
  tag = asciiLower(String(tag).trim().replace(/_/g, "-"));
  var subtags = tag.split("-").filter(function (s) { return s !== ""; });
  var primary = subtags[0];
  if (!primary || !/^[a-z]+$/.test(primary)) return null;
  var rest = subtags.slice(1);
  function has(subtag) { return rest.indexOf(subtag) >= 0; }
  function find(code) {
    for (var i = 0; i < offered.length; i++) if (asciiLower(offered[i]) === asciiLower(code)) return offered[i];
    return null;
  }
  function firstOf(codes) {
    for (var i = 0; i < codes.length; i++) {
      var found = find(codes[i]);
      if (found !== null) return found;
    }
    return null;
  }
  var exact = find(tag);
  if (exact !== null) return exact;
  if (primary === "zh") {
    var traditional = has("hant") || (!has("hans") && (has("tw") || has("hk") || has("mo")));
    return traditional ? firstOf(["zh-Hant", "zh"]) : firstOf(["zh", "zh-Hans", "zh-Hant"]);
  }
  if (primary === "pt") return has("br") ? firstOf(["pt-BR", "pt"]) : firstOf(["pt", "pt-PT", "pt-BR"]);
  if (primary === "no" || primary === "nb" || primary === "nn") return firstOf(["nb", "no", "nn"]);
  if (primary === "iw") return firstOf(["he"]);
  var same = find(primary);
  if (same !== null) return same;
  for (var i = 0; i < offered.length; i++) if (asciiLower(offered[i].split("-")[0]) === primary) return offered[i];
  return null;
}

/** `setting`: the config's `language`; `htmlLang`: the page's `<html lang>` (or null);
 * `browser`: `navigator.languages`; `offered`: the site's languages. */
export function negotiate(setting, htmlLang, browser, offered, fallback) {
  if (setting !== "auto") {
    var chosen = matchLanguage(setting, offered);
    if (chosen !== null) return chosen;
  }
  var wanted = (htmlLang ? [htmlLang] : []).concat(browser);
  for (var i = 0; i < wanted.length; i++) {
    var found = matchLanguage(wanted[i], offered);
    if (found !== null) return found;
  }
  return fallback;
}

// The elements and attributes a first layer has. Anything else in a prepaint file is refused
// whole, so a tampered file cannot add a script, a handler, a style or a javascript: link.
var TAGS = { div: 1, section: 1, h2: 1, p: 1, a: 1, span: 1, button: 1, img: 1 };
var ATTRIBUTES = { "class": 1, id: 1, role: 1, lang: 1, dir: 1, popover: 1, type: 1, target: 1, rel: 1, href: 1, src: 1, alt: 1, part: 1 };

function build(node, gpc, depth) {
  if (typeof node === "string") return document.createTextNode(node);
  if (depth > 12 || !Array.isArray(node) || typeof node[0] !== "string" || !own.call(TAGS, node[0])) {
    throw new Error("unexpected element " + JSON.stringify(Array.isArray(node) ? node[0] : node).slice(0, 40));
  }
  var attributes = node[1] && typeof node[1] === "object" ? node[1] : {};
  // The line saying that Global Privacy Control was honoured: only for a browser that sends it.
  if (own.call(attributes, "data-crumb-part") && attributes["data-crumb-part"] === "gpc" && !gpc) return null;
  var element = document.createElement(node[0]);
  var names = Object.keys(attributes);
  for (var i = 0; i < names.length; i++) {
    var name = names[i], value = String(attributes[name]);
    if (!own.call(ATTRIBUTES, name) && !/^(data|aria)-[a-z-]+$/.test(name)) throw new Error("unexpected attribute " + name.slice(0, 40));
    if (name === "href" || name === "src") {
      // Resolved on the page's own address, as the widget resolves the policy link and the logo.
      var href = new URL(value, window.location.href);
      if (href.protocol !== "https:" && href.protocol !== "http:" && (name === "src" || href.protocol !== "mailto:")) throw new Error("unexpected link");
      value = href.href;
    }
    element.setAttribute(name, value);
  }
  for (var j = 2; j < node.length; j++) {
    var child = build(node[j], gpc, depth + 1);
    if (child) element.appendChild(child);
  }
  return element;
}

/** Paints `data` (a prepaint file, parsed) into a new `#crumb-root` first in `<body>`, and fills
 * `state` for the widget: `{ host, shadow, mount, link, styled, language, action, taken }`.
 * Throws on a file it cannot trust; paints nothing when the widget was quicker (`state.taken`), or
 * when the shopper's language was not rendered. `base` is the widget's folder (for crumb.css). */
export function paint(data, state, base) {
  if (!data || data.crumb_prepaint !== 1 || !Array.isArray(data.offered) || !data.layers || typeof data.layers !== "object") {
    throw new Error("not a prepaint file of this Crumb version");
  }
  var doc = document, nav = window.navigator || {};
  var offered = data.offered.filter(function (code) { return typeof code === "string"; });
  var browser = nav.languages && nav.languages.length ? Array.prototype.slice.call(nav.languages) : (nav.language ? [nav.language] : []);
  var htmlLang = (doc.documentElement.getAttribute("lang") || "").trim();
  var language = negotiate(String(data.language), htmlLang || null, browser, offered, String(data.fallback));
  // Not rendered in this language: the widget draws the banner when it arrives.
  if (!own.call(data.layers, language)) return;
  // Built (and so checked) even when it will not be shown, so a bad file is always reported.
  var root = build(data.layers[language], nav.globalPrivacyControl === true, 0);
  // The widget has its own host already (it was quicker), or this is not a first visit after all.
  if (state.taken || doc.getElementById("crumb-root") || !doc.body) return;
  var host = doc.createElement("div");
  host.id = "crumb-root";
  host.setAttribute("data-crumb-root", "");
  var shadow = host.attachShadow({ mode: "open" });
  var link = doc.createElement("link");
  link.setAttribute("rel", "stylesheet");
  link.setAttribute("href", base + "crumb.css");
  var mount = doc.createElement("div");
  mount.hidden = true;
  mount.setAttribute("data-crumb-prepaint", "");
  // Shown once styled (never as unstyled text), raised into the top layer as the widget does.
  function reveal() {
    state.styled = true;
    mount.hidden = false;
    var banner = root.querySelector("[popover]");
    try {
      if (banner && banner.showPopover && !banner.matches(":popover-open")) banner.showPopover();
    } catch (e) { /* no popovers: shown in place */ }
  }
  link.addEventListener("load", reveal);
  link.addEventListener("error", reveal);
  // The custom properties crumb-core derives from the site's accent, as the widget sets them,
  // through the CSSOM (a style attribute would break a strict CSP). Colours only.
  var style = Array.isArray(data.style) ? data.style : [];
  for (var k = 0; k < style.length && k < 8; k++) {
    var pair = style[k];
    if (Array.isArray(pair) && /^--crumb-[a-z-]+$/.test(pair[0]) && /^#[0-9a-fA-F]{3,6}$/.test(pair[1])) root.style.setProperty(pair[0], pair[1]);
  }
  // The first button pressed is the shopper's answer; the widget carries it out when it takes over.
  shadow.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-action]") : null;
    if (button && state.action === null) {
      state.action = button.getAttribute("data-action");
      button.setAttribute("aria-busy", "true");
    }
  });
  mount.appendChild(root);
  shadow.appendChild(link);
  shadow.appendChild(mount);
  doc.body.insertBefore(host, doc.body.firstChild);
  state.host = host;
  state.shadow = shadow;
  state.mount = mount;
  state.link = link;
  state.language = language;
  // The widget's banner needs this language's texts: they download alongside the wasm, instead
  // of after it (the widget's own fetch then finds them).
  var texts = doc.createElement("link");
  texts.setAttribute("rel", "preload");
  texts.setAttribute("as", "fetch");
  texts.setAttribute("crossorigin", "anonymous");
  texts.setAttribute("href", base + "i18n/" + encodeURIComponent(language) + ".json");
  (doc.head || doc.documentElement).appendChild(texts);
}
