/*
 * Renders every chart of a dashboard page from the JSON spec the server embedded with json_script.
 *
 * Markup: <figure class="chart-figure"> holding <div class="chart" data-spec="ID"> and a
 * <button data-chart-download hidden>. All words (series names, target label, file name, button
 * text) come from the spec or the page, so the JS carries no language of its own.
 *
 * Spec: {kind: "bar"|"hbar"|"line", categories: [...], series: [{name, data, colors?, hatched?, color?, dashed?,
 * stack?, target?: {value, label}}], target?: {value, label}, unit?: "%", max?: number, links?: [url|null per category],
 * filename?: "..."}
 */
(function () {
  "use strict";

  // Okabe–Ito: tells series apart for colour-blind readers and in greyscale print.
  var HATCH = { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 4], rotation: -Math.PI / 4, color: "rgba(255, 255, 255, 0.6)" };
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

  function readSpec(el) {
    var source = document.getElementById(el.dataset.spec);
    return source ? JSON.parse(source.textContent) : null;
  }

  function formatter(unit) {
    return function (value) {
      if (value === null || value === undefined) return "—";
      return unit ? value + unit : String(value);
    };
  }

  function buildSeries(spec) {
    var horizontal = spec.kind === "hbar";
    return spec.series.map(function (s, index) {
      var type = spec.kind === "line" || s.type === "line" ? "line" : "bar";
      var data = s.data.map(function (value, i) {
        if (s.colors && s.colors[i]) {
          var style = { color: s.colors[i] };
          // Off track is hatched as well as coloured: it must not rest on colour alone.
          if (s.hatched && s.hatched[i]) style.decal = HATCH;
          return { value: value, itemStyle: style };
        }
        return value;
      });
      var series = {
        name: s.name,
        type: type,
        data: data,
        stack: s.stack || undefined,
        itemStyle: s.color ? { color: s.color } : undefined,
        label: { show: spec.kind !== "line" && spec.series.length === 1, position: horizontal ? "right" : "top", formatter: function (p) { return formatter(spec.unit)(p.value); } },
        lineStyle: s.dashed ? { type: "dashed" } : undefined,
        symbol: type === "line" ? (s.dashed ? "emptyCircle" : "circle") : undefined,
        connectNulls: false,
      };
      // The target as a dashed line: the chart's own on its first series, or a series' own
      // (a trend of several shares, each with its target, in the series' colour).
      var target = s.target || (index === 0 ? spec.target : null);
      if (target && target.value !== null && target.value !== undefined) {
        var axis = horizontal ? "xAxis" : "yAxis";
        var line = {};
        line[axis] = target.value;
        series.markLine = {
          symbol: "none",
          silent: true,
          lineStyle: { type: "dashed", color: s.target ? PALETTE[index % PALETTE.length] : "#D55E00", width: 2 },
          // Above the bars, clear of the value axis's labels.
          label: { formatter: target.label, position: horizontal ? "start" : "insideEndTop" },
          data: [line],
        };
      }
      return series;
    });
  }

  function buildOption(spec) {
    var horizontal = spec.kind === "hbar";
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      inverse: horizontal,  // the league table's first row on top
      axisLabel: { interval: 0, hideOverlap: true, width: horizontal ? 96 : 72, overflow: "truncate" },
    };
    var valueAxis = { type: "value", max: spec.max, axisLabel: { formatter: formatter(spec.unit) } };
    return {
      color: PALETTE,
      animation: false,
      grid: { left: 8, right: horizontal ? 48 : 16, top: spec.series.length > 1 ? 40 : 24, bottom: 8, containLabel: true },
      legend: spec.series.length > 1 ? { top: 0, type: "scroll" } : undefined,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: formatter(spec.unit) },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: buildSeries(spec),
    };
  }

  function chartHeight(spec) {
    // A league table grows with its rows so that every name stays readable.
    if (spec.kind === "hbar") return Math.max(200, 28 * spec.categories.length + 60);
    return 300;
  }

  function download(chart, filename) {
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    link.download = (filename || "chart") + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function render(el) {
    var spec = readSpec(el);
    if (!spec || typeof echarts === "undefined") return null;
    el.style.height = chartHeight(spec) + "px";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(buildOption(spec));
    if (spec.links) {
      // Drill down: a click on a child's bar opens that child's dashboard.
      chart.on("click", function (params) {
        var url = spec.links[params.dataIndex];
        if (url) window.location.href = url;
      });
      el.style.cursor = "pointer";
    }
    var figure = el.closest("figure");
    var button = figure && figure.querySelector("[data-chart-download]");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () { download(chart, spec.filename); });
    }
    el.dataset.rendered = "true";
    return chart;
  }

  function start() {
    var charts = [];
    document.querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var chart = render(el);
      if (chart) charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
