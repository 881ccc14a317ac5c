// The live map page: plain JavaScript and SVG, no external network.
// Equirectangular projection in an SVG viewBox of 360 x 180:
//   x = longitude + 180, y = 90 - latitude (degrees).
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const refreshS = Math.max(0.2, parseFloat(document.body.dataset.refreshS) || 5);
  const state = {
    position: null,         // last /api/v1/iss/now answer
    updates: 0,             // how many positions have been drawn
    periodMin: 92.9,        // orbital period, replaced from /api/v1/tle
    trackMinute: null,      // the minute the ground track was drawn for
    city: null,
  };

  // ---------------------------------------------------------------- helpers
  const $ = (id) => document.getElementById(id);
  const x = (lon) => lon + 180;
  const y = (lat) => 90 - lat;
  const fmt = (v, digits) => Number(v).toFixed(digits);

  async function getJSON(url, cache) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: cache || "default" });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.detail || body.title || ("HTTP " + response.status));
      error.problem = body;
      throw error;
    }
    return body;
  }

  function pathFromRings(rings) {
    // rings: arrays of [lon, lat]
    let d = "";
    for (const ring of rings) {
      ring.forEach((p, i) => { d += (i ? "L" : "M") + fmt(x(p[0]), 3) + "," + fmt(y(p[1]), 3); });
      d += "Z";
    }
    return d;
  }

  function pathFromLines(lines) {
    let d = "";
    for (const line of lines) {
      line.forEach((p, i) => { d += (i ? "L" : "M") + fmt(x(p[0]), 3) + "," + fmt(y(p[1]), 3); });
    }
    return d;
  }

  // --------------------------------------------------------- TopoJSON land
  // Decodes a quantized TopoJSON topology (delta-encoded arcs) into rings.
  function topologyRings(topology, objectName) {
    const t = topology.transform;
    const arcs = topology.arcs.map((arc) => {
      let a = 0, b = 0;
      return arc.map((p) => {
        if (t) { a += p[0]; b += p[1]; return [a * t.scale[0] + t.translate[0], b * t.scale[1] + t.translate[1]]; }
        return [p[0], p[1]];
      });
    });
    function ring(indexes) {
      const points = [];
      indexes.forEach((i, k) => {
        const arc = i < 0 ? arcs[~i].slice().reverse() : arcs[i];
        arc.forEach((p, j) => { if (k === 0 || j > 0) points.push(p); });
      });
      return points;
    }
    const rings = [];
    function geometry(g) {
      if (g.type === "GeometryCollection") g.geometries.forEach(geometry);
      else if (g.type === "Polygon") g.arcs.forEach((r) => rings.push(ring(r)));
      else if (g.type === "MultiPolygon") g.arcs.forEach((poly) => poly.forEach((r) => rings.push(ring(r))));
    }
    geometry(topology.objects[objectName]);
    return rings;
  }

  // Rings that cross the antimeridian (Chukotka, Fiji) are made continuous in
  // longitude and drawn twice, shifted by 360 degrees; the SVG clips what falls
  // outside the map. A ring that winds around a pole (Antarctica) is left as is.
  function antimeridianSafe(rings) {
    const out = [];
    for (const ring of rings) {
      let offset = 0;
      let crosses = false;
      const unwrapped = ring.map((p, i) => {
        if (i > 0) {
          const step = p[0] - ring[i - 1][0];
          if (step > 180) { offset -= 360; crosses = true; }
          else if (step < -180) { offset += 360; crosses = true; }
        }
        return [p[0] + offset, p[1]];
      });
      if (!crosses || offset !== 0) { out.push(ring); continue; }
      const mean = unwrapped.reduce((sum, p) => sum + p[0], 0) / unwrapped.length;
      const shift = mean > 0 ? -360 : 360;
      out.push(unwrapped, unwrapped.map((p) => [p[0] + shift, p[1]]));
    }
    return out;
  }

  async function drawLand() {
    const topology = await getJSON("/static/land-110m.json");
    $("land").setAttribute("d", pathFromRings(antimeridianSafe(topologyRings(topology, "land"))));
  }

  function drawGraticule() {
    const g = $("graticule");
    let d = "";
    for (let lon = -150; lon <= 150; lon += 30) d += "M" + x(lon) + ",0V180";
    for (let lat = -60; lat <= 60; lat += 30) d += "M0," + y(lat) + "H360";
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    g.appendChild(path);
  }

  // ------------------------------------------------------ Sun, terminator
  // The night side, from the subsolar point the server reports (DE421 Sun).
  function nightPath(sunLat, sunLon) {
    const rad = Math.PI / 180;
    // Latitude of the terminator at each longitude: tan(lat) = -cos(lon - lon_sun) / tan(dec).
    let dec = sunLat;
    if (Math.abs(dec) < 0.01) dec = dec < 0 ? -0.01 : 0.01;
    const points = [];
    for (let lon = -180; lon <= 180; lon += 2) {
      const lat = Math.atan(-Math.cos((lon - sunLon) * rad) / Math.tan(dec * rad)) / rad;
      points.push([lon, lat]);
    }
    // The night side holds the pole the Sun does not shine on.
    const pole = dec > 0 ? -90 : 90;
    points.push([180, pole], [-180, pole]);
    return pathFromRings([points]);
  }

  // -------------------------------------------------------- station, track
  function describeElements(els) {
    if (!els) return "";
    return "elements of " + els.epoch.slice(0, 16).replace("T", " ") + " UTC (" + fmt(els.age_days, 1) + " days old)";
  }

  // The element-age banner: one short sentence (how old, how far off, how to
  // update); the server's full warning on demand (<details>).
  const UPDATE_COMMAND = "iss-tracker tle update";

  function shortWarning(warning, els) {
    if (!/days (after|before) the epoch/.test(warning)) return warning + " To update: ";
    const age = els ? Math.abs(els.age_days) : NaN;
    const old = isFinite(age) ? "The orbit data is " + (age < 10 ? fmt(age, 1) : fmt(age, 0)) + " days old" :
      "The orbit data is old";
    const by = /early or late by about ([^,;)]+)/.exec(warning);
    const off = by ? ", so times may be off by about " + by[1] :
      (/half an orbit/.test(warning) ? ", so the station's place along its orbit is unknown" : "");
    return old + off + ". To update: ";
  }

  function showWarnings(warnings, els) {
    const box = $("warning");
    if (warnings && warnings.length) {
      const summary = $("warning-summary");
      summary.textContent = shortWarning(warnings[0], els);
      const code = document.createElement("code");
      code.textContent = UPDATE_COMMAND;
      summary.appendChild(code);
      summary.appendChild(document.createTextNode("."));
      $("warning-details").textContent = warnings.join(" ");
      box.hidden = false;
    } else {
      box.hidden = true;
    }
  }

  async function updatePosition() {
    let now;
    try {
      now = await getJSON("/api/v1/iss/now", "no-store");
    } catch (error) {
      $("status").textContent = "Position unavailable: " + error.message;
      return;
    }
    state.position = now;
    state.updates += 1;
    const marker = $("station");
    marker.setAttribute("transform", "translate(" + fmt(x(now.longitude_deg), 3) + " " + fmt(y(now.latitude_deg), 3) + ")");
    marker.dataset.lat = now.latitude_deg;
    marker.dataset.lon = now.longitude_deg;
    const when = new Date(now.time);
    $("status").textContent = now.time.slice(0, 19).replace("T", " ") + " UTC \u2014 latitude " +
      fmt(now.latitude_deg, 2) + "\u00b0, longitude " + fmt(now.longitude_deg, 2) + "\u00b0, altitude " +
      fmt(now.altitude_km, 0) + " km, " + fmt(now.speed_km_s, 2) + " km/s" +
      ({ daylight: ", in sunlight", penumbra: ", entering or leaving Earth's shadow",
         eclipsed: ", in Earth's shadow" }[now.visibility] || "") +
      "; " + describeElements(now.elements);
    showWarnings(now.warnings, now.elements);
    $("night").setAttribute("d", nightPath(now.solar_latitude_deg, now.solar_longitude_deg));
    const minute = Math.floor(when.getTime() / 60000);
    if (state.trackMinute === null || minute - state.trackMinute >= 1) {
      state.trackMinute = minute;
      drawTrack(new Date(minute * 60000)).catch(() => {});
    }
  }

  async function drawTrack(start) {
    const periodMs = state.periodMin * 60000;
    const iso = (d) => d.toISOString().replace(".000Z", "Z");
    const past = new Date(start.getTime() - periodMs);
    const next = new Date(start.getTime() + periodMs);
    const [before, after] = await Promise.all([
      getJSON("/api/v1/iss/groundtrack?start=" + iso(past) + "&end=" + iso(start) + "&step_s=30&allow_stale=true"),
      getJSON("/api/v1/iss/groundtrack?start=" + iso(start) + "&end=" + iso(next) + "&step_s=30&allow_stale=true"),
    ]);
    drawGeoJSONLines($("track-past"), before);
    drawGeoJSONLines($("track-next"), after);
  }

  function drawGeoJSONLines(group, geojson) {
    const lines = [];
    const features = geojson.type === "FeatureCollection" ? geojson.features : [geojson];
    for (const f of features) {
      const g = f.type === "Feature" ? f.geometry : f;
      if (g.type === "LineString") lines.push(g.coordinates);
      else if (g.type === "MultiLineString") g.coordinates.forEach((c) => lines.push(c));
    }
    group.replaceChildren();
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathFromLines(lines));
    group.appendChild(path);
  }

  async function loadPeriod() {
    try {
      const tle = await getJSON("/api/v1/tle");
      if (tle.mean_motion_rev_day > 0) state.periodMin = 1440 / tle.mean_motion_rev_day;
    } catch (error) { /* keep the default period */ }
  }

  // ------------------------------------------------------ city and passes
  let searchTimer = null;
  let searchSeq = 0;

  async function suggest(text) {
    const list = $("suggestions");
    const seq = ++searchSeq;
    if (text.trim().length < 2) { list.hidden = true; return; }
    let answer;
    try {
      answer = await getJSON("/api/v1/cities?q=" + encodeURIComponent(text.trim()) + "&limit=8");
    } catch (error) { list.hidden = true; return; }
    if (seq !== searchSeq) return;      // a newer keystroke won
    list.replaceChildren();
    for (const c of answer.cities) {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.id = c.id;
      li.textContent = c.name + " ";
      li.appendChild(whereSpan(c));
      li.addEventListener("mousedown", (event) => { event.preventDefault(); chooseCity(c); });
      list.appendChild(li);
    }
    list.hidden = answer.cities.length === 0;
    $("city").setAttribute("aria-expanded", String(!list.hidden));
    if (answer.cities.length === 0) notFound(text.trim());
  }

  function whereSpan(c) {
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = c.label.slice(c.name.length).replace(/^, /, "") + " (" + c.timezone + ")";
    return where;
  }

  // No pass table, candidates or calendar link for a place we no longer show.
  function clearPasses() {
    state.city = null;
    $("passes").hidden = true;
    $("passes").querySelector("tbody").replaceChildren();
    $("legend").hidden = true;
    $("subscribe").hidden = true;
    $("candidates").hidden = true;
    $("candidates").replaceChildren();
    $("city-transits").hidden = true;
    $("transit-status").textContent = "";
    $("transits").replaceChildren();
    $("centerlines").replaceChildren();
    $("centerline-key").hidden = true;
  }

  function notFound(text) {
    passSeq += 1;                       // an answer still on its way is for another name
    clearPasses();
    $("pass-status").textContent = "No place found for \u201c" + text + "\u201d. Try another spelling, " +
      "a larger town nearby, or add the country (\u201cParis, FR\u201d).";
  }

  // The search form (Enter or the button): the highlighted suggestion, else
  // what was typed, resolved by the server as the CLI resolves --city: one
  // place is shown, none says so, an ambiguous name lists its candidates.
  async function searchTyped() {
    const text = $("city").value.trim();
    const selected = Array.from($("suggestions").children).find((li) => li.getAttribute("aria-selected") === "true");
    $("suggestions").hidden = true;
    if (selected) { selected.dispatchEvent(new MouseEvent("mousedown")); return; }
    if (!text) return;
    if (state.city && text === state.city.label) { chooseCity(state.city); return; }
    await showPasses(text, null);
  }

  async function showCandidates(text) {
    let answer;
    try {
      answer = await getJSON("/api/v1/cities?q=" + encodeURIComponent(text) + "&limit=8");
    } catch (error) { answer = { cities: [] }; }
    clearPasses();
    const cities = answer.cities;
    if (!cities.length) { notFound(text); return; }
    $("pass-status").textContent = "\u201c" + text + "\u201d matches several places. Which one?";
    const list = $("candidates");
    for (const c of cities) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = c.name + " ";
      button.appendChild(whereSpan(c));
      button.addEventListener("click", () => chooseCity(c));
      li.appendChild(button);
      list.appendChild(li);
    }
    list.hidden = false;
  }
  function localTime(iso, tz, withDate) {
    const options = { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
    if (withDate) { options.weekday = "short"; options.day = "numeric"; options.month = "short"; delete options.second; delete options.hour; delete options.minute; }
    return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
  }

  let passSeq = 0;
  const PASS_QUERY = "days=10&visible_only=true&allow_stale=true";

  function chooseCity(c) {
    $("city").value = c.label;
    return showPasses(String(c.id), c);
  }

  // Passes for ``city`` (a GeoNames id, or typed text when ``c`` is null).
  async function showPasses(city, c) {
    clearPasses();
    const seq = ++passSeq;
    $("suggestions").hidden = true;
    $("city").setAttribute("aria-expanded", "false");
    $("pass-status").textContent = "Computing passes for " + (c ? c.label : "\u201c" + city + "\u201d") + "\u2026";
    let answer;
    try {
      answer = await getJSON("/api/v1/passes?city=" + encodeURIComponent(city) + "&" + PASS_QUERY);
    } catch (error) {
      if (seq !== passSeq) return;
      const type = (error.problem && error.problem.type) || "";
      if (!c && type.endsWith(":not-found")) notFound(city);
      else if (!c && type.endsWith(":ambiguous-place")) await showCandidates(city);
      else { clearPasses(); $("pass-status").textContent = "No prediction: " + error.message; }
      return;
    }
    if (seq !== passSeq) return;        // another place was chosen meanwhile
    const place = answer.place || {};
    c = c || { id: place.geonameid, name: place.name, label: place.label, timezone: answer.timezone };
    state.city = c;
    $("city").value = c.label;
    renderPasses(answer, c);
    const ics = "/api/v1/passes.ics?city=" + encodeURIComponent(c.id) + "&" + PASS_QUERY;
    $("ics").href = ics;
    $("webcal").href = "webcal://" + location.host + ics;
    $("subscribe").hidden = false;
    showTransits(c, seq);
  }

  // Transits of the Sun and the Moon (and near misses) for the chosen place,
  // listed under the passes, their centre lines drawn on the map.
  const TRANSIT_QUERY = "days=30&allow_stale=true";

  async function showTransits(c, seq) {
    $("city-transits").hidden = false;
    $("transit-status").textContent = "Looking for transits\u2026";
    let answer;
    try {
      answer = await getJSON("/api/v1/transits?city=" + encodeURIComponent(c.id) + "&" + TRANSIT_QUERY);
    } catch (error) {
      if (seq !== passSeq) return;
      $("transit-status").textContent = "No transit prediction: " + error.message;
      return;
    }
    if (seq !== passSeq) return;
    const tz = answer.timezone || c.timezone || "UTC";
    const list = $("transits");
    list.replaceChildren();
    for (const t of answer.transits) {
      const li = document.createElement("li");
      li.className = t.kind;
      const body = t.body === "sun" ? "Sun" : "Moon";
      const when = "on " + localTime(t.time_utc, tz, true) + " at " + localTime(t.time_utc, tz, false);
      li.textContent = (t.kind === "transit"
        ? body + " transit " + when + ", " + fmt(t.duration_s, 2) + " s across the disc"
        : "Near miss of the " + body + " " + when + ", " + fmt(t.distance_to_centerline_km, 1) +
          " km from the centre line") +
        " (band " + fmt(t.centerline_width_km, 1) + " km wide; " + plusMinus(t.uncertainty_68_s) + ")";
      list.appendChild(li);
    }
    const lines = answer.transits.filter((t) => t.centerline)
      .map((t) => ({ type: "Feature", geometry: t.centerline }));
    drawGeoJSONLines($("centerlines"), { type: "FeatureCollection", features: lines });
    $("centerline-key").hidden = lines.length === 0;
    $("transit-status").textContent = answer.transits.length
      ? answer.count_transits + " transit(s) and " + (answer.transits.length - answer.count_transits) +
        " near miss(es) within " + fmt(answer.radius_km, 0) + " km of a centre line, times local to " + c.name + "."
      : "No transit or near miss within " + fmt(answer.radius_km, 0) + " km in the next 30 days.";
  }

  // +- seconds as people read them: "±4 s", "±2.5 min".
  function plusMinus(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "";
    if (seconds < 10) return "\u00b1" + fmt(seconds, 1) + " s";
    if (seconds < 120) return "\u00b1" + fmt(seconds, 0) + " s";
    return "\u00b1" + fmt(seconds / 60, seconds < 600 ? 1 : 0) + " min";
  }

  // 90 % band wider than a minute, or a manoeuvre may lie in between.
  const UNRELIABLE_90_S = 60;
  const isUnreliable = (p) => p.may_cross_manoeuvre || !(p.uncertainty_90_s <= UNRELIABLE_90_S);

  function renderPasses(answer, c) {
    const tz = answer.timezone || c.timezone || "UTC";
    const body = $("passes").querySelector("tbody");
    body.replaceChildren();
    const labels = Array.from($("passes").querySelectorAll("thead th")).map((th) => th.textContent);
    let unreliable = 0;
    const skyQuery = "city=" + encodeURIComponent(c.id) + "&" + PASS_QUERY +
      "&start=" + encodeURIComponent(answer.start_utc);
    answer.passes.forEach((p, index) => {
      const tr = document.createElement("tr");
      const cells = [
        localTime((p.rise || p.peak).time_utc, tz, true),
        p.rise ? localTime(p.rise.time_utc, tz, false) : "(already up)",
        localTime((p.culmination || p.peak).time_utc, tz, false),
        p.set ? localTime(p.set.time_utc, tz, false) : "(still up)",
        fmt(p.max_elevation_deg, 0) + "\u00b0",
        (p.rise ? p.rise.compass : "") + " \u2192 " + (p.set ? p.set.compass : ""),
        p.magnitude === null || p.magnitude === undefined ? "" : "mag " + fmt(p.magnitude, 1),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        td.dataset.label = labels[i];
        tr.appendChild(td);
      });
      const timing = document.createElement("td");
      timing.className = "timing";
      timing.dataset.label = labels[cells.length];
      const value = document.createElement("span");
      value.textContent = plusMinus(p.uncertainty_68_s) + " ";
      const u90 = document.createElement("span");
      u90.className = "u90";
      u90.textContent = "(" + plusMinus(p.uncertainty_90_s) + ")";
      value.appendChild(u90);
      timing.appendChild(value);
      tr.appendChild(timing);
      if (isUnreliable(p)) {
        tr.classList.add("unreliable");
        tr.title = p.may_cross_manoeuvre
          ? "A manoeuvre may lie between the orbit data and this pass: its times may be far off."
          : "The time may be off by more than a minute (90 %: " + plusMinus(p.uncertainty_90_s) + ").";
        unreliable += 1;
      }
      tr.classList.add("pass");
      tr.tabIndex = 0;
      tr.setAttribute("aria-expanded", "false");
      const toggle = () => toggleSkyChart(tr, skyQuery + "&pass_index=" + index, p, tz, labels.length);
      tr.addEventListener("click", toggle);
      tr.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
      });
      body.appendChild(tr);
    });
    $("passes").hidden = answer.passes.length === 0;
    $("legend").hidden = answer.passes.length === 0;
    const tzNote = " Times are local to " + c.name + " (" + tz + ").";
    $("pass-status").textContent = (answer.passes.length
      ? answer.passes.length + " visible passes in the next 10 days" +
        (unreliable ? ", " + unreliable + " of them unreliable." : ".")
      : "No visible pass in the next 10 days.") + tzNote;
  }

  // Opening a pass row shows its path on a polar sky chart (an SVG image
  // from /api/v1/passes/sky.svg with the listing's own parameters).
  function toggleSkyChart(tr, query, p, tz, columns) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("sky")) {
      next.remove();
      tr.setAttribute("aria-expanded", "false");
      return;
    }
    const row = document.createElement("tr");
    row.className = "sky";
    const td = document.createElement("td");
    td.colSpan = columns;
    const img = document.createElement("img");
    img.src = "/api/v1/passes/sky.svg?" + query;
    img.width = 360;
    img.alt = "Sky chart of the pass at " + localTime((p.culmination || p.peak).time_utc, tz, true) +
      ": rises " + (p.rise ? p.rise.compass : "") + ", highest " + fmt(p.max_elevation_deg, 0) +
      "\u00b0, sets " + (p.set ? p.set.compass : "") + ".";
    const note = document.createElement("p");
    note.className = "sky-note";
    note.textContent = "North up, east left (the sky seen lying on your back); solid where you can see it.";
    td.append(img, note);
    row.appendChild(td);
    tr.after(row);
    tr.setAttribute("aria-expanded", "true");
  }

  function wireSearch() {
    const input = $("city");
    input.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => suggest(input.value), 150);
    });
    input.addEventListener("keydown", (event) => {
      const list = $("suggestions");
      const items = Array.from(list.children);
      let index = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!items.length) return;
        if (index >= 0) items[index].removeAttribute("aria-selected");
        index = event.key === "ArrowDown" ? (index + 1) % items.length : (index - 1 + items.length) % items.length;
        items[index].setAttribute("aria-selected", "true");
      } else if (event.key === "Escape") {
        list.hidden = true;
      }
    });
    input.addEventListener("blur", () => { $("suggestions").hidden = true; });
    // Enter or the button: the highlighted suggestion, else what was typed
    $("search").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(searchTimer);
      searchSeq += 1;                   // suggestions still on their way are dropped
      searchTyped();
    });
  }

  // ------------------------------------------------------------------ start
  window.issMap = { state, topologyRings };
  drawGraticule();
  wireSearch();
  drawLand().catch((error) => { $("status").textContent = "Map unavailable: " + error.message; });
  loadPeriod().then(updatePosition);
  setInterval(updatePosition, refreshS * 1000);
})();
