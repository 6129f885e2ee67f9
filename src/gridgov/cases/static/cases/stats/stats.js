/* Statistics page charts (ECharts, vendored). The figures come from the page's embedded JSON
   (#gg-stats-data); every chart has a table with the same figures, so without this script
   (or without ECharts) nothing is lost. */
(function () {
  "use strict";
  var node = document.getElementById("gg-stats-data");
  if (!node || typeof window.echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    charts.push(c);
  }

  var s = data.series;
  chart("gg-chart-series", {
    tooltip: { trigger: "axis" },
    legend: { data: [s.names.accepted, s.names.closed] },
    grid: { left: 40, right: 16, top: 40, bottom: 40 },
    xAxis: { type: "category", data: s.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: s.names.accepted, type: "line", data: s.accepted },
      { name: s.names.closed, type: "line", data: s.closed }
    ]
  });

  var b = data.breakdown;
  if (b.labels.length) {
    chart("gg-chart-breakdown", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      legend: { data: [b.names.closed_rate, b.names.satisfaction_rate] },
      grid: { left: 40, right: 16, top: 40, bottom: 60 },
      xAxis: { type: "category", data: b.labels, axisLabel: { interval: 0, rotate: b.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: b.names.closed_rate, type: "bar", data: b.closed_rate },
        { name: b.names.satisfaction_rate, type: "bar", data: b.satisfaction_rate }
      ]
    });
  }

  var levels = data.levels.filter(function (l) { return l.value > 0; });
  if (levels.length) {
    chart("gg-chart-levels", {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: levels }]
    });
  } else {
    var el = document.getElementById("gg-chart-levels");
    if (el) el.style.display = "none";
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
