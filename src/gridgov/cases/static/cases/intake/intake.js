/* Reporting pages: pick the location on a Leaflet map (grid outlines from GeoJSON, no base
 * tiles unless configured) or from the device's position; preview photos; disable the submit
 * button once pressed (the server also refuses a second case through the draft's idempotency
 * key); bring the list of problems of a refused submission into view. */
(function () {
  "use strict";

  function setPoint(box, lat, lon, marker) {
    var form = box.closest("form");
    form.querySelector("input[name=lon]").value = lon.toFixed(6);
    form.querySelector("input[name=lat]").value = lat.toFixed(6);
    box.querySelector("[data-gg-locate-status]").textContent =
      (box.dataset.locatedText || "") + " (" + lon.toFixed(5) + ", " + lat.toFixed(5) + ")";
    if (marker) { marker(lat, lon); }
  }

  function initMap(box) {
    var el = box.querySelector(".gg-intake-map");
    var marker = null;
    var place = null;
    if (el && typeof L !== "undefined") {
      var map = L.map(el, { attributionControl: Boolean(box.dataset.tileUrl) });
      map.setView([35.0, 105.0], 4);
      if (box.dataset.tileUrl) {
        L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: box.dataset.tileAttribution || "" }).addTo(map);
      }
      place = function (lat, lon) {
        if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.circleMarker([lat, lon], { radius: 8, color: "#dc3545" }).addTo(map); }
        map.setView([lat, lon], Math.max(map.getZoom(), 16));
      };
      fetch(box.dataset.gridsUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          var layer = L.geoJSON(data, {
            style: function () { return { color: "#0d6efd", weight: 1, fillOpacity: 0.08 }; },
            onEachFeature: function (f, lyr) { lyr.bindTooltip((f.properties || {}).name || "", { sticky: true }); }
          }).addTo(map);
          layer.on("click", function (e) { setPoint(box, e.latlng.lat, e.latlng.lng, place); });
          var form = box.closest("form");
          var lon = parseFloat(form.querySelector("input[name=lon]").value);
          var lat = parseFloat(form.querySelector("input[name=lat]").value);
          if (!isNaN(lon) && !isNaN(lat)) { place(lat, lon); }
          else if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
        })
        .catch(function () { /* the map stays usable without outlines */ });
      map.on("click", function (e) { setPoint(box, e.latlng.lat, e.latlng.lng, place); });
    }
    var btn = box.querySelector("[data-gg-geolocate]");
    if (btn) {
      btn.addEventListener("click", function () {
        var status = box.querySelector("[data-gg-locate-status]");
        if (!navigator.geolocation) { status.textContent = box.dataset.deniedText || ""; return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          setPoint(box, pos.coords.latitude, pos.coords.longitude, place);
        }, function () { status.textContent = box.dataset.deniedText || ""; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  function initPhotos(input) {
    var preview = input.parentNode.querySelector("[data-gg-photo-preview]");
    input.addEventListener("change", function () {
      preview.textContent = "";
      var max = parseInt(input.dataset.max || "9", 10);
      if (input.files.length > max) {
        input.setCustomValidity(input.dataset.tooManyText || "");
        input.reportValidity();
      } else {
        input.setCustomValidity("");
      }
      Array.prototype.slice.call(input.files, 0, max).forEach(function (file) {
        var img = document.createElement("img");
        img.className = "gg-photo-thumb border";
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        preview.appendChild(img);
      });
    });
  }

  document.querySelectorAll("[data-gg-locate]").forEach(initMap);
  document.querySelectorAll("[data-gg-photos]").forEach(initPhotos);
  document.querySelectorAll("form[data-gg-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  // Back to a submitted form kept by the browser: it may be sent again (the draft's key makes
  // the server answer with the case made the first time), so the button works again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-gg-once] button[type=submit]").forEach(function (b) { b.disabled = false; });
  });
  var summary = document.getElementById("gg-form-errors");
  if (summary) { summary.focus(); }
  document.querySelectorAll("[data-gg-contact]").forEach(function (box) {
    var anon = box.closest("form").querySelector("input[name=anonymous]");
    function sync() { box.hidden = anon.checked; }
    if (anon) { anon.addEventListener("change", sync); sync(); }
  });
})();
