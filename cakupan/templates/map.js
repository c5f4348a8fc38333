/* cakupan map page: builds layers, popups, legend and search from the page's JSON data.
   Every text from the data goes through textContent, never innerHTML. */
function cakupanMap(map, data) {
  "use strict";
  var W = data.labels;
  var num = new Intl.NumberFormat(data.locale, {maximumFractionDigits: 1});
  var pct = new Intl.NumberFormat(data.locale, {style: "percent", minimumFractionDigits: 1,
                                                maximumFractionDigits: 1});
  var colours = {};
  data.legend.forEach(function (item) { colours[item.status] = item.colour; });
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
  function show(field, value) {
    if (value === null || value === undefined || value === "") { return "–"; }
    if (field === "coverage_ratio") { return pct.format(value); }
    if (field === "status") { return W[value] || value; }
    if (typeof value === "number") { return num.format(value); }
    return value;
  }
  function figures(pairs) {
    var table = el("table", null, "cakupan-figures");
    pairs.forEach(function (pair) {
      var row = el("tr");
      row.setAttribute("data-field", pair[0]);
      row.appendChild(el("th", W[pair[0]] || pair[0]));
      row.appendChild(el("td", show(pair[0], pair[1])));
      table.appendChild(row);
    });
    return table;
  }
  var FIELDS = ["name", "code", "counted_households", "expected_households", "coverage_ratio",
                "gap_households", "status", "expected_source"];
  function countedText(p) {
    // the doubtful households stand beside the counted ones, in the same row
    if (!(p.doubtful_households > 0)) { return p.counted_households; }
    return num.format(p.counted_households) + " (" + W.doubtful_households + " " +
      num.format(p.doubtful_households) + ")";
  }
  function unitPopup(p) {
    var box = el("div", null, "cakupan-popup");
    box.appendChild(el("b", W[p.level]));
    box.appendChild(figures(FIELDS.map(function (f) {
      return [f, f === "counted_households" ? countedText(p) : p[f]]; })));
    return box;
  }
  function unitTooltip(p) {
    return el("span", p.name + " (" + p.code + "): " + show("coverage_ratio", p.coverage_ratio));
  }
  function style(p) {
    var off = hidden[p.status];
    return {fillColor: colours[p.status] || "#9e9e9e", color: "#333", weight: 0.7,
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
        layer.bindPopup(function () { return unitPopup(f.properties); });
        layer.on("mouseover", function () { layer.setStyle({weight: 2.5, color: "#000"}); });
        layer.on("mouseout", function () { layers[level].resetStyle(layer); });
      }
    });
  });

  function levelForZoom(zoom) {
    var wanted = zoom <= 11 ? "kecamatan" : zoom <= 13 ? "kelurahan" : zoom <= 14 ? "rw" : "rt";
    var order = ["kecamatan", "kelurahan", "rw", "rt"];
    while (!layers[wanted]) { wanted = order[order.indexOf(wanted) - 1]; }
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
  }
  function choose(level) {
    state.auto = level === "auto";
    levelInputs[level].checked = true;
    setLevel(state.auto ? levelForZoom(map.getZoom()) : level);
  }
  map.on("zoomend", function () { if (state.auto) { setLevel(levelForZoom(map.getZoom())); } });

  var LevelControl = L.Control.extend({
    onAdd: function () {
      var box = el("div", null, "cakupan-box cakupan-levels");
      box.appendChild(el("h4", W.level));
      ["auto"].concat(data.levels).forEach(function (level) {
        var label = el("label"), input = el("input");
        input.type = "radio"; input.name = "cakupan-level"; input.value = level;
        input.addEventListener("change", function () { choose(level); });
        levelInputs[level] = input;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + (level === "auto" ? W.level_auto : W[level])));
        box.appendChild(label);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    }
  });

  var legendBody;
  function updateLegend() {
    if (!legendBody || !state.level) { return; }
    var counts = {};
    data.units[state.level].status.forEach(function (s) { counts[s] = (counts[s] || 0) + 1; });
    legendBody.textContent = "";
    legendBody.appendChild(el("h4", W.legend + " – " + W[state.level]));
    if (data.as_of) { legendBody.appendChild(el("div", W.data_as_of + ": " + data.as_of, "cakupan-note as-of")); }
    data.legend.forEach(function (item) {
      var row = el("div", null, "item" + (hidden[item.status] ? " off" : ""));
      row.setAttribute("data-status", item.status);
      row.title = W.click_to_hide;
      var swatch = el("span", null, "swatch");
      swatch.style.background = item.colour;
      row.appendChild(swatch);
      row.appendChild(el("span", item.label, "label"));
      if (item.meaning) { row.appendChild(el("small", " (" + item.meaning + ")")); }
      row.appendChild(el("small", " " + num.format(counts[item.status] || 0), "count"));
      row.addEventListener("click", function () {
        hidden[item.status] = !hidden[item.status];
        Object.keys(layers).forEach(function (k) { layers[k].setStyle(function (f) { return style(f.properties); }); });
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
    ["flagged"].forEach(function (name) {
      var points = data[name];
      if (points && points.lon.length < points.total) {
        legendBody.appendChild(el("div", W.flagged + ": " +
          W.shown_of.replace("{shown}", num.format(points.lon.length))
                    .replace("{total}", num.format(points.total)), "cakupan-note"));
      }
    });
  }
  var Legend = L.Control.extend({
    onAdd: function () {
      legendBody = el("div", null, "cakupan-box cakupan-legend");
      L.DomEvent.disableClickPropagation(legendBody);
      return legendBody;
    }
  });

  function find(query) {
    var q = query.trim().toLowerCase(), found = [];
    if (q.length < 2) { return found; }
    ["kelurahan", "rt", "kecamatan", "rw"].forEach(function (level) {
      if (!layers[level]) { return; }
      layers[level].eachLayer(function (layer) {
        var p = layer.feature.properties;
        if (found.length < 15 && (String(p.name).toLowerCase().indexOf(q) >= 0 ||
                                  String(p.code).toLowerCase().indexOf(q) >= 0)) {
          found.push(layer);
        }
      });
    });
    return found;
  }
  function select(layer) {
    var p = layer.feature.properties;
    state.auto = false;
    setLevel(p.level);
    levelInputs[p.level].checked = true;
    map.fitBounds(layer.getBounds(), {maxZoom: 18, animate: false});
    layer.openPopup(layer.getBounds().getCenter());
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
          var item = el("li", W[p.level] + ": " + p.name + " (" + p.code + ")");
          item.addEventListener("click", function () { select(layer); });
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

  var overlays = {};
  if (layers.kecamatan) {
    map.createPane("cakupan-outline").style.zIndex = 450;
    var outline = L.geoJSON(layers.kecamatan.toGeoJSON(), {
      pane: "cakupan-outline", interactive: false,
      style: {color: "#222", weight: 2.2, fill: false}});
    overlays[W.kecamatan_outline] = outline.addTo(map);
  }
  if (data.topology.objects.gaps) {
    map.createPane("cakupan-gaps").style.zIndex = 460;
    var gaps = topojson.feature(data.topology, data.topology.objects.gaps).features;
    gaps.forEach(function (f) {
      f.properties = {code: data.gaps.code[f.id], gap_households: data.gaps.estimated_households[f.id]};
    });
    overlays[W.gaps] = L.geoJSON(gaps, {
      pane: "cakupan-gaps",
      style: {color: "#000", weight: 2, dashArray: "4 4", fillOpacity: 0},
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () {
          return figures([["code", f.properties.code], ["gap_households", f.properties.gap_households]]);
        });
      }
    }).addTo(map);
  }
  if (data.flagged) {
    var canvas = L.canvas({padding: 0.2});
    var flagged = L.featureGroup();
    data.flagged.lon.forEach(function (lon, i) {
      var marker = L.circleMarker([data.flagged.lat[i], lon], {
        renderer: canvas, radius: 4, color: "#6a1b9a", weight: 1, fillColor: "#ce93d8", fillOpacity: 0.9});
      marker.bindPopup(function () {
        var box = el("div", null, "cakupan-popup");
        box.appendChild(el("b", W.flagged));
        box.appendChild(figures([
          ["interview_id", data.flagged.interview_id[i]], ["enumerator_id", data.flagged.enumerator_id[i]],
          ["flags", data.flagged.flags[i]], ["location_check", data.flagged.location_check[i]],
          ["interviewed_at", data.flagged.interviewed_at[i]]]));
        return box;
      });
      flagged.addLayer(marker);
    });
    overlays[W.flagged] = flagged.addTo(map);
  }
  if (data.counted && L.markerClusterGroup) {
    var counted = data.counted;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false,
      iconCreateFunction: function (group) {
        var n = 0;
        group.getAllChildMarkers().forEach(function (m) { n += m.options.households; });
        var size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
        return L.divIcon({html: "<div><span>" + num.format(n) + "</span></div>",
                          className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40)});
      }
    });
    var markers = counted.lon.map(function (lon, i) {
      var marker = L.circleMarker([counted.lat[i], lon], {
        radius: counted.aggregated ? 6 : 3, color: "#1b5e20", weight: 1, fillOpacity: 0.7,
        households: counted.n[i]});
      marker.bindTooltip(function () {
        return el("span", W.rt + " " + counted.rt[i] + ": " + num.format(counted.n[i]) + " " + W.counted_households);
      });
      return marker;
    });
    cluster.addLayers(markers);
    overlays[counted.aggregated ? W.counted_by_rt : W.counted_points] = cluster;
  }

  new LevelControl({position: "topright"}).addTo(map);
  L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
  new Search({position: "topleft"}).addTo(map);
  if (L.control.fullscreen) {
    L.control.fullscreen({position: "topleft", title: W.fullscreen, titleCancel: W.exit_fullscreen}).addTo(map);
  }
  new Legend({position: "bottomright"}).addTo(map);
  choose("auto");
  return {map: map, layers: layers, overlays: overlays, setLevel: function (level) { choose(level); },
          select: select, find: find};
}
