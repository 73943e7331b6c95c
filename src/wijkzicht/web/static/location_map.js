// The profile's location map: the area filled, its neighbours in outline, nothing to operate (no zoom,
// no pan, no focus). It is decoration beside the text, so it is shown only once it has drawn.
const figure = document.getElementById("location-map");
if (figure) draw(figure).catch((error) => console.warn("location map not drawn:", error));

function bounds(feature) {
  let [west, south, east, north] = [180, 90, -180, -90];
  const visit = (item) => {
    if (typeof item[0] === "number") {
      west = Math.min(west, item[0]); east = Math.max(east, item[0]);
      south = Math.min(south, item[1]); north = Math.max(north, item[1]);
    } else item.forEach(visit);
  };
  visit(feature.geometry.coordinates);
  return [[west, south], [east, north]];
}

async function draw(element) {
  const response = await fetch(element.dataset.src);
  if (!response.ok) return; // no polygon (e.g. a code of an older year): no map, the text says it all
  const [maplibregl, areas] = await Promise.all([
    import("/static/vendor/maplibre-gl/maplibre-gl.mjs"),
    response.json(),
  ]);
  const own = areas.features.find((feature) => feature.properties.self);
  if (!own) return;
  element.hidden = false;
  const canvas = element.querySelector(".location-map-canvas");
  const map = new maplibregl.Map({
    container: canvas,
    style: {
      version: 8, sources: { areas: { type: "geojson", data: areas } },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#eef2f5" } },
        { id: "others", type: "fill", source: "areas", filter: ["!", ["get", "self"]], paint: { "fill-color": "#ffffff" } },
        { id: "lines", type: "line", source: "areas", paint: { "line-color": "#8a8a8a", "line-width": 0.7 } },
        { id: "self", type: "fill", source: "areas", filter: ["get", "self"], paint: { "fill-color": "#01689b", "fill-opacity": 0.75 } },
        { id: "self-line", type: "line", source: "areas", filter: ["get", "self"], paint: { "line-color": "#0b3d91", "line-width": 2 } },
      ],
    },
    bounds: bounds(own),
    fitBoundsOptions: { padding: 30 },
    interactive: false,
    attributionControl: false, // the source is in the caption: nothing focusable inside the hidden map
  });
  map.getCanvas().setAttribute("tabindex", "-1");
  map.once("idle", () => { element.dataset.ready = "idle"; });
}
