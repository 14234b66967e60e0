/* Page behaviour that used to be inline handlers: the Content-Security-Policy allows no
   inline script (see app/__init__.py), so it lives here, bound by data attributes. */
(function () {
  "use strict";

  // <form data-confirm="..."> or <button type="submit" data-confirm="...">: ask first.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Stepper buttons: <button data-step="up|down" data-target="input id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-step]") : null;
    if (!button) return;
    var input = document.getElementById(button.dataset.target);
    if (!input) return;
    if (button.dataset.step === "up") input.stepUp(); else input.stepDown();
    input.dispatchEvent(new Event("change"));
  });

  // A form marked data-swap-errors shows the server's error fragment (a Danish message
  // with status 4xx) in its target instead of htmx dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    if (event.detail.xhr.status >= 400 && elt && elt.closest && elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
