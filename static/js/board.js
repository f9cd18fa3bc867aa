// The board's charts, drawn with Chart.js from the tables beside them (the same numbers), and
// redrawn after htmx swaps the figures. The page works without this file: the tables are the
// figures. Colours have at least 3:1 contrast against white and each series has its own
// pattern, so colour is never the only cue; no animation when the reader asks for less motion.
(function () {
  "use strict";
  var COLOURS = ["#0b4f6c", "#b35900", "#1e6b34", "#7b2d8e", "#b00020", "#4a5560", "#00758f", "#8a5a00"];
  var INK = "#1b1f24";
  var charts = [];

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // A 12 px tile in the series' colour with a white mark that differs per series.
  function pattern(colour, n) {
    var size = 12;
    var tile = document.createElement("canvas");
    tile.width = size;
    tile.height = size;
    var ctx = tile.getContext("2d");
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = "rgba(255, 255, 255, 0.8)";
    ctx.fillStyle = "rgba(255, 255, 255, 0.8)";
    ctx.lineWidth = 2;
    var kind = n % 6;
    ctx.beginPath();
    if (kind === 1) { ctx.moveTo(0, size); ctx.lineTo(size, 0); }  // diagonal
    if (kind === 2) { ctx.moveTo(0, size / 2); ctx.lineTo(size, size / 2); }  // horizontal
    if (kind === 3) { ctx.arc(size / 2, size / 2, 2, 0, 2 * Math.PI); ctx.fill(); }  // dots
    if (kind === 4) { ctx.moveTo(size / 2, 0); ctx.lineTo(size / 2, size); }  // vertical
    if (kind === 5) { ctx.moveTo(0, 0); ctx.lineTo(size, size); ctx.moveTo(0, size); ctx.lineTo(size, 0); }  // cross
    ctx.stroke();
    return ctx.createPattern(tile, "repeat");
  }

  function readTable(table) {
    var series = Array.prototype.map.call(table.querySelectorAll("thead th[data-series]"), function (th) {
      return th.getAttribute("data-label") || th.textContent.trim();
    });
    var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
      var head = tr.querySelector("th");
      return {
        label: head.getAttribute("data-label") || head.textContent.trim(),
        values: Array.prototype.map.call(tr.querySelectorAll("td[data-value]"), function (td) {
          return Number(td.getAttribute("data-value"));
        })
      };
    });
    return { series: series, rows: rows };
  }

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion() ? false : { duration: 400 },
      color: INK,
      plugins: {
        legend: { position: "bottom", labels: { color: INK, boxWidth: 24, boxHeight: 14 } },
        tooltip: { enabled: true }
      },
      scales: {}
    };
  }

  function stacked(data) {
    var options = baseOptions();
    options.scales = {
      x: { stacked: true, ticks: { color: INK }, grid: { display: false } },
      y: { stacked: true, beginAtZero: true, ticks: { color: INK, precision: 0 } }
    };
    return {
      type: "bar",
      data: {
        labels: data.rows.map(function (r) { return r.label; }),
        datasets: data.series.map(function (name, i) {
          var colour = COLOURS[i % COLOURS.length];
          return {
            label: name,
            data: data.rows.map(function (r) { return r.values[i]; }),
            backgroundColor: pattern(colour, i),
            borderColor: "#ffffff",
            borderWidth: 1
          };
        })
      },
      options: options
    };
  }

  function funnel(data) {
    var options = baseOptions();
    options.indexAxis = "y";
    options.plugins.legend = { display: false };
    options.scales = {
      x: { beginAtZero: true, ticks: { color: INK, precision: 0 } },
      y: { ticks: { color: INK }, grid: { display: false } }
    };
    return {
      type: "bar",
      data: {
        labels: data.rows.map(function (r) { return r.label; }),
        datasets: [{
          label: data.series[0] || "",
          data: data.rows.map(function (r) { return r.values[0]; }),
          backgroundColor: data.rows.map(function (r, i) { return pattern(COLOURS[0], i === 0 ? 0 : 1); }),
          borderColor: COLOURS[0],
          borderWidth: 1
        }]
      },
      options: options
    };
  }

  var BUILDERS = { stacked: stacked, funnel: funnel };

  function drawAll() {
    if (typeof window.Chart === "undefined") { return; }
    charts = charts.filter(function (chart) {
      if (document.body.contains(chart.canvas)) { return true; }
      chart.destroy();
      return false;
    });
    document.querySelectorAll("[data-chart-for]").forEach(function (holder) {
      if (holder.querySelector("canvas")) { return; }
      var table = document.getElementById(holder.getAttribute("data-chart-for"));
      var build = table && BUILDERS[table.getAttribute("data-chart")];
      if (!build) { return; }
      var data = readTable(table);
      if (!data.rows.length || !data.series.length) { return; }
      var canvas = document.createElement("canvas");
      holder.appendChild(canvas);
      charts.push(new window.Chart(canvas, build(data)));
    });
  }

  function enablePrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(); enablePrint(); });
  document.addEventListener("htmx:afterSettle", drawAll);
})();
