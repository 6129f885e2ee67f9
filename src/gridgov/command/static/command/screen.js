/* The command centre screen (综治中心指挥大屏).

   Reads the command centre API for the area in the URL (?area=): the scope and its drill-down
   (breadcrumbs, children), the tiles (every ~30 s, and soon after live events), the rankings,
   the open alerts; draws the live map when the map module (command/map.js,
   window.GridgovCommandMap) is installed; follows the live stream (Server-Sent Events) into the
   ticker and the map, reconnecting by itself. A click on a ranking row or a breadcrumb drills
   down: the whole screen is re-scoped (?area= is replaced, every panel reloads). A click on an
   event, an alert or a map marker opens the side panel with the item, its timeline and the
   actions the viewer may take, performed through the module's own API.

   A screen stays open for days: every list is capped, charts are reused or disposed, requests
   never overlap, and nothing grows with time. All text goes through the JavaScript catalogue
   (gettext). */
(function () {
  "use strict";

  var root = document.getElementById("cc-root");
  if (!root) return;
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (_, k) { return String(obj[k]); });
  };

  var TILE_REFRESH_MS = 30000;
  var RANK_REFRESH_MS = 120000;
  var ALERT_REFRESH_MS = 60000;
  var PAGE_MS = 20000; // tiles beyond the slots are shown page by page
  var TICKER_MAX = 40;
  var ALERTS_MAX = 40;
  var TIMELINE_MAX = 50;
  var REQUEST_TIMEOUT_MS = 20000;

  var html = document.documentElement;
  var state = {
    area: parseInt(root.dataset.area, 10),
    from: root.dataset.from,
    to: root.dataset.to,
    api: root.dataset.api,
    csrf: root.dataset.csrf,
    liveUrl: root.dataset.liveUrl,
    phone: root.dataset.phone === "1",
    children: [],
    tiles: [],
    tilePage: 0,
    rankings: null,
    measure: null,
    alerts: [],
    seenEvents: {},
    seenOrder: [],
    panelItem: null
  };
  if (!state.phone && window.matchMedia && window.matchMedia("(max-width: 700px)").matches) {
    state.phone = true;
    html.classList.add("cc-phone");
  }

  // --- Small helpers ------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else if (k.indexOf("data-") === 0 || k.indexOf("aria-") === 0 || k === "role" || k === "type" ||
                 k === "name" || k === "value" || k === "href" || k === "title" || k === "tabindex" ||
                 k === "for" || k === "id" || k === "required" || k === "placeholder" || k === "datetime") {
          node.setAttribute(k, v === true ? "" : v);
        } else node[k] = v;
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  var numberFormat = new Intl.NumberFormat(html.lang || "zh-CN", { maximumFractionDigits: 1 });

  function formatValue(value, unit) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "number") return numberFormat.format(value);
    return String(value);
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function timeOf(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function dateTimeOf(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso || "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function query(extra) {
    var params = new URLSearchParams();
    params.set("area", String(state.area));
    Object.keys(extra || {}).forEach(function (k) {
      if (extra[k] !== null && extra[k] !== undefined && extra[k] !== "") params.set(k, extra[k]);
    });
    return params.toString();
  }

  function periodQuery(extra) {
    var e = { from: state.from, to: state.to };
    Object.keys(extra || {}).forEach(function (k) { e[k] = extra[k]; });
    return query(e);
  }

  /* An error the API answered ({code, message, fields}) or a failure to reach it. */
  function ApiError(status, body) {
    this.status = status;
    this.body = body || {};
    var msg = this.body.message;
    if (!msg) {
      if (status === 401) msg = gettext("Your session has ended. Sign in again to keep the screen up to date.");
      else if (status === 403) msg = gettext("You do not have permission to do this.");
      else if (status === 404) msg = gettext("Not found, or outside your jurisdiction.");
      else if (status === 0) msg = gettext("The server cannot be reached. Retrying shortly.");
      else msg = interpolate(gettext("The server answered with an error (%(status)s)."), { status: status }, true);
    }
    this.message = msg;
    var fields = this.body.fields || {};
    this.details = Object.keys(fields).map(function (k) { return fields[k]; });
  }

  function request(method, url, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = state.csrf;
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      if (timer) clearTimeout(timer);
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = null; }
        if (!res.ok) throw new ApiError(res.status, data);
        if (data === null) throw new ApiError(res.status, {});
        return data;
      });
    }, function () {
      if (timer) clearTimeout(timer);
      throw new ApiError(0, {});
    });
  }

  /* One loader per panel: a call while the previous one runs is skipped (never two at once). */
  function loader(fn) {
    var running = false;
    var again = false;
    function run() {
      if (running) { again = true; return; }
      running = true;
      again = false;
      Promise.resolve().then(fn).catch(function (err) {
        if (window.console) console.warn("command screen:", err && err.message ? err.message : err);
      }).then(function () {
        running = false;
        if (again) run();
      });
    }
    return run;
  }

  function showProblem(container, err) {
    clear(container);
    container.appendChild(el("p", { className: "cc-error", text: err && err.message ? err.message : String(err) }));
  }

  var toastTimer = null;
  function toast(text) {
    var t = document.getElementById("cc-toast");
    t.textContent = text;
    t.hidden = false;
    if (toastTimer) clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 5000);
  }

  // --- Layout: clock, 4k scaling ------------------------------------------------------------

  var clock = document.getElementById("cc-clock");
  function tick() {
    var d = new Date();
    var days = [gettext("Sun"), gettext("Mon"), gettext("Tue"), gettext("Wed"), gettext("Thu"), gettext("Fri"), gettext("Sat")];
    clock.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      " " + days[d.getDay()] + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  tick();
  setInterval(tick, 1000);

  function fit4k() {
    if (root.dataset.size !== "4k") return;
    var scale = Math.min(window.innerWidth / 3840, window.innerHeight / 2160);
    root.style.setProperty("--cc-scale", String(scale));
  }
  fit4k();

  // --- Scope and drill-down -----------------------------------------------------------------

  var crumbs = document.getElementById("cc-crumbs");
  var areaName = document.getElementById("cc-area-name");
  var periodBox = document.getElementById("cc-period");

  function renderScope(data) {
    var area = data.area || {};
    areaName.textContent = area.name || "";
    document.title = (area.name || "") + " · " + gettext("Command centre");
    if (data.period) {
      state.from = data.period.from || state.from;
      state.to = data.period.to || state.to;
    }
    periodBox.textContent = state.from + " — " + state.to;
    state.children = data.children || [];
    clear(crumbs);
    var trail = data.breadcrumbs || [];
    trail.forEach(function (b, i) {
      if (i) crumbs.appendChild(el("span", { className: "cc-sep", text: "›", "aria-hidden": "true" }));
      if (b.id === state.area) {
        crumbs.appendChild(el("span", { text: b.name, "aria-current": "page" }));
      } else {
        crumbs.appendChild(el("button", {
          type: "button", text: b.name, "data-area": b.id,
          onclick: function () { drill(b.id); }
        }));
      }
    });
    if (state.children.length) {
      if (trail.length) crumbs.appendChild(el("span", { className: "cc-sep", text: "›", "aria-hidden": "true" }));
      var select = el("select", { "aria-label": gettext("Drill down into"), "data-testid": "screen-drill" }, [
        el("option", { value: "", text: gettext("Drill down…") })
      ]);
      state.children.forEach(function (c) {
        select.appendChild(el("option", { value: String(c.id), text: c.name }));
      });
      select.addEventListener("change", function () {
        if (select.value) drill(parseInt(select.value, 10));
      });
      crumbs.appendChild(select);
    }
  }

  var loadScope = loader(function () {
    return request("GET", state.api + "/scope?" + periodQuery()).then(renderScope, function (err) {
      showProblem(crumbs, err);
    });
  });

  function drill(areaId) {
    if (!areaId || areaId === state.area) return;
    state.area = areaId;
    var params = new URLSearchParams(window.location.search);
    params.set("area", String(areaId));
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    state.tilePage = 0;
    closePanel();
    loadScope();
    loadTiles();
    loadRankings();
    loadAlerts();
    if (map && typeof map.setArea === "function") {
      try { map.setArea(areaId); } catch (e) { /* the map keeps its previous area */ }
      watchMeasures();
    }
    live.restart();
  }

  // --- Tiles --------------------------------------------------------------------------------

  var tilesMain = document.getElementById("cc-tiles");
  var tilesExtra = document.getElementById("cc-tiles-extra");
  var charts = []; // ECharts instances currently on the screen

  function disposeCharts() {
    charts.forEach(function (c) { try { c.dispose(); } catch (e) { /* already gone */ } });
    charts = [];
  }

  var PALETTE = ["#36c6ff", "#3ddc97", "#ffb020", "#ff5d5d", "#b38cff", "#ffe14d"];

  function trendChart(node, trend) {
    if (!window.echarts || !trend || !trend.series || !trend.series.length) return;
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      color: PALETTE,
      grid: { left: 4, right: 4, top: 6, bottom: 4, containLabel: false },
      tooltip: { trigger: "axis", confine: true, backgroundColor: "#0a1d36", borderColor: "#1e4f8a", textStyle: { color: "#dce9ff" } },
      xAxis: { type: "category", data: trend.days || [], show: false, boundaryGap: false },
      yAxis: { type: "value", show: false, minInterval: 1 },
      series: trend.series.slice(0, 4).map(function (s) {
        return { name: s.label, type: "line", data: s.values, showSymbol: false, smooth: true, lineStyle: { width: 2 }, areaStyle: { opacity: 0.12 } };
      })
    });
    charts.push(chart);
  }

  function tileNode(tile) {
    var title = tile.link && !state.wall
      ? el("a", { href: tile.link, text: tile.title, target: "_blank", rel: "noopener" })
      : document.createTextNode(tile.title || "");
    var figures = el("div", { className: "cc-figures" });
    (tile.figures || []).slice(0, state.phone ? 6 : 4).forEach(function (f) {
      figures.appendChild(el("div", { className: "cc-figure", "data-key": f.key, title: f.label || null }, [
        el("span", { className: "cc-figure-main" }, [
          el("span", { className: "cc-figure-value", text: formatValue(f.value, f.unit) }),
          f.unit && f.value !== null && f.value !== undefined ? el("span", { className: "cc-figure-unit", text: f.unit }) : null
        ]),
        el("span", { className: "cc-figure-label", text: f.label || "" })
      ]));
    });
    var node = el("article", { className: "cc-tile", "data-tile": tile.key, title: tile.title || null }, [
      el("div", { className: "cc-tile-title" }, [title]),
      figures
    ]);
    if (tile.error) node.appendChild(el("p", { className: "cc-error", text: tile.error }));
    var trend = tile.trend && tile.trend.series && tile.trend.series.length ? el("div", { className: "cc-trend" }) : null;
    if (trend) node.appendChild(trend);
    return { node: node, trend: trend };
  }

  function slots() {
    if (state.phone) return { main: 1000, extra: 0 };
    return { main: 8, extra: 4 };
  }

  function renderTiles() {
    disposeCharts();
    clear(tilesMain);
    clear(tilesExtra);
    var tiles = state.tiles;
    if (!tiles.length) {
      tilesMain.appendChild(el("p", { className: "cc-empty", text: gettext("No figures for this area yet.") }));
      return;
    }
    var s = slots();
    var per = s.main + s.extra;
    var pages = Math.max(1, Math.ceil(tiles.length / per));
    if (state.tilePage >= pages) state.tilePage = 0;
    var shown = tiles.slice(state.tilePage * per, state.tilePage * per + per);
    var built = shown.map(tileNode);
    built.forEach(function (b, i) { (i < s.main ? tilesMain : tilesExtra).appendChild(b.node); });
    // Charts need their boxes laid out first.
    built.forEach(function (b, i) {
      if (b.trend) trendChart(b.trend, shown[i].trend);
    });
  }

  var loadTiles = loader(function () {
    return request("GET", state.api + "/tiles?" + periodQuery()).then(function (data) {
      state.tiles = data.tiles || [];
      renderTiles();
    }, function (err) {
      disposeCharts();
      showProblem(tilesMain, err);
    });
  });

  setInterval(function () {
    var per = slots().main + slots().extra;
    if (state.tiles.length > per) {
      state.tilePage += 1;
      renderTiles();
    }
  }, PAGE_MS);

  var soonTimer = null;
  function refreshSoon() {
    if (soonTimer) return;
    soonTimer = setTimeout(function () {
      soonTimer = null;
      loadTiles();
    }, 3000);
  }

  // --- Rankings -----------------------------------------------------------------------------

  var rankTabs = document.getElementById("cc-rank-tabs");
  var rankBody = document.getElementById("cc-rank-body");

  var CHANGE = {
    up: ["▲", "cc-change-up", gettext("Up")],
    down: ["▼", "cc-change-down", gettext("Down")],
    same: ["—", "cc-change-same", gettext("Unchanged")],
    "new": ["●", "cc-change-new", gettext("New in the ranking")]
  };

  function renderRankings() {
    var data = state.rankings || { measures: [], rankings: [] };
    clear(rankTabs);
    clear(rankBody);
    var measures = data.measures || [];
    if (!measures.length) {
      rankBody.appendChild(el("p", { className: "cc-empty", text: gettext("No rankings for this area.") }));
      return;
    }
    if (!state.measure || !measures.some(function (m) { return m.key === state.measure; })) {
      state.measure = measures[0].key;
    }
    measures.forEach(function (m) {
      rankTabs.appendChild(el("button", {
        type: "button", className: "cc-btn", role: "tab", text: m.title,
        "aria-selected": m.key === state.measure ? "true" : "false", "data-measure": m.key,
        onclick: function () { state.measure = m.key; renderRankings(); }
      }));
    });
    var measure = measures.filter(function (m) { return m.key === state.measure; })[0];
    var ranking = (data.rankings || []).filter(function (r) { return r.measure === state.measure; })[0];
    var rows = ranking ? ranking.rows || [] : [];
    if (!rows.length) {
      rankBody.appendChild(el("p", { className: "cc-empty", text: gettext("Nothing to rank here.") }));
      return;
    }
    var drillable = (measure.subjects || "areas") === "areas";
    var tbody = el("tbody");
    rows.slice(0, state.phone ? 50 : 12).forEach(function (r) {
      var ch = CHANGE[r.change] || CHANGE.same;
      var tr = el("tr", { "data-id": r.id, className: drillable ? "cc-clickable" : "" }, [
        el("td", {}, [el("span", { className: "cc-rank-no" + (r.rank && r.rank <= 3 ? " cc-top" : ""), text: r.rank === null || r.rank === undefined ? "—" : String(r.rank) })]),
        el("td", { text: r.name }),
        el("td", { className: "cc-num" }, [formatValue(r.value), r.value !== null && r.value !== undefined && measure.unit ? measure.unit : ""]),
        el("td", { className: "cc-change " + ch[1], title: ch[2] + (r.previous_rank ? " · " + interpolate(gettext("previously no. %(rank)s"), { rank: r.previous_rank }, true) : "") }, [
          ch[0], el("span", { className: "cc-visually-hidden", text: "" })
        ])
      ]);
      tr.setAttribute("aria-label", r.name + " " + ch[2]);
      if (drillable) {
        tr.tabIndex = 0;
        tr.addEventListener("click", function () { drill(r.id); });
        tr.addEventListener("keydown", function (e) { if (e.key === "Enter") drill(r.id); });
      }
      tbody.appendChild(tr);
    });
    rankBody.appendChild(el("table", { className: "cc-rank-table" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { text: gettext("No.") }), el("th", { text: drillable ? gettext("Area") : gettext("Department") }),
        el("th", { className: "cc-num", text: measure.title }), el("th", { text: gettext("Change") })
      ])]),
      tbody
    ]));
  }

  var loadRankings = loader(function () {
    return request("GET", state.api + "/rankings?" + periodQuery()).then(function (data) {
      state.rankings = data;
      renderRankings();
    }, function (err) { showProblem(rankBody, err); });
  });

  // --- Alerts -------------------------------------------------------------------------------

  var alertList = document.getElementById("cc-alert-list");
  var alertCount = document.getElementById("cc-alert-count");

  function renderAlerts() {
    clear(alertList);
    alertCount.textContent = String(state.alerts.length);
    if (!state.alerts.length) {
      alertList.appendChild(el("li", { className: "cc-empty", text: gettext("No open alerts.") }));
      return;
    }
    state.alerts.slice(0, state.phone ? ALERTS_MAX : 8).forEach(function (a) {
      var li = el("li", { className: "cc-alert", "data-alert": a.id, title: a.title }, [
        el("span", { className: "cc-alert-level", "data-level": a.level || "orange", "aria-hidden": "true" }),
        a.raised_at ? el("time", { datetime: a.raised_at, text: timeOf(a.raised_at) + " " }) : null,
        a.title || "",
        a.area && a.area.name ? el("span", { className: "cc-alert-area", text: a.area.name }) : null
      ]);
      if (a.item_kind && a.item_id) {
        li.setAttribute("data-item", a.item_kind + ":" + a.item_id);
        li.tabIndex = 0;
        li.addEventListener("click", function () { openItem(a.item_kind, a.item_id); });
        li.addEventListener("keydown", function (e) { if (e.key === "Enter") openItem(a.item_kind, a.item_id); });
      }
      alertList.appendChild(li);
    });
  }

  var loadAlerts = loader(function () {
    return request("GET", state.api + "/alerts?" + query({ open: "1" })).then(function (data) {
      state.alerts = (data.alerts || []).slice(0, ALERTS_MAX);
      renderAlerts();
    }, function (err) { showProblem(alertList, err); });
  });

  function pushAlert(alert) {
    if (!alert || alert.id === undefined) return;
    state.alerts = [alert].concat(state.alerts.filter(function (a) { return a.id !== alert.id; })).slice(0, ALERTS_MAX);
    renderAlerts();
  }

  // --- The live map -------------------------------------------------------------------------

  var map = null;
  var mapBox = document.getElementById("cc-map");
  if (root.dataset.hasMap === "1" && !state.phone && window.GridgovCommandMap && mapBox) {
    try {
      map = window.GridgovCommandMap.create(mapBox, { area: state.area, measure: null, dark: true });
      if (map && typeof map.onItem === "function") map.onItem(function (kind, id) { openItem(kind, id); });
      // A click on a polygon drills the whole screen down (drill() moves the map too).
      if (map && typeof map.onArea === "function") map.onArea(function (id) { drill(id); });
    } catch (e) {
      map = null;
      mapBox.appendChild(el("p", { className: "cc-error", text: gettext("The map could not be drawn.") }));
    }
  }

  // The measures the grids can be coloured by, once the map has read them for this area.
  var measureBox = document.getElementById("cc-measures");
  var measureTimer = null;
  state.mapMeasure = null;

  function renderMeasures() {
    if (!map || typeof map.measures !== "function") return true;
    var measures = map.measures() || [];
    if (!measures.length) return false;
    clear(measureBox);
    if (!state.mapMeasure || !measures.some(function (m) { return m.key === state.mapMeasure; })) {
      state.mapMeasure = measures[0].key;
    }
    measures.forEach(function (m) {
      measureBox.appendChild(el("button", {
        type: "button", className: "cc-btn", text: m.title, "data-measure": m.key,
        "aria-pressed": m.key === state.mapMeasure ? "true" : "false",
        onclick: function () {
          state.mapMeasure = m.key;
          try { map.setMeasure(m.key); } catch (e) { /* keeps the previous colours */ }
          renderMeasures();
        }
      }));
    });
    return true;
  }

  function watchMeasures() {
    if (!map) return;
    if (measureTimer) clearInterval(measureTimer);
    var tries = 0;
    measureTimer = setInterval(function () {
      tries += 1;
      if (renderMeasures() || tries > 30) { clearInterval(measureTimer); measureTimer = null; }
    }, 1000);
  }
  watchMeasures();

  // --- The ticker and the live stream -------------------------------------------------------

  var tickerList = document.getElementById("cc-ticker-list");
  var liveState = document.getElementById("cc-live-state");

  function remember(key) {
    if (state.seenEvents[key]) return false;
    state.seenEvents[key] = true;
    state.seenOrder.push(key);
    while (state.seenOrder.length > 500) delete state.seenEvents[state.seenOrder.shift()];
    return true;
  }

  function pushEvent(ev) {
    if (!remember(ev.feed + ":" + ev.cursor)) return;
    var li = el("li", { className: "cc-event cc-new", "data-feed": ev.feed, "data-action": ev.action || "" }, [
      el("time", { datetime: ev.at, text: timeOf(ev.at) }),
      ev.label || ""
    ]);
    if (ev.item_kind && ev.item_id) {
      li.setAttribute("data-item", ev.item_kind + ":" + ev.item_id);
      li.tabIndex = 0;
      li.addEventListener("click", function () { openItem(ev.item_kind, ev.item_id); });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") openItem(ev.item_kind, ev.item_id); });
    }
    var empty = tickerList.querySelector(".cc-empty");
    if (empty) tickerList.removeChild(empty);
    tickerList.insertBefore(li, tickerList.firstChild);
    setTimeout(function () { li.classList.remove("cc-new"); }, 4000);
    while (tickerList.children.length > TICKER_MAX) tickerList.removeChild(tickerList.lastChild);
    if (map && typeof map.pulse === "function") {
      try { map.pulse(ev); } catch (e) { /* a pulse is decoration */ }
    }
  }

  tickerList.appendChild(el("li", { className: "cc-empty", text: gettext("Waiting for new events…") }));

  var live = (function () {
    var source = null;
    var retry = 0;
    var timer = null;

    function setState(s) { liveState.setAttribute("data-state", s); liveState.title = {
      open: gettext("Live updates: connected"), connecting: gettext("Live updates: connecting…"),
      closed: gettext("Live updates: interrupted, reconnecting…")
    }[s]; }

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (source) { source.close(); source = null; }
    }

    function later() {
      stop();
      setState("closed");
      retry = Math.min(retry + 1, 6);
      // 2, 4, 8 … up to 64 seconds, with some spread so 200 screens do not come back at once.
      var delay = Math.pow(2, retry) * 1000 * (0.75 + Math.random() * 0.5);
      timer = setTimeout(start, delay);
    }

    function start() {
      stop();
      if (!window.EventSource || !state.liveUrl) return;
      setState("connecting");
      var sep = state.liveUrl.indexOf("?") >= 0 ? "&" : "?";
      source = new EventSource(state.liveUrl + sep + "area=" + encodeURIComponent(state.area), { withCredentials: state.liveUrl.indexOf("http") === 0 });
      source.addEventListener("open", function () { retry = 0; setState("open"); });
      source.addEventListener("live", function (msg) {
        var data;
        try { data = JSON.parse(msg.data); } catch (e) { return; }
        (data.events || []).forEach(pushEvent);
        if ((data.events || []).length) refreshSoon();
      });
      source.addEventListener("alert", function (msg) {
        try { pushAlert(JSON.parse(msg.data)); } catch (e) { /* ignore a malformed alert */ }
      });
      source.addEventListener("error", function () {
        // The browser reconnects by itself while the state is CONNECTING; a CLOSED source
        // (the server refused or answered something else) is reopened here, with a backoff.
        if (source && source.readyState === 2) later();
        else setState("connecting");
      });
    }

    return { start: start, restart: function () { retry = 0; start(); } };
  })();

  // --- The side panel -----------------------------------------------------------------------

  var panel = document.getElementById("cc-panel");
  var panelBody = document.getElementById("cc-panel-body");
  var panelTitle = document.getElementById("cc-panel-title");
  document.getElementById("cc-panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closePanel(); });

  function closePanel() {
    panel.hidden = true;
    state.panelItem = null;
    clear(panelBody);
  }

  var FIELD_LABELS = {
    note: gettext("Note"),
    message: gettext("Message"),
    reason: gettext("Reason"),
    reply: gettext("Reply"),
    to_area: gettext("Dispatch to (area)"),
    to_department: gettext("Dispatch to (department)"),
    into: gettext("Merge into case no."),
    kind: gettext("Kind"),
    amount: gettext("Amount"),
    unit: gettext("Unit"),
    approve: gettext("Approve")
  };
  var INT_FIELDS = { to_area: 1, to_department: 1, into: 1, amount: 1 };

  function fieldSpec(f) {
    if (typeof f === "string") return { name: f };
    return f || {};
  }

  function fieldLabel(spec) {
    if (spec.label) return spec.label;
    return FIELD_LABELS[spec.name] || spec.name;
  }

  function fieldInput(spec, detail) {
    var name = spec.name;
    var choices = spec.choices;
    if (!choices && name === "to_area") {
      // The item's own area first (the usual unit), then the areas the screen shows.
      var seen = {};
      choices = [];
      var own = detail.area && typeof detail.area === "object" ? detail.area : null;
      if (own && own.id) choices.push({ value: own.id, label: interpolate(gettext("%(name)s (where it happened)"), { name: own.name }, true) });
      state.children.concat([{ id: state.area, name: areaName.textContent }]).forEach(function (c) {
        if (own && c.id === own.id) return;
        choices.push({ value: c.id, label: c.name });
      });
      choices = choices.filter(function (c) { if (seen[c.value]) return false; seen[c.value] = true; return true; });
    }
    if (choices && choices.length) {
      var select = el("select", { name: name, required: spec.required ? true : null }, [
        el("option", { value: "", text: gettext("— choose —") })
      ]);
      choices.forEach(function (c) {
        var v = Array.isArray(c) ? c[0] : c.value !== undefined ? c.value : c.id;
        var l = Array.isArray(c) ? c[1] : c.label || c.name;
        select.appendChild(el("option", { value: String(v), text: l }));
      });
      return select;
    }
    if (name === "approve" || spec.type === "boolean") return el("input", { type: "checkbox", name: name });
    if (INT_FIELDS[name] || spec.type === "integer" || spec.type === "number") {
      return el("input", { type: "number", name: name, min: "0", required: spec.required ? true : null });
    }
    if (name === "note" || name === "message" || name === "reply" || name === "reason" || spec.type === "text") {
      return el("textarea", { name: name, maxLength: 2000, required: spec.required ? true : null });
    }
    return el("input", { type: "text", name: name, required: spec.required ? true : null });
  }

  function formBody(form, fields, detail) {
    var body = {};
    fields.forEach(function (raw) {
      var spec = fieldSpec(raw);
      var name = spec.name;
      if (!name) return;
      if (name === "version") {
        if (detail.version !== undefined) body.version = detail.version;
        return;
      }
      var input = form.elements[name];
      if (!input) return;
      if (input.type === "checkbox") { body[name] = input.checked; return; }
      var v = input.value.trim();
      if (v === "") return;
      body[name] = INT_FIELDS[name] || spec.type === "integer" ? parseInt(v, 10) : v;
    });
    return body;
  }

  function problemNode(err) {
    var box = el("div", { className: "cc-error", role: "alert" }, [err.message]);
    (err.details || []).forEach(function (d) {
      if (d && d !== err.message) box.appendChild(el("div", { text: d }));
    });
    return box;
  }

  function actionForm(action, detail, holder) {
    var fields = (action.fields || []).filter(function (f) { return fieldSpec(f).name !== "version"; });
    var form = el("form", { className: "cc-form", "data-action": action.action, noValidate: true });
    fields.forEach(function (raw) {
      var spec = fieldSpec(raw);
      if (!spec.name) return;
      form.appendChild(el("label", {}, [fieldLabel(spec), fieldInput(spec, detail)]));
    });
    var status = el("div");
    var submit = el("button", { type: "submit", className: "cc-btn cc-btn-primary", text: action.label || action.action });
    form.appendChild(status);
    form.appendChild(submit);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit.disabled = true;
      clear(status);
      request("POST", action.api, formBody(form, action.fields || [], detail)).then(function () {
        toast(interpolate(gettext("Done: %(action)s"), { action: action.label || action.action }, true));
        refreshSoon();
        openItem(detail.kind, detail.id, { done: action.label || action.action });
      }, function (err) {
        submit.disabled = false;
        status.appendChild(problemNode(err));
      });
    });
    holder.appendChild(form);
    var first = form.querySelector("select, input, textarea");
    if (first) first.focus();
  }

  function notifyForm(detail, holder) {
    var form = el("form", { className: "cc-form", "data-action": "notify_grid_worker" });
    var text = el("textarea", { name: "message", maxLength: 500, required: true,
      placeholder: gettext("e.g. Please go to the place at once and report back.") });
    var status = el("div");
    var submit = el("button", { type: "submit", className: "cc-btn cc-btn-primary", text: gettext("Send to the grid worker") });
    form.appendChild(el("label", {}, [gettext("Message to the grid worker"), text]));
    form.appendChild(status);
    form.appendChild(submit);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clear(status);
      if (!text.value.trim()) {
        status.appendChild(el("div", { className: "cc-error", role: "alert", text: gettext("Write a message first.") }));
        return;
      }
      submit.disabled = true;
      request("POST", state.api + "/notify", { item_kind: detail.kind, item_id: detail.id, message: text.value.trim() }).then(function (data) {
        holder.removeChild(form);
        holder.appendChild(el("p", { className: "cc-ok", role: "status", text: data.message || gettext("The grid worker has been notified.") }));
      }, function (err) {
        submit.disabled = false;
        status.appendChild(problemNode(err));
      });
    });
    holder.appendChild(form);
    text.focus();
  }

  function areaText(area) {
    if (!area) return "";
    if (typeof area === "string") return area;
    return area.name || "";
  }

  function renderItem(detail, note) {
    clear(panelBody);
    panelTitle.textContent = detail.number ? detail.number : gettext("Details");
    if (note && note.done) {
      panelBody.appendChild(el("p", { className: "cc-ok", role: "status", text: interpolate(gettext("Done: %(action)s"), { action: note.done }, true) }));
    }
    var dl = el("dl");
    function row(label, value) {
      if (value === null || value === undefined || value === "") return;
      dl.appendChild(el("dt", { text: label }));
      dl.appendChild(el("dd", { text: String(value) }));
    }
    row(gettext("Subject"), detail.title);
    row(gettext("Status"), detail.status_label || detail.status);
    row(gettext("Area"), areaText(detail.area));
    panelBody.appendChild(dl);
    if (detail.url) {
      panelBody.appendChild(el("p", {}, [el("a", { href: detail.url, target: "_blank", rel: "noopener", text: gettext("Open the full record") })]));
    }

    var actionsBox = el("div", { className: "cc-actions", "data-testid": "panel-actions" });
    var formHolder = el("div");
    (detail.actions || []).forEach(function (a) {
      actionsBox.appendChild(el("button", {
        type: "button", className: "cc-btn", text: a.label || a.action, "data-action": a.action,
        onclick: function () { clear(formHolder); actionForm(a, detail, formHolder); }
      }));
    });
    actionsBox.appendChild(el("button", {
      type: "button", className: "cc-btn", text: gettext("Notify the grid worker"), "data-action": "notify_grid_worker",
      onclick: function () { clear(formHolder); notifyForm(detail, formHolder); }
    }));
    panelBody.appendChild(el("h3", { className: "cc-h2", text: gettext("Actions") }));
    panelBody.appendChild(actionsBox);
    panelBody.appendChild(formHolder);

    var timeline = detail.timeline || [];
    panelBody.appendChild(el("h3", { className: "cc-h2", text: gettext("Timeline") }));
    if (!timeline.length) {
      panelBody.appendChild(el("p", { className: "cc-empty", text: gettext("Nothing recorded yet.") }));
    } else {
      var ol = el("ol", { className: "cc-timeline" });
      timeline.slice(-TIMELINE_MAX).reverse().forEach(function (t) {
        ol.appendChild(el("li", {}, [
          el("time", { datetime: t.at, text: dateTimeOf(t.at) }),
          el("strong", { text: t.action_label || t.action || "" }),
          t.actor ? " · " + t.actor : "",
          t.text ? el("div", { text: t.text }) : null
        ]));
      });
      panelBody.appendChild(ol);
    }
  }

  function openItem(kind, id, note) {
    if (!kind || !id) return;
    state.panelItem = kind + ":" + id;
    panel.hidden = false;
    panel.setAttribute("data-item", state.panelItem);
    if (!note) {
      clear(panelBody);
      panelTitle.textContent = gettext("Details");
      panelBody.appendChild(el("p", { className: "cc-empty", text: gettext("Loading…") }));
    }
    var wanted = state.panelItem;
    request("GET", state.api + "/items/" + encodeURIComponent(kind) + "/" + encodeURIComponent(id)).then(function (detail) {
      if (state.panelItem !== wanted) return;
      if (!detail.kind) detail.kind = kind;
      if (!detail.id) detail.id = id;
      renderItem(detail, note);
    }, function (err) {
      if (state.panelItem !== wanted) return;
      clear(panelBody);
      panelBody.appendChild(problemNode(err));
    });
  }

  // --- Start --------------------------------------------------------------------------------

  state.wall = !!root.dataset.wall;
  loadScope();
  loadTiles();
  loadRankings();
  loadAlerts();
  live.start();
  setInterval(loadTiles, TILE_REFRESH_MS);
  setInterval(loadRankings, RANK_REFRESH_MS);
  setInterval(loadAlerts, ALERT_REFRESH_MS);
  setInterval(loadScope, 10 * 60 * 1000);

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      fit4k();
      charts.forEach(function (c) { c.resize(); });
    }, 200);
  });

  // For journeys and a wall's own scripts: the screen's state and drill-down.
  window.GridgovCommandScreen = { drill: drill, openItem: openItem, area: function () { return state.area; } };
})();
