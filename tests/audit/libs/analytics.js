// A stand-in for a first-party analytics tag, used by the audit's test pages (cookieconsent.html,
// klaro.html, tarteaucitron.html). Each page lets its consent library run it only after the shopper
// allows analytics. When it runs it stores what a real tag would: a visitor id cookie kept for
// 13 months and a session key in localStorage. It requests nothing.
(function () {
  "use strict";
  var id = Math.random().toString(36).slice(2) + "." + Date.now();
  if (!/(?:^|;\s*)_sa_id=/.test(document.cookie)) {
    // 13 months, the longest the CNIL accepts for an audience measurement cookie.
    document.cookie = "_sa_id=" + id + "; max-age=" + 395 * 24 * 60 * 60 + "; path=/; samesite=lax";
  }
  localStorage.setItem("sa_session", JSON.stringify({ start: Date.now(), page: location.pathname }));
  window.__saRuns = (window.__saRuns || 0) + 1;
})();
