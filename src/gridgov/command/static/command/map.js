/* The command centre's live map (综治中心大屏): grid polygons coloured by a measure, clustered
 * markers when zoomed in, pulsing circles for live events. Leaflet without basemap tiles (the
 * centre's machines are offline): the polygons are drawn on a dark background.
 *
 *   var m = window.GridgovCommandMap.create(element, {
 *     area: 17, measure: "cases.open", dark: true, apiBase: "/api/v1/command",
 *     layer: "cases", refreshSeconds: 60, texts: {...}});
 *   m.setArea(id); m.setMeasure(key); m.pulse(liveEvent);
 *   m.onItem(function (kind, id) {...}); m.onArea(function (id) {...}); m.destroy();
 *
 * Data: GET {apiBase}/map/grids?area=&measure= (GeoJSON with properties {id, name, value}),
 * GET {apiBase}/map/points?area=&layer=&bbox= (markers for the view, only when zoomed in).
 * Texts: options.texts, else the JSON in <div hidden id="gg-command-map-texts"> (the include
 * command/maplayers/_map_texts.html renders it translated), else English.
 *
 * A screen stays open for days: every fetch replaces what it drew (nothing accumulates), an
 * older fetch is aborted by a newer one, pulses are capped and removed after a minute, and
 * destroy() stops every timer. */
