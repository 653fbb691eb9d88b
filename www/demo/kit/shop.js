// The demo shops' add-to-cart buttons: count on the page only (the shop's cart cookie is set by
// its own stand-in script).
(function () {
  "use strict";
  var output = document.getElementById("cart-count");
  var count = 0;
  document.querySelectorAll(".add-to-cart").forEach(function (button) {
    button.addEventListener("click", function () {
      count += 1;
      if (output) output.textContent = String(count);
    });
  });
})();
