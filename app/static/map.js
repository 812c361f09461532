/* The map to pin a place on the web form and the counter (progressive enhancement).
 *
 * Without JavaScript (or without Leaflet) the map stays hidden and the address and the
 * coordinate fields do the work. With it: click or tap the map, drag the pin, or with the
 * keyboard pan the map with the arrows and press "Marcar el centro del mapa"; the focused pin
 * moves with the arrow keys (Shift: further). "Usar mi ubicación" asks the browser. Every move
 * writes the latitude and longitude fields (decimal comma) and says so in a live region; typing
 * in the fields moves the pin. The server checks the service area; the map only warns.
 */
(function () {
  "use strict";

  function parse(text) {
    var value = parseFloat(String(text || "").trim().replace(/\s/g, "").replace("\u2212", "-").replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function format(value) {
    return value.toFixed(6).replace(".", ",");
  }

  // Ray casting over GeoJSON rings ([lon, lat]); only a warning, the server decides.
  function inRing(ring, lon, lat) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  function inArea(area, lat, lon) {
    if (!area) return true;
    return area.features.some(function (feature) {
      var rings = feature.geometry.coordinates;
      return inRing(rings[0], lon, lat) && !rings.slice(1).some(function (hole) {
        return inRing(hole, lon, lat);
      });
    });
  }

  function setUp(box) {
    var L = window.L;
    var latField = document.getElementById(box.dataset.latField);
    var lonField = document.getElementById(box.dataset.lonField);
    if (!L || !latField || !lonField) return;
    box.hidden = false;
    var status = box.querySelector("[data-map-status]");
    var container = box.querySelector(".map");
    var map = L.map(container, {
      zoomControl: false,
      keyboard: true,
      attributionControl: true,
    });
    L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
    }
    var bounds = (box.dataset.bounds || "").split(",").map(parseFloat);
    if (bounds.length === 4 && !bounds.some(isNaN)) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
    } else {
      map.setView([-33.485, -70.54], 13);
    }
    var area = null;
    if (box.dataset.area) {
      fetch(box.dataset.area, { credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (geojson) {
          if (!geojson) return;
          area = geojson;
          L.geoJSON(geojson, { interactive: false, style: { color: "#1d4f91", weight: 2, fill: false } }).addTo(map);
        })
        .catch(function () {});
    }

    var marker = null;

    function say(text) {
      status.textContent = text;
    }

    function place(latlng, fromFields) {
      if (!marker) {
        marker = L.marker(latlng, {
          draggable: true,
          keyboard: true,
          alt: box.dataset.pinLabel,
          title: box.dataset.pinLabel,
        }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), false); });
        var element = marker.getElement();
        if (element) {
          element.addEventListener("keydown", function (event) {
            var step = event.shiftKey ? 0.0005 : 0.0001; // about 55 m or 11 m
            var here = marker.getLatLng();
            var moves = {
              ArrowUp: [step, 0], ArrowDown: [-step, 0],
              ArrowLeft: [0, -step], ArrowRight: [0, step],
            };
            var move = moves[event.key];
            if (!move) return;
            event.preventDefault();
            event.stopPropagation();
            place(L.latLng(here.lat + move[0], here.lng + move[1]), false);
          });
        }
      } else {
        marker.setLatLng(latlng);
      }
      if (!fromFields) {
        latField.value = format(latlng.lat);
        lonField.value = format(latlng.lng);
      }
      var message = box.dataset.marked
        .replace("{lat}", format(latlng.lat))
        .replace("{lon}", format(latlng.lng));
      if (!inArea(area, latlng.lat, latlng.lng)) message += " " + box.dataset.outside;
      say(message);
    }

    function fromFields() {
      var lat = parse(latField.value), lon = parse(lonField.value);
      if (lat === null || lon === null) return;
      place(L.latLng(lat, lon), true);
      map.setView([lat, lon], Math.max(map.getZoom(), 17));
    }

    map.on("click", function (event) { place(event.latlng, false); });
    latField.addEventListener("change", fromFields);
    lonField.addEventListener("change", fromFields);
    fromFields();

    box.querySelector("[data-map-center]").addEventListener("click", function () {
      place(map.getCenter(), false);
      if (marker && marker.getElement()) marker.getElement().focus();
    });
    var locate = box.querySelector("[data-map-locate]");
    if (!navigator.geolocation) {
      locate.hidden = true;
    } else {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var here = L.latLng(position.coords.latitude, position.coords.longitude);
            place(here, false);
            map.setView(here, 17);
          },
          function () { say(box.dataset.geoError); },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map-picker]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
