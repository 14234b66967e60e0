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

  // Any other htmx request that gets an error (e.g. 503 when the job queue does not
  // answer): show the server's Danish message at the top of the page, as text, instead of
  // htmx silently dropping the response.
  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("[data-swap-errors]")) return;
    var xhr = event.detail.xhr;
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var part = doc.querySelector(".flash, main p, p");
      text = part ? part.textContent.trim() : "";
    } catch (e) { text = ""; }
    if (!text) text = "Serveren svarede med en fejl (" + xhr.status + "). Prøv igen om lidt.";
    var main = document.querySelector("main") || document.body;
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "htmx-error";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  });
})();
