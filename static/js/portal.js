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
  // The main menu (templates/base.html): folded behind "Meny" on a phone (open in the HTML, so
  // that it is there without JavaScript); one group open at a time; Escape or a click elsewhere
  // closes a group.
  document.addEventListener("DOMContentLoaded", function () {
    var menu = document.querySelector("[data-nav-menu]");
    if (!menu) { return; }
    var narrow = window.matchMedia("(max-width: 47.99rem)");
    function fit() { menu.open = !narrow.matches; }
    fit();
    if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
    var groups = Array.prototype.slice.call(menu.querySelectorAll("[data-nav-group]"));
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) { return; }
        groups.forEach(function (other) { if (other !== group) { other.open = false; } });
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      groups.forEach(function (group) {
        if (group.open) {
          group.open = false;
          if (group.contains(document.activeElement)) { group.querySelector("summary").focus(); }
        }
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) {
        if (group.open && !group.contains(event.target)) { group.open = false; }
      });
    });
  });
  // The showroom (templates/hub/showroom.html): a button pauses the rotation and the updates
  // of the board, which htmx polls (WCAG 2.2.2), by cancelling its requests while paused.
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-showroom-pause]");
    if (!button) { return; }
    var paused = false;
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.textContent = paused ? button.getAttribute("data-play-label") : button.getAttribute("data-pause-label");
    });
    document.addEventListener("htmx:beforeRequest", function (event) {
      if (paused && event.target.id === "showroom-board") { event.preventDefault(); }
    });
  });
  // Confirm destructive actions that ask for it: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
