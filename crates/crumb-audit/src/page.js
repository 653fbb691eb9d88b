// The auditor's helpers inside the audited page. Each call is this text followed by one
// `return audit.<fn>(…)`. Selectors are searched in the document and every open shadow root.
const audit = (() => {
  const all = (selector) => {
    const found = [];
    const visit = (root) => {
      root.querySelectorAll(selector).forEach((el) => found.push(el));
      root.querySelectorAll("*").forEach((el) => { if (el.shadowRoot) visit(el.shadowRoot); });
    };
    visit(document);
    return found;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width * box.height <= 0) return false;
    if (typeof el.checkVisibility === "function") return el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0;
  };
  const find = (selector) => all(selector).find(visible) || null;
  const parentOf = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
  const on = (el) => {
    if (el.matches("input")) return el.checked;
    const state = el.getAttribute("aria-checked") || el.getAttribute("aria-pressed");
    return state === "true";
  };
  const locked = (el) => el.disabled === true || el.getAttribute("aria-disabled") === "true" || el.matches("input[readonly]");
  const labelOf = (el) => {
    const byId = el.id && el.getRootNode().querySelector && el.getRootNode().querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const text = (byId && byId.innerText) || (el.closest("label") && el.closest("label").innerText) ||
      el.getAttribute("aria-label") || el.getAttribute("name") || el.getAttribute("data-category") || el.innerText || "";
    return text.trim().replace(/\s+/g, " ").slice(0, 120);
  };
  return {
    exists: (selector) => all(selector).length > 0,
    visible: (selector) => find(selector) !== null,
    click: (selector) => {
      const el = find(selector);
      if (!el) return false;
      el.scrollIntoView({ block: "center" });
      el.click();
      return true;
    },
    text: (selector) => { const el = find(selector); return el ? el.innerText.trim().replace(/\s+/g, " ") : null; },
    control: (selector) => {
      const el = find(selector);
      if (!el) return null;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      const backgrounds = [];
      for (let node = el; node && node.nodeType === 1; node = parentOf(node)) {
        backgrounds.push(getComputedStyle(node).backgroundColor);
      }
      const parent = el.parentElement;
      let running = false;
      if (!el.matches("button, input, [role=button]") && parent) {
        const outside = Array.from(parent.childNodes).filter((n) => n !== el && n.nodeType === 3).map((n) => n.textContent).join("").trim();
        running = outside.length > 0 || el.closest("p") !== null;
      }
      return {
        text: (el.innerText || el.value || "").trim().replace(/\s+/g, " "),
        tag: el.tagName.toLowerCase(),
        role: el.getAttribute("role"),
        in_running_text: running,
        width: box.width, height: box.height,
        font_size: parseFloat(style.fontSize) || 0,
        font_weight: parseFloat(style.fontWeight) || 400,
        color: style.color,
        backgrounds,
      };
    },
    // Switches off every optional switch that is on (to save a refusal); returns how many.
    untick: (selector) => {
      const optional = all(selector).filter((el) => on(el) && !locked(el));
      optional.forEach((el) => el.click());
      return optional.length;
    },
    toggles: (selector) => all(selector).map((el) => ({
      label: labelOf(el), on: on(el), locked: locked(el), visible: visible(el),
      control: el.matches("input, select, [role=switch], [role=checkbox], [aria-checked], [aria-pressed]"),
    })),
    rows: (selector) => all(selector).map((row) => {
      const named = row.getAttribute("data-cookie");
      if (named) return named.trim();
      const cell = row.querySelector("td, th") || row;
      return (cell.innerText || cell.textContent || "").trim();
    }).filter((name) => name.length > 0),
    // One screen down, or back to the top with `scroll(0)`.
    scroll: (to) => { if (to === 0) window.scrollTo(0, 0); else window.scrollBy(0, window.innerHeight); return window.scrollY; },
    storage: async () => {
      const keys = (area) => { try { return Object.keys(area); } catch (e) { return []; } };
      let idb = [];
      try { idb = (await indexedDB.databases()).map((d) => d.name || ""); } catch (e) { idb = []; }
      return { local: keys(localStorage), session: keys(sessionStorage), idb };
    },
    consentCommands: () => {
      const seen = (window.__crumbAudit && window.__crumbAudit.layer) ? window.__crumbAudit.layer.slice() : [];
      return seen;
    },
    links: () => Array.from(document.querySelectorAll("a[href]")).map((a) => a.href).filter((href) => {
      try { const url = new URL(href); return url.origin === location.origin && url.pathname + url.search !== location.pathname + location.search; } catch (e) { return false; }
    }),
    readyState: () => document.readyState,
    // Crumb's config as the page gives it: inline (#crumb-config) or by the loader's data-config.
    crumbConfig: async () => {
      try {
        const inline = document.getElementById("crumb-config");
        if (inline) return JSON.parse(inline.textContent);
        const loader = document.querySelector("script[data-config]");
        if (!loader) return null;
        const answer = await fetch(new URL(loader.getAttribute("data-config"), location.href), { credentials: "omit" });
        return answer.ok ? await answer.json() : null;
      } catch (e) { return null; }
    },
  };
})();
