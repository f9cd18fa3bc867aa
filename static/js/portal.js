// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrorSummary(event.target); });
  // Let htmx swap validation errors (422) into the page like any other answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  // Confirm destructive actions that ask for it: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
