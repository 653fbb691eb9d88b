// Runs before any script of the audited page: records every Consent Mode command pushed to
// `dataLayer` (the array the page creates or replaces), with the time it was pushed.
(() => {
  if (window.__crumbAudit) return;
  const layer = [];
  Object.defineProperty(window, "__crumbAudit", { value: { layer }, configurable: false, writable: false });
  const record = (item) => {
    try {
      const args = item && typeof item === "object" && typeof item.length === "number" ? Array.from(item) : [item];
      if (args[0] === "consent") layer.push({ at: Date.now(), command: String(args[1]), params: JSON.parse(JSON.stringify(args[2] || {})) });
    } catch (e) { /* a page's odd entry is not the auditor's business */ }
  };
  const watch = (array) => {
    if (!Array.isArray(array) || array.__crumbAudited) return array;
    array.forEach(record);
    const push = array.push;
    Object.defineProperty(array, "push", { value: function (...items) { items.forEach(record); return push.apply(this, items); }, writable: true, configurable: true });
    Object.defineProperty(array, "__crumbAudited", { value: true });
    return array;
  };
  let current;
  Object.defineProperty(window, "dataLayer", { configurable: true, enumerable: true, get: () => current, set: (value) => { current = watch(value); } });
})();
