/* cakupan map page: builds layers, popups, legend, labels and search from the page's JSON data.
   Every text from the data goes through textContent, never innerHTML. Numbers are formatted
   with the grouping and decimal signs cakupan.formats takes from Babel (data.format). */
function cakupanMap(map, data) {
  "use strict";
  var W = data.labels, F = data.format;
  var NEUTRAL = "#9e9e9e", LEVELS = ["kecamatan", "kelurahan", "rw", "rt"];
  var small = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  var hidden = {};
  var state = {auto: true, level: null};
  var layers = {};

  map.eachLayer(function (layer) {
    if (layer instanceof L.TileLayer) {
      layer.on("tileerror", function (e) { e.tile.classList.add("cakupan-tile-failed"); });
    }
  });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function grouped(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, F.group); }
  function whole(n) {
    if (n === null || n === undefined) { return "–"; }
    return (n < 0 ? "-" : "") + grouped(String(Math.round(Math.abs(n))));
  }
  function pct(r) {
    if (r === null || r === undefined) { return "–"; }
    var parts = (r * 100).toFixed(1).split(".");
    return F.percent.replace("{}", grouped(parts[0]) + F.decimal + parts[1]);
  }
  function statusOf(p) { return data.legend[p.status] || {status: "", colour: NEUTRAL, label: "–"}; }
  function show(field, p) {
    var value = p[field];
    if (field === "coverage_ratio") { return pct(value); }
    if (field === "status") { return statusOf(p).label; }
    if (field === "expected_source") { return data.sources[value] || "–"; }
    if (typeof value === "number") { return whole(value); }
    return value === null || value === undefined || value === "" ? "–" : value;
  }
  function figures(pairs) {
    var table = el("table", null, "cakupan-figures");
    pairs.forEach(function (pair) {
      var row = el("tr");
      row.setAttribute("data-field", pair[0]);
      row.appendChild(el("th", pair[2] || W[pair[0]] || pair[0]));
      row.appendChild(el("td", pair[1]));
      table.appendChild(row);
    });
    return table;
  }

  // names of kecamatan and kelurahan by code, for the places of RW and RT
  var names = {}, parents = {};
  ["kecamatan", "kelurahan"].forEach(function (level) {
    var u = data.units[level];
    if (!u) { return; }
    u.code.forEach(function (code, i) { names[code] = u.name[i]; parents[code] = u.parent_code[i]; });
  });
  function place(level, code) {
    var kel = level === "rt" ? code.slice(0, -6) : level === "rw" ? code.slice(0, -3) : null;
    var kec = level === "kelurahan" ? parents[code] : kel ? parents[kel] : null;
    return [kel && names[kel], kec && names[kec]].filter(Boolean).join(", ");
  }
  function shortName(p) {
    if (p.level === "rt" || p.level === "rw") { return p.name || (W[p.level] + " " + p.code.slice(-3)); }
    return p.name;
  }
  var FIELDS = ["name", "code", "counted_households", "expected_households", "coverage_ratio",
                "gap_households", "status", "expected_source"];
  function countedText(p) {
    // the doubtful households stand beside the counted ones, in the same row
    if (!(p.doubtful_households > 0)) { return show("counted_households", p); }
    return show("counted_households", p) + " (" + W.doubtful_households + " " +
      show("doubtful_households", p) + ")";
  }
  function unitPopup(p) {
    var box = el("div", null, "cakupan-popup");
    box.appendChild(el("b", W[p.level]));
    var rows = FIELDS.map(function (f) {
      return [f, f === "counted_households" ? countedText(p) : show(f, p)]; });
    var where = place(p.level, p.code);
    if (where) { rows.splice(1, 0, ["place", where, W.kelurahan]); }
    if (p.level === "kelurahan") { rows[1] = ["place", where, W.kecamatan]; }
    box.appendChild(figures(rows));
    return box;
  }
  function unitTooltip(p) {
    var where = p.level === "rt" || p.level === "rw" ? ", " + (place(p.level, p.code).split(", ")[0] || "") : "";
    return el("span", shortName(p) + where + ": " + pct(p.coverage_ratio) + " · " + statusOf(p).label);
  }
  function style(p) {
    var item = statusOf(p), off = hidden[item.status];
    return {fillColor: item.colour, color: "#333", weight: 0.7,
            fillOpacity: off ? 0 : 0.6, opacity: off ? 0.2 : 0.9};
  }
  function properties(level, i) {
    var columns = data.units[level], p = {level: level};
    Object.keys(columns).forEach(function (k) { p[k] = columns[k][i]; });
    return p;
  }

  data.levels.forEach(function (level, k) {
    var pane = map.createPane("cakupan-" + level);
    pane.style.zIndex = 410 + k;
    var features = topojson.feature(data.topology, data.topology.objects[level]).features;
    features.forEach(function (f) { f.properties = properties(level, f.id); });
    layers[level] = L.geoJSON(features, {
      pane: "cakupan-" + level,
      style: function (f) { return style(f.properties); },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () { return unitTooltip(f.properties); }, {sticky: true});
        layer.bindPopup(function () { return unitPopup(f.properties); }, {maxWidth: popupWidth()});
        layer.on("mouseover", function () { layer.setStyle({weight: 2.5, color: "#000"}); });
        layer.on("mouseout", function () { layers[level].resetStyle(layer); });
      }
    });
  });
  function popupWidth() { return Math.min(340, window.innerWidth - 70); }
  // an opened popup is panned clear of the panels at the top, as tall as they are now
  // (folded or not): every popup reads its padding from this one getter
  Object.defineProperty(L.Popup.prototype.options, "autoPanPaddingTopLeft", {
    get: function () {
      var top = map.getContainer().getBoundingClientRect().top, bottom = 0;
      document.querySelectorAll(".leaflet-top").forEach(function (corner) {
        bottom = Math.max(bottom, corner.getBoundingClientRect().bottom - top);
      });
      return L.point(10, bottom + 10);
    }
  });

  function levelForZoom(zoom) {
    var wanted = zoom <= 11 ? "kecamatan" : zoom <= 13 ? "kelurahan" : zoom <= 14 ? "rw" : "rt";
    while (!layers[wanted]) { wanted = LEVELS[LEVELS.indexOf(wanted) - 1]; }
    return wanted;
  }
  var levelInputs = {};
  function setLevel(level) {
    if (state.level === level) { return; }
    Object.keys(layers).forEach(function (k) {
      if (k === level) { map.addLayer(layers[k]); } else { map.removeLayer(layers[k]); }
    });
    state.level = level;
    if (!state.auto && levelInputs[level]) { levelInputs[level].checked = true; }
    updateLegend();
    drawLabels();
  }
  function choose(level) {
    state.auto = level === "auto";
    levelInputs[level].checked = true;
    setLevel(state.auto ? levelForZoom(map.getZoom()) : level);
  }
  map.on("zoomend", function () { if (state.auto) { setLevel(levelForZoom(map.getZoom())); } });

  // a panel whose body folds away behind its heading (folded at first on small screens)
  function panel(cls, heading) {
    var box = el("div", null, "cakupan-box " + cls + (small ? " collapsed" : ""));
    var toggle = el("button", heading, "cakupan-toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", small ? "false" : "true");
    toggle.addEventListener("click", function () {
      var folded = box.classList.toggle("collapsed");
      toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    });
    var body = el("div", null, "cakupan-body");
    box.appendChild(toggle);
    box.appendChild(body);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return {box: box, body: body};
  }

  var LevelControl = L.Control.extend({
    onAdd: function () {
      var p = panel("cakupan-levels", small ? W.level_short : W.level);
      ["auto"].concat(data.levels).forEach(function (level) {
        var label = el("label"), input = el("input");
        input.type = "radio"; input.name = "cakupan-level"; input.value = level;
        input.addEventListener("change", function () { choose(level); });
        levelInputs[level] = input;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + (level === "auto" ? W.level_auto : W[level])));
        p.body.appendChild(label);
      });
      return p.box;
    }
  });

  var legendBody;
  function updateLegend() {
    if (!legendBody || !state.level) { return; }
    var counts = {};
    data.units[state.level].status.forEach(function (s) { counts[s] = (counts[s] || 0) + 1; });
    legendBody.textContent = "";
    legendBody.appendChild(el("h4", W.legend + " – " + W[state.level]));
    data.legend.forEach(function (item, k) {
      if (!counts[k] && !item.own_colour) { return; }  // a stray status of no unit here
      var row = el("div", null, "item" + (hidden[item.status] ? " off" : ""));
      row.setAttribute("data-status", item.status);
      row.title = W.click_to_hide;
      var swatch = el("span", null, "swatch");
      swatch.style.background = item.colour;
      row.appendChild(swatch);
      row.appendChild(el("span", item.label, "label"));
      if (item.meaning) { row.appendChild(el("small", " (" + item.meaning + ")")); }
      row.appendChild(el("small", " " + whole(counts[k] || 0), "count"));
      row.addEventListener("click", function (e) {
        L.DomEvent.stop(e);  // the row is redrawn at once (see the search's items)
        hidden[item.status] = !hidden[item.status];
        Object.keys(layers).forEach(function (k2) { layers[k2].setStyle(function (f) { return style(f.properties); }); });
        updateLegend();
      });
      legendBody.appendChild(row);
    });
    if (data.gaps.code.length) {
      var gap = el("div", null, "gap");
      var dash = el("span", null, "swatch");
      dash.style.border = "2px dashed #000";
      gap.appendChild(dash);
      gap.appendChild(el("span", W.gaps));
      legendBody.appendChild(gap);
    }
    if (data.flagged) {
      var flag = el("div", null, "gap");
      flag.appendChild(el("span", null, "swatch cakupan-flag-swatch"));
      flag.appendChild(el("span", W.flagged));
      legendBody.appendChild(flag);
      legendBody.appendChild(el("div", W.flagged_from_zoom, "cakupan-note"));
      if (data.flagged.lon.length < data.flagged.total) {
        legendBody.appendChild(el("div", W.shown_of.replace("{shown}", whole(data.flagged.lon.length))
                                              .replace("{total}", whole(data.flagged.total)), "cakupan-note"));
      }
    }
  }
  var Legend = L.Control.extend({
    onAdd: function () {
      var p = panel("cakupan-legend", W.legend_short);
      legendBody = p.body;
      return p.box;
    }
  });

  var Title = L.Control.extend({
    onAdd: function () {
      var box = el("div", null, "cakupan-box cakupan-title");
      box.appendChild(el("h1", data.title.title));
      box.appendChild(el("div", data.title.area + " · " + data.title.date, "cakupan-subtitle"));
      L.DomEvent.disableClickPropagation(box);
      return box;
    }
  });

  // ---- labels of units, where they fit --------------------------------------------------
  map.createPane("cakupan-labels").style.zIndex = 470;
  var labelLayer = L.layerGroup().addTo(map);
  function labelText(p) {
    if (p.level === "rt" || p.level === "rw") { return W[p.level] + " " + p.code.slice(-3); }
    return p.name;
  }
  function drawLabels() {
    labelLayer.clearLayers();
    var layer = layers[state.level];
    if (!layer) { return; }
    var view = map.getBounds(), placed = 0;
    layer.eachLayer(function (shape) {
      if (placed >= 400) { return; }
      var b = shape.getBounds();
      if (!view.intersects(b)) { return; }
      var sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
      var text = labelText(shape.feature.properties);
      if (!text || Math.abs(ne.x - sw.x) < text.length * 6.5 + 8 || Math.abs(sw.y - ne.y) < 18) { return; }
      var at;
      try { at = shape.getCenter(); } catch (e) { at = b.getCenter(); }
      labelLayer.addLayer(L.marker(at, {pane: "cakupan-labels", interactive: false, keyboard: false,
        icon: L.divIcon({className: "cakupan-label", html: el("span", text), iconSize: null})}));
      placed += 1;
    });
  }
  map.on("moveend", drawLabels);

  // ---- search over every level, by name, RW/RT and code ---------------------------------
  var index = null;
  function entries() {
    if (index) { return index; }
    index = [];
    LEVELS.forEach(function (level) {
      if (!layers[level]) { return; }
      layers[level].eachLayer(function (layer) {
        var p = layer.feature.properties, code = String(p.code);
        var e = {level: level, layer: layer, code: code, name: String(p.name || ""),
                 rw: level === "rt" ? code.slice(-6, -3) : level === "rw" ? code.slice(-3) : null,
                 rt: level === "rt" ? code.slice(-3) : null, place: place(level, code)};
        e.hay = (e.name + " " + e.place).toLowerCase();
        index.push(e);
      });
    });
    return index;
  }
  function pad(n) { return ("00" + parseInt(n, 10)).slice(-3); }
  function parse(query) {
    var q = " " + query.toLowerCase().replace(/[.,;:()]/g, " ") + " ", m;
    var want = {rw: null, rt: null, codes: [], words: []};
    m = q.match(/(\d{1,3})\s*\/\s*(\d{1,3})/);
    if (m) { want.rw = pad(m[1]); want.rt = pad(m[2]); q = q.replace(m[0], " "); }
    m = q.match(/\brw\s*(\d{1,3})\b/);
    if (m) { want.rw = pad(m[1]); q = q.replace(m[0], " "); }
    m = q.match(/\brt\s*(\d{1,3})\b/);
    if (m) { want.rt = pad(m[1]); q = q.replace(m[0], " "); }
    var loose = [];
    q.split(/\s+/).forEach(function (token) {
      if (!token || /^(rt|rw|kel|kelurahan|desa|kec|kecamatan)$/.test(token)) { return; }
      if (/^\d{4,}$/.test(token)) { want.codes.push(token); }
      else if (/^\d{1,3}$/.test(token)) { loose.push(pad(token)); }
      else { want.words.push(token); }
    });
    if (loose.length && want.rw === null) { want.rw = loose.shift(); }
    if (loose.length && want.rt === null) { want.rt = loose.shift(); }
    return want;
  }
  function matches(e, want) {
    if (want.rt !== null && (e.level !== "rt" || e.rt !== want.rt)) { return false; }
    if (want.rw !== null && (e.rw === null || e.rw !== want.rw)) { return false; }
    if (want.rw !== null && want.rt === null && e.level === "rt" && !want.words.length &&
        !want.codes.length) { return false; }
    for (var i = 0; i < want.codes.length; i++) {
      if (e.code.indexOf(want.codes[i]) !== 0) { return false; }
    }
    // without an RW or RT number, an RW or RT is found by its own name, not its kelurahan's
    var hay = e.rw !== null && want.rw === null && want.rt === null ? e.name.toLowerCase() : e.hay;
    for (var j = 0; j < want.words.length; j++) {
      if (hay.indexOf(want.words[j]) < 0) { return false; }
    }
    return true;
  }
  function find(query) {
    var want = parse(query);
    if (query.trim().length < 2 ||
        (!want.words.length && !want.codes.length && want.rw === null && want.rt === null)) { return []; }
    var phrase = want.words.join(" ");
    // a unit whose own name or kelurahan is the words first ("Rajeg RT 1" finds desa
    // Rajeg's RTs before those of other desa in kecamatan Rajeg), then names that start so
    function rank(e) {
      if (!phrase) { return 0; }
      var own = (e.rw !== null ? e.place.split(", ")[0] : e.name).toLowerCase();
      return own === phrase || e.name.toLowerCase() === phrase ? 0 :
        own.indexOf(phrase) === 0 ? 1 : 2;
    }
    return entries().filter(function (e) { return matches(e, want); })
      .map(function (e, i) { return {e: e, rank: rank(e), i: i}; })
      .sort(function (a, b) { return a.rank - b.rank || a.i - b.i; }).slice(0, 30)
      .map(function (x) { return x.e.layer; });
  }
  var selected = null;
  map.createPane("cakupan-selected").style.zIndex = 465;
  var BELOW = {kecamatan: "kelurahan", kelurahan: "rt", rw: "rt", rt: "rt"};
  function select(layer) {
    var p = layer.feature.properties;
    var below = BELOW[p.level];
    while (!layers[below]) { below = LEVELS[LEVELS.indexOf(below) - 1]; }
    state.auto = false;
    setLevel(below);
    levelInputs[below].checked = true;
    map.closePopup();
    map.fitBounds(layer.getBounds(), {padding: [12, 12], maxZoom: 18, animate: false});
    if (selected) { map.removeLayer(selected); }
    selected = L.geoJSON(layer.toGeoJSON(), {pane: "cakupan-selected", interactive: false,
      style: {color: "#000", weight: 4, fill: false}}).addTo(map);
    if (p.level === below) {
      L.popup({maxWidth: popupWidth(), autoPan: true}).setLatLng(layer.getBounds().getCenter())
        .setContent(unitPopup(p)).openOn(map);
    }
    drawLabels();
  }
  var Search = L.Control.extend({
    onAdd: function () {
      var box = el("div", null, "cakupan-box cakupan-search");
      var input = el("input");
      input.type = "search"; input.placeholder = W.search; input.setAttribute("aria-label", W.search);
      var list = el("ul");
      input.addEventListener("input", function () {
        list.textContent = "";
        var found = find(input.value);
        if (!found.length && input.value.trim().length >= 2) { list.appendChild(el("li", W.no_match)); }
        found.forEach(function (layer) {
          var p = layer.feature.properties;
          var item = el("li");
          item.tabIndex = 0;
          item.appendChild(el("b", W[p.level] + ": "));
          item.appendChild(el("span", shortName(p)));
          var where = place(p.level, String(p.code));
          item.appendChild(el("small", (where ? " · " + where : "") + " · " + p.code));
          // the item leaves the page at once: stop the event here, or the map, finding no
          // panel above a detached item, would take it for a click on the map
          function pick(e) { L.DomEvent.stop(e); list.textContent = ""; input.blur(); select(layer); }
          item.addEventListener("click", pick);
          item.addEventListener("keydown", function (e) { if (e.key === "Enter") { pick(e); } });
          list.appendChild(item);
        });
      });
      box.appendChild(input);
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });

  // ---- overlays -------------------------------------------------------------------------
  var overlays = {};
  if (layers.kecamatan) {
    map.createPane("cakupan-outline").style.zIndex = 450;
    var outline = L.geoJSON(layers.kecamatan.toGeoJSON(), {
      pane: "cakupan-outline", interactive: false,
      style: {color: "#222", weight: 2.2, fill: false}});
    overlays[W.kecamatan_outline] = outline.addTo(map);
  }
  var rtIndex = null;
  function rtPlace(code) {
    if (!rtIndex && data.units.rt) {
      rtIndex = {};
      data.units.rt.code.forEach(function (c, i) { rtIndex[c] = i; });
    }
    var i = rtIndex ? rtIndex[code] : undefined;
    var name = i === undefined ? W.rt + " " + code.slice(-3) + " " + W.rw + " " + code.slice(-6, -3) : data.units.rt.name[i];
    var where = place("rt", code);
    return name + (where ? ", " + where : "") + " (" + code + ")";
  }
  if (data.topology.objects.gaps) {
    map.createPane("cakupan-gaps").style.zIndex = 460;
    var gaps = topojson.feature(data.topology, data.topology.objects.gaps).features;
    overlays[W.gaps] = L.geoJSON(gaps, {
      pane: "cakupan-gaps",
      style: {color: "#000", weight: 2, dashArray: "4 4", fillOpacity: 0},
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () {
          var box = el("div", null, "cakupan-popup");
          box.appendChild(el("b", W.gaps));
          box.appendChild(figures([["nearest_rt", rtPlace(data.gaps.code[f.id])],
                                   ["estimated_households", whole(data.gaps.estimated_households[f.id])]]));
          return box;
        });
      }
    }).addTo(map);
  }
  function clusterIcon(cls, text) {
    return L.divIcon({html: "<span>" + text + "</span>", className: "cakupan-cluster " + cls,
                      iconSize: L.point(18 + 7.5 * text.length, 24)});
  }
  if (data.flagged && L.markerClusterGroup) {
    var fl = data.flagged;
    map.createPane("cakupan-flagged").style.zIndex = 620;
    var flagRenderer = L.svg({pane: "cakupan-flagged"});
    var flagged = L.markerClusterGroup({
      // clustered at once when first shown (8,000 points at most): chunks would move the
      // bubbles under the pointer while they are counted
      clusterPane: "cakupan-flagged", showCoverageOnHover: false, maxClusterRadius: 40,
      chunkedLoading: false, spiderfyOnMaxZoom: true, zoomToBoundsOnClick: true,
      iconCreateFunction: function (group) { return clusterIcon("cakupan-cluster-flagged", whole(group.getChildCount())); }
    });
    var flagMarkers = fl.lon.map(function (lon, i) {
      var marker = L.circleMarker([fl.lat[i], lon], {
        pane: "cakupan-flagged", renderer: flagRenderer, radius: 7, color: "#263238", weight: 2.5,
        fillColor: "#ffffff", fillOpacity: 1, interview: fl.interview_id[i]});
      marker.bindPopup(function () {
        var box = el("div", null, "cakupan-popup cakupan-flagged-popup");
        box.appendChild(el("b", W.flagged));
        box.appendChild(figures([
          ["interview_id", fl.interview_id[i]], ["enumerator_id", fl.enumerator_id[i]],
          ["interviewed_at", fl.interviewed_at[i]],
          ["location_check", fl.texts[fl.location_check[i]]],
          ["flags", fl.texts[fl.flags[i]]], ["evidence", fl.texts[fl.evidence[i]] || "–"]]));
        return box;
      }, {maxWidth: popupWidth()});
      return marker;
    });
    flagged.addLayers(flagMarkers);
    // a spread bubble stays drawn faintly at the centre: let clicks through to the points
    // spread closest around it
    // and lift the spread points above the bubbles of neighbouring spots
    flagged.on("spiderfied", function (e) {
      if (e.cluster._icon) { e.cluster._icon.style.pointerEvents = "none"; }
      if (flagRenderer._container) { flagRenderer._container.style.zIndex = 1000000; }
    });
    flagged.on("unspiderfied", function (e) {
      if (e.cluster._icon) { e.cluster._icon.style.pointerEvents = ""; }
      if (flagRenderer._container) { flagRenderer._container.style.zIndex = ""; }
    });
    // shown only once zoomed in to RTs, where points no longer hide the colours of areas
    var flaggedHolder = L.layerGroup();
    var gateFlagged = function () {
      var want = map.getZoom() >= fl.zoom;
      if (want && !flaggedHolder.hasLayer(flagged)) { flaggedHolder.addLayer(flagged); }
      if (!want && flaggedHolder.hasLayer(flagged)) { flaggedHolder.removeLayer(flagged); }
    };
    map.on("zoomend", gateFlagged);
    gateFlagged();
    overlays[W.flagged] = flaggedHolder.addTo(map);
  }
  if (data.counted && L.markerClusterGroup) {
    var counted = data.counted;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false,
      iconCreateFunction: function (group) {
        var n = 0;
        group.getAllChildMarkers().forEach(function (m) { n += m.options.households; });
        return clusterIcon("cakupan-cluster-counted", whole(n));
      }
    });
    var markers = counted.lon.map(function (lon, i) {
      var marker = L.circleMarker([counted.lat[i], lon], {
        radius: counted.aggregated ? 6 : 3, color: "#37474f", weight: 1, fillColor: "#cfd8dc",
        fillOpacity: 0.9, households: counted.n[i]});
      marker.bindTooltip(function () {
        return el("span", rtPlace(counted.rt[i]) + ": " + whole(counted.n[i]) + " " + W.counted_households);
      });
      return marker;
    });
    cluster.addLayers(markers);
    overlays[counted.aggregated ? W.counted_by_rt : W.counted_points] = cluster;
  }

  new Title({position: "topleft"}).addTo(map);
  new Search({position: "topleft"}).addTo(map);
  if (L.control.fullscreen) {
    L.control.fullscreen({position: "topleft", title: W.fullscreen, titleCancel: W.exit_fullscreen}).addTo(map);
  }
  new LevelControl({position: "topright"}).addTo(map);
  var layerControl = L.control.layers(null, overlays, {collapsed: small, position: "topright"}).addTo(map);
  layerControl.getContainer().setAttribute("title", W.layers);
  L.control.zoom({position: "bottomleft"}).addTo(map);
  new Legend({position: "bottomright"}).addTo(map);
  choose("auto");
  return {map: map, layers: layers, overlays: overlays, setLevel: function (level) { choose(level); },
          select: select, find: find, format: {whole: whole, pct: pct},
          flagged: flagged || null, flaggedMarkers: flagMarkers || []};
}
