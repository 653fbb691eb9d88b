// Stands in for Google Analytics 4: sets _demo_ga the way gtag.js sets _ga, and marks the page.
(function () {
  "use strict";
  var runs = (window.__demoAnalyticsRuns || 0) + 1;
  window.__demoAnalyticsRuns = runs;
  var twoYears = 63072000;
  document.cookie = "_demo_ga=GA1.1." + Math.floor(Math.random() * 1e9) + "." + Math.floor(Date.now() / 1000) + "; path=/; max-age=" + twoYears + "; SameSite=Lax";
  document.cookie = "_demo_ga_SESSION=GS1.1." + Math.floor(Date.now() / 1000) + "; path=/; max-age=" + twoYears + "; SameSite=Lax";
  document.documentElement.setAttribute("data-demo-analytics", String(runs));
})();
