/* eISO charts: every <canvas data-chart="ID"> draws the JSON in <script id="ID" type="application/json">.
   No inline script: the data travels as JSON (Django's json_script), this file draws it. */
(function () {
  "use strict";
  var LINES = 2;  // a category label takes at most two lines under its bar
  var CHAR_PX = 7;  // about one character of the 12 px tick font

  // Words into lines of at most `width` characters; what does not fit in LINES lines ends
  // with an ellipsis (the tooltip shows the whole label).
  function wrap(text, width) {
    var lines = [], line = "";
    String(text).split(/\s+/).forEach(function (word) {
      while (word.length > width) {  // a word longer than a line is cut
        if (line) { lines.push(line); line = ""; }
        lines.push(word.slice(0, width)); word = word.slice(width);
      }
      if (!line) { line = word; } else if ((line + " " + word).length <= width) { line += " " + word; }
      else { lines.push(line); line = word; }
    });
    if (line) { lines.push(line); }
    if (lines.length <= LINES) { return lines; }
    var kept = lines.slice(0, LINES);
    kept[LINES - 1] = kept[LINES - 1].slice(0, width - 1).replace(/\s+$/, "") + "\u2026";
    return kept;
  }

  // Each category gets its share of the chart's width, so labels never need rotating.
  function categoryTick(value) {
    var count = Math.max(this.chart.data.labels.length, 1);
    var width = Math.max(6, Math.min(24, Math.floor(this.chart.width / count / CHAR_PX)));
    return wrap(this.getLabelForValue(value), width);
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var stacked = spec.stacked === true;
    new Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: spec.type === "doughnut" ? {} : {
          x: { stacked: stacked, ticks: { maxRotation: 0, callback: categoryTick } },
          y: { stacked: stacked, beginAtZero: true, max: spec.max || undefined,
               ticks: { precision: spec.integer ? 0 : undefined },
               title: { display: !!spec.yTitle, text: spec.yTitle || "" } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
