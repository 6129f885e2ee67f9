/* Area map: draws the GeoJSON of <div data-gg-map data-geojson-url="…"> with Leaflet.
 * No base tiles unless data-tile-url is set (offline networks). Clicking a polygon opens
 * that area. The JSON is a FeatureCollection; its optional "area" member is the current
 * area's own outline. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  var fill = { color: "#0d6efd", weight: 2, fillColor: "#0d6efd", fillOpacity: 0.18 };
  var hover = { weight: 3, fillOpacity: 0.35 };
  var outline = { color: "#495057", weight: 2, dashArray: "5 5", fill: false, interactive: false };

  function message(el, text) {
    var box = document.createElement("div");
    box.className = "gg-map-message";
    box.textContent = text;
    el.appendChild(box);
  }

  function init(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(el.dataset.tileUrl) });
    map.setView([35.0, 105.0], 4);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, {
        maxZoom: 19, attribution: el.dataset.tileAttribution || ""
      }).addTo(map);
    }
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        var bounds = L.latLngBounds([]);
        var hasFeatures = Boolean(data.features && data.features.length);
        if (data.area && data.area.geometry) {
          // The area's own outline: dashed around its children, filled when it has none.
          var own = L.geoJSON(data.area, {
            style: hasFeatures ? outline : fill, interactive: false
          }).addTo(map);
          bounds.extend(own.getBounds());
        }
        var layer = L.geoJSON(data, {
          style: function () { return fill; },
          onEachFeature: function (feature, lyr) {
            var p = feature.properties || {};
            lyr.bindTooltip(p.name + (p.code ? " · " + p.code : ""), { sticky: true });
            lyr.on("mouseover", function () { lyr.setStyle(hover); });
            lyr.on("mouseout", function () { layer.resetStyle(lyr); });
            if (p.url) { lyr.on("click", function () { window.location.href = p.url; }); }
          }
        }).addTo(map);
        if (hasFeatures) { bounds.extend(layer.getBounds()); }
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
        } else {
          message(el, el.dataset.emptyText || "");
        }
        if (data.truncated) { message(el, el.dataset.truncatedText || ""); }
        el.setAttribute("data-gg-map-ready", String((data.features || []).length));
      })
      .catch(function () {
        message(el, el.dataset.errorText || "");
        el.setAttribute("data-gg-map-ready", "error");
      });
  }

  document.querySelectorAll("[data-gg-map]").forEach(init);
})();
