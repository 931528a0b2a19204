/* eISO charts: every <canvas data-chart="ID"> draws the JSON in <script id="ID" type="application/json">.
   No inline script: the data travels as JSON (Django's json_script), this file draws it. */
(function () {
  "use strict";
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
          x: { stacked: stacked },
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
