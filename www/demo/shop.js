// The demo shop's own script: a required cart cookie and the add-to-cart buttons.
(function () {
  "use strict";
  if (!/(^|; )crumb_demo_cart=/.test(document.cookie)) {
    document.cookie = "crumb_demo_cart=0; path=/; SameSite=Lax";
  }
  var match = /(^|; )crumb_demo_cart=(\d+)/.exec(document.cookie);
  var count = match ? Number(match[2]) : 0;
  var output = document.getElementById("cart-count");
  if (output) output.textContent = String(count);
  document.querySelectorAll(".add-to-cart").forEach(function (button) {
    button.addEventListener("click", function () {
      count += 1;
      document.cookie = "crumb_demo_cart=" + count + "; path=/; SameSite=Lax";
      if (output) output.textContent = String(count);
    });
  });
})();
