// The map page's choropleth (MapLibre GL JS 6, an ES module installed with wijkzicht, never from a CDN).
// The polygons carry only their code; the values of the chosen measure join them by code
// (promoteId + setFeatureState), so one set of boundaries serves every measure and period. They come as
// vector tiles made at build time (data-tiles: drawn twice as fast as GeoJSON, docs/kaart.md), or as one
// GeoJSON file from a warehouse built without tiles.
// Everything shown here is also in the server-rendered legend and table of the page.

const NETHERLANDS = [[3.31, 50.75], [7.23, 53.56]];

const container = document.getElementById("map");
if (container) {
  start(container).catch((error) => fail(container, error));
}

function fail(element, error) {
  console.error(error);
  element.replaceChildren(Object.assign(document.createElement("p"), {
    className: "map-loading", textContent: element.dataset.failed,
  }));
}

async function start(element) {
  const tiles = element.dataset.tiles ? JSON.parse(element.dataset.tiles) : null;
  const [maplibregl, values, boundaries, focusAreas] = await Promise.all([
    import("/static/vendor/maplibre-gl/maplibre-gl.mjs"),
    fetchJson(element.dataset.values),
    tiles ? null : fetchJson(element.dataset.boundaries),
    // the focus-area outlines are a layer on top: the map draws without them if they fail
    element.dataset.focus ? fetchJson(element.dataset.focus).catch(() => null) : null,
  ]);
  element.replaceChildren();
  const byCode = new Map(values.values.map((area) => [area.code, area]));
  const map = new maplibregl.Map({
    container: element,
    style: { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#dde6ee" } }] },
    bounds: NETHERLANDS,
    fitBoundsOptions: { padding: 12 },
    minZoom: tiles ? tiles.minzoom : 0,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    attributionControl: { compact: false, customAttribution: "CBS / Kadaster via PDOK (CC BY 4.0)" },
    locale: { "Map.Title": element.dataset.label },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.getCanvas().setAttribute("aria-label", element.dataset.label);
  window.wijkzichtMap = map; // for the browser tests and the benchmark
  const feature = (code) => ({ source: "areas", sourceLayer: tiles?.layer, id: code });
  const fromAreas = tiles ? { source: "areas", "source-layer": tiles.layer } : { source: "areas" };

  map.on("load", () => {
    map.addSource("areas", tiles
      ? { type: "vector", tiles: tiles.tiles.map((url) => window.location.origin + url), // absolute for the worker; braces kept
          bounds: tiles.bounds, minzoom: tiles.minzoom, maxzoom: tiles.maxzoom, promoteId: "code" }
      : { type: "geojson", data: boundaries, promoteId: "code" });
    const colours = ["match", ["coalesce", ["feature-state", "category"], -1]];
    for (const entry of values.legend) colours.push(entry.category, entry.colour);
    colours.push(values.no_value_colour);
    map.addLayer({ id: "areas-fill", type: "fill", ...fromAreas, paint: { "fill-color": colours, "fill-opacity": 0.9 } });
    map.addLayer({ id: "areas-line", type: "line", ...fromAreas, paint: { "line-color": "#ffffff", "line-width": 0.5 } });
    map.addLayer({
      // Filtered to the hovered area: an outline layer of every area, hidden by width, doubled the drawing work.
      id: "areas-hover", type: "line", ...fromAreas, filter: hoverFilter(null),
      paint: { "line-color": "#000000", "line-width": 2.5 },
    });
    // Borderline cases of the rank stability (in the worst 10% under some choices of the method, not all):
    // a layer filtered to their codes, so the other areas cost no drawing.
    const borderline = values.values.filter((area) => area.drawn && area.stability === "borderline").map((area) => area.code);
    map.addLayer({
      id: "areas-borderline", type: "line", ...fromAreas,
      filter: ["in", ["get", "code"], ["literal", borderline]],
      paint: { "line-color": "#000000", "line-dasharray": [2, 1], "line-width": 1.5 },
    });
    if (focusAreas) {
      map.addSource("focus-areas", { type: "geojson", data: focusAreas });
      map.addLayer({
        id: "focus-outline", type: "line", source: "focus-areas",
        paint: { "line-color": "#0b3d91", "line-width": ["interpolate", ["linear"], ["zoom"], 6, 1.5, 11, 3.5] },
      });
    }
    for (const area of values.values) {
      if (area.drawn) map.setFeatureState(feature(area.code), { category: area.category ?? -1 });
    }
    map.once("idle", () => {
      element.dataset.idleMs = Math.round(performance.now()); // since navigation start, for the benchmark
      element.dataset.ready = "idle";
    });
  });

  const describe = (code) => {
    const area = byCode.get(code);
    if (!area || !area.drawn) return null;
    // The stacking count is in its class already ("in 2 domeinen"); name the domains instead.
    const stacking = values.measure === "stacking";
    const value = stacking ? area.worst_domains.join(", ") : area.value === null ? "" : `${area.shown} ${element.dataset.unit}`;
    const klass = area.stability_label ? `${area.class}; ${area.stability_label}` : area.class;
    return { title: `${area.name ?? code} (${code})`, value, klass, code };
  };
  hoverAndClick(map, element, describe);
  keyboardPicking(map, element, describe);
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function profileUrl(element, code) {
  return element.dataset.profile.replace("CODE", encodeURIComponent(code));
}

function hoverFilter(code) {
  return ["==", ["get", "code"], code ?? ""];
}

function hoverAndClick(map, element, describe) {
  const tooltip = document.getElementById("map-hover");
  let hovered = null;
  const setHover = (code) => {
    if (code === hovered) return;
    hovered = code;
    map.setFilter("areas-hover", hoverFilter(code));
  };
  map.on("mousemove", "areas-fill", (event) => {
    const code = event.features[0]?.properties.code;
    const info = describe(code);
    setHover(code ?? null);
    map.getCanvas().style.cursor = info ? "pointer" : "";
    if (!info) { tooltip.hidden = true; return; }
    tooltip.replaceChildren(
      Object.assign(document.createElement("strong"), { textContent: info.title }),
      document.createTextNode(info.value),
      Object.assign(document.createElement("div"), { textContent: info.klass }),
      Object.assign(document.createElement("div"), { className: "muted", textContent: element.dataset.open }),
    );
    tooltip.dataset.code = info.code;
    tooltip.style.left = `${event.point.x + 14}px`;
    tooltip.style.top = `${event.point.y + 14}px`;
    tooltip.hidden = false;
  });
  map.on("mouseleave", "areas-fill", () => {
    setHover(null);
    tooltip.hidden = true;
    map.getCanvas().style.cursor = "";
  });
  map.on("click", "areas-fill", (event) => {
    const code = event.features[0]?.properties.code;
    if (describe(code)) window.location.assign(profileUrl(element, code));
  });
}

// Keyboard: while the map has focus a ring marks its centre; the area under it is named (politely
// announced after each move) and Enter opens its profile. Arrows and +/- pan and zoom (MapLibre).
function keyboardPicking(map, element, describe) {
  const info = document.getElementById("map-info");
  const canvas = map.getCanvas();
  const crosshair = Object.assign(document.createElement("div"), { className: "map-crosshair", hidden: true });
  crosshair.setAttribute("aria-hidden", "true");
  map.getCanvasContainer().append(crosshair);
  let centred = null;
  const announce = () => {
    if (document.activeElement !== canvas || !map.getLayer("areas-fill")) return;
    const feature = map.queryRenderedFeatures(map.project(map.getCenter()), { layers: ["areas-fill"] })[0];
    const found = describe(feature?.properties.code);
    centred = found?.code ?? null;
    info.textContent = found ? `${found.title}: ${found.value} — ${found.klass}. ${element.dataset.enter}` : "";
  };
  canvas.addEventListener("focus", () => { crosshair.hidden = false; announce(); });
  canvas.addEventListener("blur", () => { crosshair.hidden = true; });
  map.on("moveend", announce);
  canvas.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && centred) window.location.assign(profileUrl(element, centred));
  });
}
