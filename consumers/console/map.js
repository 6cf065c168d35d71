// Sightings on a plain lat/lon plot of the Americas. No tile server is reachable from the
// deployments this runs in (and a third-party map would leak what is being looked at), so
// the map is a graticule over an equirectangular bounding box, drawn here. The view zooms
// to the sightings (at least 30° wide), so a route between neighbouring countries shows.
"use strict";

const AMERICAS = { west: -170, east: -25, south: -60, north: 75 };
const MIN_SPAN = 30;

function viewOf(points) {
  if (!points.length) return { ...AMERICAS };
  const lons = points.map((p) => p.lon), lats = points.map((p) => p.lat);
  const clamp = (low, high, min, max) => {
    const pad = Math.max(0, (MIN_SPAN - (high - low)) / 2) + 5;
    let a = Math.max(min, low - pad), b = Math.min(max, high + pad);
    if (b - a < MIN_SPAN) { if (a === min) b = Math.min(max, a + MIN_SPAN); else a = Math.max(min, b - MIN_SPAN); }
    return [a, b];
  };
  const [west, east] = clamp(Math.min(...lons), Math.max(...lons), AMERICAS.west, AMERICAS.east);
  const [south, north] = clamp(Math.min(...lats), Math.max(...lats), AMERICAS.south, AMERICAS.north);
  return { west, east, south, north };
}

function drawMap(container, sightings) {
  const width = 560, height = 420;
  const placed = sightings.filter((s) => s.location && s.location.lat !== null && s.location.lon !== null);
  const view = viewOf(placed.map((s) => s.location));
  const x = (lon) => ((lon - view.west) / (view.east - view.west)) * width;
  const y = (lat) => ((view.north - lat) / (view.north - view.south)) * height;
  const svg = svgEl("svg", { id: "sightings-map", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "map of sightings" });
  svg.appendChild(svgEl("rect", { width, height, fill: "#eaf2fb" }));
  const step = view.east - view.west > 60 ? 15 : 5;
  for (let lon = Math.ceil(view.west / step) * step; lon <= view.east; lon += step) {
    svg.appendChild(svgEl("line", { x1: x(lon), y1: 0, x2: x(lon), y2: height, stroke: "#c9d6e4" }));
    svg.appendChild(svgEl("text", { x: x(lon) + 2, y: height - 4, "font-size": 9, fill: "#6b7b8c" }, `${lon}°`));
  }
  for (let lat = Math.ceil(view.south / step) * step; lat <= view.north; lat += step) {
    svg.appendChild(svgEl("line", { x1: 0, y1: y(lat), x2: width, y2: y(lat),
      stroke: lat === 0 ? "#9fb3c8" : "#c9d6e4" }));
    svg.appendChild(svgEl("text", { x: 2, y: y(lat) - 2, "font-size": 9, fill: "#6b7b8c" }, `${lat}°`));
  }
  if (placed.length > 1) {
    const route = placed.map((s) => `${x(s.location.lon)},${y(s.location.lat)}`).join(" ");
    svg.appendChild(svgEl("polyline", { points: route, fill: "none", stroke: "#d9480f",
      "stroke-width": 1.5, "stroke-dasharray": "4 3" }));
  }
  placed.forEach((s, i) => {
    const cx = x(s.location.lon), cy = y(s.location.lat);
    const dot = svgEl("circle", { class: "sighting", cx, cy, r: 5, fill: "#d9480f", stroke: "#fff" });
    dot.appendChild(svgEl("title", {},
      `${s.observed_at.slice(0, 10)} ${s.location.name || ""} (${s.country}) — ${s.event}`));
    svg.appendChild(dot);
    svg.appendChild(svgEl("text", { x: cx + 7, y: cy - 6 + (i % 2) * 18, "font-size": 11, fill: "#1d2733" },
      `${i + 1}. ${s.location.name || s.country} ${s.observed_at.slice(0, 10)}`));
  });
  container.replaceChildren(svg);
  return placed.length;
}
