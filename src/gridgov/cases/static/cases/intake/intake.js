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
      var map = L.map(el, { zoomControl: false, attributionControl: Boolean(box.dataset.tileUrl) });
      // The zoom buttons' tooltips in the page's language (Leaflet's own are English).
      L.control.zoom({
        zoomInTitle: box.dataset.zoomInText || "+", zoomOutTitle: box.dataset.zoomOutText || "-"
      }).addTo(map);
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
    // A point the browser put back (Back to a sent form): say so before the map is ready.
    var form0 = box.closest("form");
    var lon0 = parseFloat(form0.querySelector("input[name=lon]").value);
    var lat0 = parseFloat(form0.querySelector("input[name=lat]").value);
    if (!isNaN(lon0) && !isNaN(lat0)) {
      box.querySelector("[data-gg-locate-status]").textContent =
        (box.dataset.locatedText || "") + " (" + lon0.toFixed(5) + ", " + lat0.toFixed(5) + ")";
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
  // The draft's idempotency key: kept for this tab when the form is sent, and put back when the
  // page is shown again by Back (or a reload), so that sending the same draft again answers
  // with the case made the first time. A form opened anew keeps the new key the server made.
  var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  var again = Boolean(nav) && (nav.type === "back_forward" || nav.type === "reload");
  function remember(slot, value) {
    try { window.sessionStorage.setItem(slot, value); } catch (e) { /* storage off: the page's own key */ }
  }
  function recall(slot) {
    try { return window.sessionStorage.getItem(slot); } catch (e) { return null; }
  }
  document.querySelectorAll("form[data-gg-once]").forEach(function (form) {
    var key = form.querySelector("input[name=idempotency_key]");
    var slot = "gg-draft:" + window.location.pathname;
    if (key && again && recall(slot)) { key.value = recall(slot); }
    form.addEventListener("submit", function () {
      if (key) { remember(slot, key.value); }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  // A page of errors answers a POST: make its history entry a plain GET of the same address,
  // so that Back to it shows the form instead of "confirm form resubmission".
  if (document.getElementById("gg-form-errors") && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.href);
  }
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
