// A live count under each field with a limit ("123 av 8 000 tecken"), warning when over.
// Without this file the hint under the field says the limit and the server refuses a longer
// text with the whole text kept; nothing is ever cut. The words come from the field's
// data-count-text and data-over-text (the page's language); a line break counts once, as the
// server counts it.
(function () {
  "use strict";
  var format = new Intl.NumberFormat(document.documentElement.lang || "sv");

  function length(text) {
    return Array.from(text.replace(/\r\n?/g, "\n")).length;
  }

  function words(field, count, max) {
    var text = field.getAttribute("data-count-text")
      .replace("{count}", format.format(count)).replace("{max}", format.format(max));
    if (count > max) {
      text += " – " + field.getAttribute("data-over-text").replace("{over}", format.format(count - max));
    }
    return text;
  }

  function attach(field) {
    if (field.getAttribute("data-counted")) { return; }
    field.setAttribute("data-counted", "true");
    var max = parseInt(field.getAttribute("data-maxchars"), 10);
    // What the eye sees changes at each key; what a screen reader hears, once typing pauses.
    var shown = document.createElement("p");
    shown.className = "char-count";
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", spoken);
    field.insertAdjacentElement("afterend", shown);
    var timer = null;
    function update(announce) {
      var count = length(field.value);
      var text = words(field, count, max);
      shown.textContent = text;
      shown.classList.toggle("char-count-over", count > max);
      window.clearTimeout(timer);
      if (announce) {
        timer = window.setTimeout(function () { spoken.textContent = text; }, 1000);
      }
    }
    field.addEventListener("input", function () { update(true); });
    update(false);
  }

  function attachAll(root) {
    var fields = (root || document).querySelectorAll("[data-maxchars]");
    for (var i = 0; i < fields.length; i++) { attach(fields[i]); }
  }
  document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { attachAll(event.target); });
})();
