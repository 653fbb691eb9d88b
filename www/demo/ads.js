// Stands in for an advertising pixel: sets _demo_ads and marks the page.
(function () {
  "use strict";
  var runs = (window.__demoAdsRuns || 0) + 1;
  window.__demoAdsRuns = runs;
  document.cookie = "_demo_ads=px." + Math.floor(Math.random() * 1e9) + "; path=/; max-age=7776000; SameSite=Lax";
  document.documentElement.setAttribute("data-demo-ads", String(runs));
})();
