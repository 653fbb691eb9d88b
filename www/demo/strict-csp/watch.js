// Records every Content-Security-Policy violation on the page: window.__cspViolations, and the
// count in #csp-violations. Loaded first, before the widget.
(function () {
  var seen = (window.__cspViolations = []);
  document.addEventListener("securitypolicyviolation", function (event) {
    seen.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
      " (" + (event.sourceFile || "?") + ":" + event.lineNumber + ")");
    var out = document.getElementById("csp-violations");
    if (out) out.textContent = String(seen.length);
  });
})();