(function () {
  "use strict";

  var RAMP = ["#1d3557", "#22577a", "#38a3a5", "#f4d35e", "#f28f3b", "#e4572e"];
  var ZERO = "#16202e";
  var POINTS_MIN_ZOOM = 13;      // markers only when a few grids fill the screen
  var PULSE_MS = 60 * 1000;      // a live event pulses for a minute
  var PULSE_MAX = 100;           // at most this many pulses at once (a burst drops the oldest)
  var MOVE_DELAY_MS = 350;       // points are fetched once the view has settled
  var DEFAULT_TEXTS = {
    legend: "Legend",
    none: "0",
    loading: "Loading…",
    failed: "The map data could not be loaded; retrying.",
    truncated: "Only the newest markers are shown; zoom in for more.",
    coarser: "Too many grids to draw here; shown by {level} instead.",
    zoomIn: "Zoom in",
    zoomOut: "Zoom out"
  };

  function readTexts(options) {
    var texts = {};
    var k;
    for (k in DEFAULT_TEXTS) { texts[k] = DEFAULT_TEXTS[k]; }
    var el = document.getElementById("gg-command-map-texts");
    if (el) {
      try {
        var fromPage = JSON.parse(el.textContent || "{}");
        for (k in fromPage) { texts[k] = fromPage[k]; }
      } catch (e) { /* keep the defaults */ }
    }
    var given = options.texts || {};
    for (k in given) { texts[k] = given[k]; }
    return texts;
  }

  // Class breaks 1 … max in len(RAMP) steps (a value of 0 is its own, dim class).
  function breaks(max) {
    var out = [];
    var n = RAMP.length;
    for (var i = 1; i <= n; i++) { out.push(Math.max(1, Math.ceil((max * i) / n))); }
    return out;
  }

  function colourFor(value, br) {
    if (!value) { return ZERO; }
    for (var i = 0; i < br.length; i++) { if (value <= br[i]) { return RAMP[i]; } }
    return RAMP[RAMP.length - 1];
  }

  function inPath(path, id) {
    return ("/" + String(path || "")).indexOf("/" + String(id) + "/") >= 0;
  }

  function create(element, options) {
    if (typeof L === "undefined") { throw new Error("GridgovCommandMap needs Leaflet"); }
    options = options || {};
    var texts = readTexts(options);
    var apiBase = String(options.apiBase || "/api/v1/command").replace(/\/+$/, "");
    var state = {
      area: options.area || null,
      measure: options.measure || "",
      layer: options.layer || "cases",
      data: null,          // the last grids answer
      breaks: breaks(0),
      fitted: null,        // the area the view was last fitted to
      layerAllowed: false
    };
    var itemCallbacks = [];
    var areaCallbacks = [];
    var controllers = { grids: null, points: null };
    var timers = { refresh: null, move: null };
    var destroyed = false;

    element.classList.add("gg-cmap");
    if (options.dark !== false) { element.classList.add("gg-cmap--dark"); }
    var map = L.map(element, { attributionControl: false, zoomControl: false, zoomSnap: 0.25, minZoom: 3, maxZoom: 19, preferCanvas: false });
    L.control.zoom({ zoomInTitle: texts.zoomIn, zoomOutTitle: texts.zoomOut }).addTo(map);
    map.setView([35, 105], 4);

    var grids = L.geoJSON(null, {
      style: function (feature) {
        return {
          color: "#7fb3d5",
          weight: 1,
          opacity: 0.8,
          fillColor: colourFor(feature.properties.value, state.breaks),
          fillOpacity: 0.75
        };
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties;
        lyr.bindTooltip(p.name + "：" + p.value, { sticky: true, className: "gg-cmap-tip" });
        lyr.on("mouseover", function () { lyr.setStyle({ weight: 3, color: "#e0f2ff" }); });
        lyr.on("mouseout", function () { grids.resetStyle(lyr); });
        lyr.on("click", function () { areaClicked(p.id); });
      }
    }).addTo(map);

    var clustered = typeof L.markerClusterGroup === "function";
    var markers = clustered
      ? L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false, chunkedLoading: true })
      : L.layerGroup();
    var pulses = L.layerGroup().addTo(map);
    var pulseList = [];  // [{layer, timer}], oldest first

    // --- Legend and notes ------------------------------------------------------------------
    var legend = L.control({ position: "bottomright" });
    var legendBox = null;
    legend.onAdd = function () {
      legendBox = L.DomUtil.create("div", "gg-cmap-legend");
      legendBox.setAttribute("data-testid", "command-map-legend");
      return legendBox;
    };
    legend.addTo(map);
    var note = L.control({ position: "topright" });
    var noteBox = null;
    note.onAdd = function () {
      noteBox = L.DomUtil.create("div", "gg-cmap-note");
      noteBox.hidden = true;
      return noteBox;
    };
    note.addTo(map);

    function setNote(text) {
      if (!noteBox) { return; }
      noteBox.textContent = text || "";
      noteBox.hidden = !text;
    }

    function drawLegend() {
      if (!legendBox || !state.data) { return; }
      legendBox.textContent = "";
      var title = document.createElement("div");
      title.className = "gg-cmap-legend-title";
      title.textContent = state.data.measure ? state.data.measure.title : texts.legend;
      legendBox.appendChild(title);
      var rows = [{ colour: ZERO, text: texts.none }];
      var lower = 1;
      state.breaks.forEach(function (upper, i) {
        if (upper < lower) { return; }
        rows.push({ colour: RAMP[i], text: lower === upper ? String(upper) : lower + "–" + upper });
        lower = upper + 1;
      });
      rows.forEach(function (r) {
        var row = document.createElement("div");
        row.className = "gg-cmap-legend-row";
        var sw = document.createElement("span");
        sw.className = "gg-cmap-swatch";
        sw.style.background = r.colour;
        row.appendChild(sw);
        var label = document.createElement("span");
        label.textContent = r.text;
        row.appendChild(label);
        legendBox.appendChild(row);
      });
    }

    // Refresh the colours in place (no polygons fetched, no layers rebuilt): the answer
    // without geometry for the same area and measure. Falls back to a full load when the set
    // of areas drawn has changed.
    function refreshValues() {
      if (!state.data || !state.area) { return loadGrids(); }
      var url = apiBase + "/map/grids" + query({ area: state.area, measure: state.measure, geometry: "false" });
      return getJSON(url, "grids").then(function (data) {
        if (destroyed) { return; }
        var values = {};
        (data.features || []).forEach(function (f) { values[f.properties.id] = f.properties.value; });
        var same = (data.features || []).length === grids.getLayers().length;
        grids.eachLayer(function (lyr) { if (!(lyr.feature.properties.id in values)) { same = false; } });
        if (!same || !data.area || data.area.id !== state.area) { return loadGrids(); }
        data.features = null;
        state.data = data;
        state.breaks = breaks(data.max || 0);
        grids.eachLayer(function (lyr) {
          var p = lyr.feature.properties;
          p.value = values[p.id];
          lyr.setTooltipContent(p.name + "：" + p.value);
          grids.resetStyle(lyr);
        });
        drawLegend();
        loadPoints();
      }).catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        setNote(texts.failed);
      });
    }

    // --- Fetching -----------------------------------------------------------------------------
    function getJSON(url, slot) {
      if (controllers[slot]) { controllers[slot].abort(); }
      var ctrl = typeof AbortController === "function" ? new AbortController() : null;
      controllers[slot] = ctrl;
      return fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: ctrl ? ctrl.signal : undefined
      }).then(function (r) {
        if (controllers[slot] === ctrl) { controllers[slot] = null; }
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      });
    }

    function query(params) {
      var parts = [];
      for (var k in params) {
        if (params[k] !== null && params[k] !== undefined && params[k] !== "") {
          parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
        }
      }
      return parts.length ? "?" + parts.join("&") : "";
    }

    function loadGrids() {
      var url = apiBase + "/map/grids" + query({ area: state.area, measure: state.measure });
      return getJSON(url, "grids").then(function (data) {
        if (destroyed) { return; }
        state.measure = data.measure ? data.measure.key : state.measure;
        state.breaks = breaks(data.max || 0);
        state.layerAllowed = (data.layers || []).some(function (l) { return l.key === state.layer; });
        grids.clearLayers();
        grids.addData(data.features || []);
        data.features = null;  // the layer holds them; keep no second copy
        state.data = data;
        drawLegend();
        setNote(data.is_grids === false
          ? texts.coarser.replace("{level}", data.level_label || "") : "");
        var areaId = data.area ? data.area.id : null;
        if (state.fitted !== areaId) {
          state.fitted = areaId;
          state.area = areaId;
          var b = data.bbox;
          if (b) {
            map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [12, 12] });
          } else if (grids.getLayers().length) {
            map.fitBounds(grids.getBounds(), { padding: [12, 12] });
          }
        }
        loadPoints();
      }).catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        setNote(texts.failed);
      });
    }

    function loadPoints() {
      if (destroyed) { return; }
      if (!state.layerAllowed || map.getZoom() < POINTS_MIN_ZOOM) {
        if (controllers.points) { controllers.points.abort(); controllers.points = null; }
        markers.clearLayers();
        if (map.hasLayer(markers)) { map.removeLayer(markers); }
        return;
      }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
        return v.toFixed(6);
      }).join(",");
      var url = apiBase + "/map/points" + query({ area: state.area, layer: state.layer, bbox: bbox });
      getJSON(url, "points").then(function (data) {
        if (destroyed) { return; }
        markers.clearLayers();
        var list = (data.points || []).map(function (p) {
          var m = L.marker([p.lat, p.lng], {
            icon: L.divIcon({
              className: "gg-cmap-dot" + (p.overdue ? " gg-cmap-dot--overdue" : ""),
              iconSize: [12, 12]
            }),
            keyboard: false
          });
          m.bindTooltip((p.label || "") + (p.status_label ? " · " + p.status_label : ""));
          m.on("click", function () { itemClicked(p.kind || state.layer, p.id); });
          return m;
        });
        if (clustered) { markers.addLayers(list); } else { list.forEach(function (m) { markers.addLayer(m); }); }
        if (!map.hasLayer(markers)) { map.addLayer(markers); }
        if (data.truncated) { setNote(texts.truncated); }
      }).catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        setNote(texts.failed);
      });
    }

    map.on("moveend", function () {
      clearTimeout(timers.move);
      timers.move = setTimeout(loadPoints, MOVE_DELAY_MS);
    });

    // --- Clicks -------------------------------------------------------------------------------
    function areaClicked(id) {
      if (areaCallbacks.length) {
        areaCallbacks.forEach(function (cb) { cb(id); });
      } else if (id !== state.area) {
        api.setArea(id);  // on its own the map drills down itself
      }
    }

    function itemClicked(kind, id) {
      itemCallbacks.forEach(function (cb) { cb(kind, id); });
    }

    // --- Live events --------------------------------------------------------------------------
    function dropPulse(entry) {
      clearTimeout(entry.timer);
      pulses.removeLayer(entry.layer);
      var i = pulseList.indexOf(entry);
      if (i >= 0) { pulseList.splice(i, 1); }
    }

    function pulseAt(ev) {
      if (ev.lat !== null && ev.lat !== undefined && ev.lng !== null && ev.lng !== undefined) {
        return L.latLng(ev.lat, ev.lng);
      }
      // No location: the centre of the drawn area the event lies in.
      var found = null;
      grids.eachLayer(function (lyr) {
        if (!found && inPath(ev.area_path, lyr.feature.properties.id)) { found = lyr; }
      });
      return found ? found.getBounds().getCenter() : null;
    }

    function pulse(ev) {
      if (destroyed || !ev) { return; }
      if (state.area && ev.area_path && !inPath(ev.area_path, state.area)) { return; }
      var at = pulseAt(ev);
      if (!at) { return; }
      while (pulseList.length >= PULSE_MAX) { dropPulse(pulseList[0]); }
      var layer = L.marker(at, {
        icon: L.divIcon({ className: "gg-cmap-pulse gg-cmap-pulse--" + (ev.action || "event"), iconSize: [18, 18] }),
        keyboard: false,
        zIndexOffset: 1000
      });
      if (ev.label) { layer.bindTooltip(String(ev.label)); }
      if (ev.item_kind && ev.item_id) {
        layer.on("click", function () { itemClicked(ev.item_kind, ev.item_id); });
      }
      var entry = { layer: layer, timer: null };
      entry.timer = setTimeout(function () { dropPulse(entry); }, PULSE_MS);
      pulseList.push(entry);
      pulses.addLayer(layer);
    }

    // --- The object returned --------------------------------------------------------------------
    var refreshMs = Math.max(10, Number(options.refreshSeconds || 60)) * 1000;
    timers.refresh = setInterval(function () { if (!document.hidden) { refreshValues(); } }, refreshMs);

    var api = {
      map: map,
      setArea: function (id) {
        state.area = id;
        state.fitted = null;
        return loadGrids();
      },
      setMeasure: function (key) {
        state.measure = key;
        return loadGrids();
      },
      refresh: function () { return refreshValues(); },
      pulse: pulse,
      onItem: function (cb) { itemCallbacks.push(cb); return api; },
      onArea: function (cb) { areaCallbacks.push(cb); return api; },
      measures: function () { return state.data ? state.data.measures || [] : []; },
      destroy: function () {
        destroyed = true;
        clearInterval(timers.refresh);
        clearTimeout(timers.move);
        ["grids", "points"].forEach(function (slot) {
          if (controllers[slot]) { controllers[slot].abort(); controllers[slot] = null; }
        });
        pulseList.slice().forEach(dropPulse);
        itemCallbacks.length = 0;
        areaCallbacks.length = 0;
        map.remove();
        element.classList.remove("gg-cmap", "gg-cmap--dark");
      }
    };
    loadGrids();
    return api;
  }

  window.GridgovCommandMap = { create: create };
})();
