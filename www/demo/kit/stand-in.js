// Stands in, on the demo shops, for the shop's own software or for a third party's tag: sets the
// cookies its `data-sets-cookies` attribute lists ("name=seconds" or "name=session", separated
// by spaces) on path /, the way the real script would, and notes its run on
// <html data-stand-ins="…"> (the service id, or `data-stand-in`). Gated copies only run once
// Crumb has the shopper's consent; Crumb copies the attributes when it starts them.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var entries = (script.getAttribute("data-sets-cookies") || "").split(/\s+/).filter(Boolean);
  entries.forEach(function (entry) {
    var at = entry.lastIndexOf("=");
    if (at <= 0) return;
    var name = entry.slice(0, at);
    var life = entry.slice(at + 1);
    var cookie = name + "=demo." + Math.floor(Math.random() * 1e9) + "; path=/; SameSite=Lax";
    if (life !== "session" && Number(life) > 0) cookie += "; max-age=" + Number(life);
    document.cookie = cookie;
  });
  var who = script.getAttribute("data-service") || script.getAttribute("data-stand-in") || "unnamed";
  var root = document.documentElement;
  var ran = (root.getAttribute("data-stand-ins") || "").split(" ").filter(Boolean);
  ran.push(who);
  root.setAttribute("data-stand-ins", ran.join(" "));
})();
