/* Area and case map: draws the GeoJSON of <div data-gg-map data-geojson-url="…"> with Leaflet.
 *
 * Base tiles only when data-tile-url is set (GRIDGOV_TILE_URL); without them a short note says
 * so and the map shows what the data has: outlines, grid names, buildings. Clicking a polygon
 * opens that area. The area JSON is a FeatureCollection; its optional "area" member is the
 * current area's own outline.
 *
 * With data-cases-url (the case map, /cases/map.json) the map also draws the county outline,
 * the grids shaded by their open cases and labelled with their names, the open cases as
 * markers clustered when zoomed out (leaflet.markercluster), and the roster buildings that have
 * coordinates. Every text comes from the element's data-*-text attributes (translated pages). */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  var fill = { color: "#0d6efd", weight: 2, fillColor: "#0d6efd", fillOpacity: 0.18 };
  var hover = { weight: 3, fillOpacity: 0.35 };
  var outline = { color: "#495057", weight: 2, dashArray: "5 5", fill: false, interactive: false };
  // With the case layer the area polygons keep only their border: the heat shows through.
  var border = { color: "#0d6efd", weight: 2, fillOpacity: 0 };
  var countyStyle = { color: "#343a40", weight: 3, dashArray: "8 6", fill: false, interactive: false };
  // Open cases per grid: five classes from "none" to "the most in view".
  var HEAT = ["#f1f3f5", "#fde0c5", "#fdae6b", "#f16913", "#a63603"];
  var LABEL_MIN_PX = 56;  // a grid's name shows once the grid is this wide on screen

  function ds(el, name) { return el.getAttribute("data-" + name) || ""; }

  function notes(el) {
    var box = el.querySelector(".gg-map-notes");
    if (!box) {
      box = document.createElement("div");
      box.className = "gg-map-notes";
      el.appendChild(box);
      L.DomEvent.disableClickPropagation(box);
    }
    return box;
  }

  function message(el, text, testid) {
    if (!text) { return; }
    var line = document.createElement("div");
    line.className = "gg-map-message";
    line.textContent = text;
    if (testid) { line.setAttribute("data-testid", testid); }
    notes(el).appendChild(line);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  }

  function heatColor(n, max) {
    if (!n) { return HEAT[0]; }
    var i = Math.min(HEAT.length - 1, 1 + Math.floor(((n - 1) / Math.max(1, max)) * (HEAT.length - 1)));
    return HEAT[i];
  }

  function legend(el, map, max) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "gg-map-legend");
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = ds(el, "legend-text");
      div.appendChild(title);
      var row = document.createElement("div");
      row.className = "d-flex align-items-center gap-1";
      var low = document.createElement("span");
      low.textContent = "0";
      row.appendChild(low);
      HEAT.forEach(function (c) {
        var sw = document.createElement("span");
        sw.className = "gg-map-swatch";
        sw.style.background = c;
        row.appendChild(sw);
      });
      var high = document.createElement("span");
      high.textContent = String(max);
      row.appendChild(high);
      div.appendChild(row);
      return div;
    };
    control.addTo(map);
  }

  function caseIcon(p) {
    return L.divIcon({
      className: "gg-case-dot" + (p.overdue ? " gg-case-dot--overdue" : ""),
      iconSize: [14, 14]
    });
  }

  function casePopup(p, el) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = p.url;
    a.textContent = p.number;
    a.className = "fw-semibold";
    box.appendChild(a);
    var line = document.createElement("div");
    line.textContent = p.category + " · " + p.status_label + (p.overdue ? " · " + ds(el, "overdue-text") : "");
    box.appendChild(line);
    return box;
  }

  // Show each grid's name only where it fits inside the grid on screen (no overlapping names).
  function refreshLabels(map, layer) {
    layer.eachLayer(function (lyr) {
      var tip = lyr.getTooltip && lyr.getTooltip();
      var label = tip && tip.getElement();
      if (!label) { return; }
      var b = lyr.getBounds();
      var w = map.latLngToLayerPoint(b.getNorthEast()).x - map.latLngToLayerPoint(b.getSouthWest()).x;
      label.style.display = "";
      label.style.display = w >= Math.max(LABEL_MIN_PX, label.offsetWidth + 4) ? "" : "none";
    });
  }

  function drawCases(el, map, data, bounds) {
    // The county outline frames the map; the view fits it only when nothing else is drawn.
    var county = data.county && data.county.geometry
      ? L.geoJSON(data.county, { style: countyStyle, interactive: false }).addTo(map)
      : null;
    var max = data.max_open || 0;
    // Grid names above the polygons, below the case markers and their popups.
    map.createPane("gg-labels").style.zIndex = 450;
    var grids = L.geoJSON(data.grids, {
      interactive: false,
      style: function (f) {
        var n = (f.properties || {}).open || 0;
        return { color: "#6c757d", weight: 1, fillColor: heatColor(n, max), fillOpacity: 0.75 };
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties || {};
        lyr.bindTooltip(p.name, {
          permanent: true, direction: "center", className: "gg-map-label", interactive: false,
          pane: "gg-labels"
        });
      }
    });
    grids.addTo(map);
    grids.bringToBack();
    if (data.grids && data.grids.features && data.grids.features.length) {
      bounds.extend(grids.getBounds());
      legend(el, map, max);
    }
    el.setAttribute("data-gg-grids", String((data.grids.features || []).length));

    if (data.buildings && data.buildings.length) {
      map.createPane("gg-buildings").style.zIndex = 440;  // under the case markers
      var houses = L.layerGroup();
      data.buildings.forEach(function (b) {
        L.marker([b.lat, b.lon], {
          icon: L.divIcon({ className: "gg-building", iconSize: [7, 7] }), keyboard: false,
          pane: "gg-buildings"
        }).bindTooltip(b.name).addTo(houses);
      });
      houses.addTo(map);
    }

    var points = data.points || [];
    var cluster = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 })
      : L.layerGroup();
    points.forEach(function (p) {
      L.marker([p.lat, p.lon], { icon: caseIcon(p), title: p.number, keyboard: false })
        .bindPopup(function () { return casePopup(p, el); })
        .addTo(cluster);
    });
    cluster.addTo(map);
    el.setAttribute("data-gg-cases", String(points.length));
    if (data.truncated) {
      message(el, ds(el, "cases-truncated-text").replace("{shown}", String(points.length))
        .replace("{total}", String(data.open_total)), "map-cases-truncated");
    }
    map.on("zoomend", function () { refreshLabels(map, grids); });
    return { grids: grids, county: county };
  }

  // Fit the view to what is drawn, and again when the map's box changes size (a phone turned
  // on its side), as long as the user has not moved the map themselves.
  function fit(map, bounds) {
    var moved = false;
    var fitting = false;
    function go() {
      fitting = true;
      map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17, animate: false });
      fitting = false;
    }
    map.on("dragstart", function () { moved = true; });
    map.on("zoomstart", function () { if (!fitting) { moved = true; } });
    map.on("resize", function () { if (!moved) { go(); } });
    go();
  }

  function init(el) {
    var tiles = ds(el, "tile-url");
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19, zoomControl: false, attributionControl: Boolean(tiles) });
    L.control.zoom({ zoomInTitle: ds(el, "zoom-in-text") || "+", zoomOutTitle: ds(el, "zoom-out-text") || "-" }).addTo(map);
    map.setView([35.0, 105.0], 4);
    if (tiles) {
      // Several layers may be given, separated by spaces (天地图: the base map, then its labels).
      tiles.split(/\s+/).forEach(function (url, i) {
        L.tileLayer(url, { maxZoom: 19, attribution: i ? "" : ds(el, "tile-attribution") }).addTo(map);
      });
    } else {
      message(el, ds(el, "no-tiles-text"), "map-no-tiles");
    }
    var casesUrl = ds(el, "cases-url");
    Promise.all([getJSON(ds(el, "geojson-url")), casesUrl ? getJSON(casesUrl) : Promise.resolve(null)])
      .then(function (answers) {
        var data = answers[0], cases = answers[1];
        var bounds = L.latLngBounds([]);
        var hasFeatures = Boolean(data.features && data.features.length);
        if (data.area && data.area.geometry) {
          // The area's own outline: dashed around its children, filled when it has none.
          var own = L.geoJSON(data.area, {
            style: hasFeatures || cases ? outline : fill, interactive: false
          }).addTo(map);
          bounds.extend(own.getBounds());
        }
        var layer = L.geoJSON(data, {
          style: function () { return cases ? border : fill; },
          onEachFeature: function (feature, lyr) {
            var p = feature.properties || {};
            lyr.bindTooltip(p.name + (p.code ? " · " + p.code : ""), { sticky: true });
            lyr.on("mouseover", function () { lyr.setStyle(cases ? { weight: 4 } : hover); });
            lyr.on("mouseout", function () { layer.resetStyle(lyr); });
            if (p.url) { lyr.on("click", function () { window.location.href = p.url; }); }
          }
        });
        // With the case layer the area polygons (still the clicks that open an area) are
        // borders above the shaded grids, below the markers.
        var drawn = cases ? drawCases(el, map, cases, bounds) : null;
        var grids = drawn ? drawn.grids : null;
        layer.addTo(map);
        if (hasFeatures) { bounds.extend(layer.getBounds()); }
        if (!bounds.isValid() && drawn && drawn.county) { bounds.extend(drawn.county.getBounds()); }
        if (bounds.isValid()) {
          fit(map, bounds);
        } else {
          message(el, ds(el, "empty-text"), "map-empty");
        }
        if (grids) { refreshLabels(map, grids); }
        if (data.truncated) { message(el, ds(el, "truncated-text")); }
        el.setAttribute("data-gg-map-ready", String((data.features || []).length));
      })
      .catch(function (err) {
        if (window.console) { window.console.error(err); }
        message(el, ds(el, "error-text"), "map-error");
        el.setAttribute("data-gg-map-ready", "error");
      });
  }

  document.querySelectorAll("[data-gg-map]").forEach(init);
})();
