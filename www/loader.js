/*! Crumb loader: the one script tag a site adds. It sets Google Consent Mode to "denied" before
 * any other script can run, queues Crumb.* calls made before the widget is ready, and loads the
 * widget (wasm) from the folder it was itself served from. All decisions are made in Rust. */
(function () {
  "use strict";
  var w = window, d = document;
  var me = d.currentScript;
  if (w.__crumbLoaded) {
    console.warn("Crumb: loader.js is included more than once; only the first copy runs.");
    return;
  }
  w.__crumbLoaded = true;

  // Consent Mode v2 defaults: everything denied until the shopper decides.
  var dataLayer = (w.dataLayer = w.dataLayer || []);
  function gtag() { dataLayer.push(arguments); }
  gtag("consent", "default", {
    ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
    analytics_storage: "denied", functionality_storage: "denied",
    personalization_storage: "denied", security_storage: "denied",
    wait_for_update: 500
  });

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
  ["show", "hide", "showPreferences", "acceptCategory", "setLanguage", "reset"].forEach(function (name) {
    stub[name] = function () { queue.push([name, Array.prototype.slice.call(arguments)]); };
  });
  if (w.Crumb !== undefined) {
    console.error("Crumb: window.Crumb is already defined by the page; Crumb replaces it.");
  }
  w.Crumb = stub;

  var src = me && me.src ? me.src : (d.querySelector("script[src*='loader.js']") || {}).src || "/crumb/loader.js";
  var base = new URL(".", src).href;
  var data = (me && me.dataset) || {};
  // The wasm download starts now, alongside the JS glue, instead of after it.
  var wasm = fetch(base + "crumb_bg.wasm");
  import(base + "crumb.js")
    .then(function (widget) {
      return widget.default({ module_or_path: wasm }).then(function () {
        widget.start({ base: base, endpoint: data.endpoint, config: data.config, queue: queue, gtag: gtag, on: on });
      });
    })
    .catch(function (error) {
      console.error("Crumb: the widget could not load; everything optional stays off.", error);
    });
})();
