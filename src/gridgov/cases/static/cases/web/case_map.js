/* Case map: the case's point and its grid outline with Leaflet, from the JSON in
 * <script id="…" type="application/json"> named by <div data-gg-case-map="…">.
 * No base tiles unless data-tile-url is set (offline networks). */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  var outlineStyle = { color: "#0d6efd", weight: 2, fillColor: "#0d6efd", fillOpacity: 0.12, interactive: false };
  var pointStyle = { radius: 8, color: "#dc3545", weight: 2, fillColor: "#dc3545", fillOpacity: 0.8 };

  function init(el) {
    var source = document.getElementById(el.getAttribute("data-gg-case-map"));
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { data = null; }
    if (!data) { return; }
    var map = L.map(el, { zoomSnap: 0.25, zoomControl: false, attributionControl: Boolean(el.dataset.tileUrl) });
    L.control.zoom({
      zoomInTitle: el.dataset.zoomInText || "+", zoomOutTitle: el.dataset.zoomOutText || "-"
    }).addTo(map);
    map.setView([35.0, 105.0], 4);  // a view first: vector layers need one to draw into
    if (el.dataset.tileUrl) {
      // Several layers may be given, separated by spaces (天地图: the base map, then its labels).
      el.dataset.tileUrl.split(/\s+/).forEach(function (url, i) {
        L.tileLayer(url, { maxZoom: 19, attribution: i ? "" : el.dataset.tileAttribution || "" }).addTo(map);
      });
    }
    var bounds = L.latLngBounds([]);
    if (data.outline) {
      var outline = L.geoJSON(data.outline, { style: outlineStyle }).addTo(map);
      bounds.extend(outline.getBounds());
    }
    if (data.point) {
      var latlng = L.latLng(data.point[1], data.point[0]);
      L.circleMarker(latlng, pointStyle).bindTooltip(data.label || "").addTo(map);
      bounds.extend(latlng);
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.1), { maxZoom: 17 });
    }
    el.setAttribute("data-gg-map-ready", "1");
  }

  document.querySelectorAll("[data-gg-case-map]").forEach(init);
})();
