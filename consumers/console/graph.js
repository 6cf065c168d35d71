// The network of an entity as an SVG graph. The layout is a small force simulation written
// here (no library, no build step): nodes repel, edges pull, a weak gravity keeps it centred.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const KIND_COLOURS = {
  PERSON: "#d9480f", PHONE: "#1971c2", DOCUMENT: "#2f9e44", ACCOUNT: "#9c36b5",
  VEHICLE: "#e67700", VESSEL: "#0c8599", SHIPMENT: "#5c940d", ONLINE: "#c2255c", OTHER: "#868e96",
};

function svgEl(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

// Deterministic: nodes start on a circle in the order given, so a network looks the same
// every time it is opened.
function layout(nodes, edges, width, height, steps = 300) {
  const n = nodes.length;
  const pos = nodes.map((_, i) => ({
    x: width / 2 + (width / 3) * Math.cos((2 * Math.PI * i) / Math.max(n, 1)),
    y: height / 2 + (height / 3) * Math.sin((2 * Math.PI * i) / Math.max(n, 1)),
  }));
  if (n < 2) return n ? [{ x: width / 2, y: height / 2 }] : [];
  const index = new Map(nodes.map((node, i) => [node.entity_id, i]));
  const ideal = Math.min(width, height) / (1.5 + Math.sqrt(n));
  for (let step = 0; step < steps; step++) {
    const force = pos.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y;
        const d2 = Math.max(dx * dx + dy * dy, 1);
        const push = (ideal * ideal) / d2;
        force[i].x += dx * push; force[i].y += dy * push;
        force[j].x -= dx * push; force[j].y -= dy * push;
      }
    }
    for (const edge of edges) {
      const a = index.get(edge.from_entity), b = index.get(edge.to_entity);
      if (a === undefined || b === undefined) continue;
      const dx = pos[b].x - pos[a].x, dy = pos[b].y - pos[a].y;
      const d = Math.max(Math.hypot(dx, dy), 1);
      const pull = (d - ideal) / d / 2;
      force[a].x += dx * pull; force[a].y += dy * pull;
      force[b].x -= dx * pull; force[b].y -= dy * pull;
    }
    const cool = 1 - step / steps;
    for (let i = 0; i < n; i++) {
      force[i].x += (width / 2 - pos[i].x) * 0.02;
      force[i].y += (height / 2 - pos[i].y) * 0.02;
      const len = Math.max(Math.hypot(force[i].x, force[i].y), 1e-9);
      const move = Math.min(len, 20 * cool + 1);
      pos[i].x = Math.min(width - 30, Math.max(30, pos[i].x + (force[i].x / len) * move));
      pos[i].y = Math.min(height - 20, Math.max(20, pos[i].y + (force[i].y / len) * move));
    }
  }
  return pos;
}

function drawNetwork(container, network, focusId, onOpen) {
  const width = 560, height = 400;
  const nodes = network.entities, edges = network.edges;
  const pos = layout(nodes, edges, width, height);
  const index = new Map(nodes.map((node, i) => [node.entity_id, i]));
  const svg = svgEl("svg", { id: "network-graph", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `network of ${nodes.length} entities` });
  svg.appendChild(svgEl("rect", { width, height, fill: "#fbfcfd" }));
  for (const edge of edges) {
    const a = pos[index.get(edge.from_entity)], b = pos[index.get(edge.to_entity)];
    if (!a || !b) continue;
    const line = svgEl("line", { class: "edge", x1: a.x, y1: a.y, x2: b.x, y2: b.y,
      stroke: "#8a96a3", "stroke-width": 1.5 });
    line.appendChild(svgEl("title", {}, `${edge.relation} (alert ${edge.alert_id})`));
    svg.appendChild(line);
  }
  nodes.forEach((node, i) => {
    const group = svgEl("g", { class: "node-group", transform: `translate(${pos[i].x},${pos[i].y})` });
    const focus = node.entity_id === focusId;
    const circle = svgEl("circle", {
      class: "node", "data-entity": node.entity_id, "data-kind": node.kind,
      r: 7 + Math.min(node.records, 8) * 1.5, fill: KIND_COLOURS[node.kind] || KIND_COLOURS.OTHER,
      stroke: focus ? "#111" : "#fff", "stroke-width": focus ? 3 : 1.5,
    });
    circle.appendChild(svgEl("title", {},
      `${node.kind} ${node.label} — ${node.records} record(s), ${node.countries.join(", ")}`));
    group.appendChild(circle);
    // Labels point away from the centre, so those near an edge stay inside the picture.
    const right = pos[i].x <= width / 2;
    group.appendChild(svgEl("text", { x: right ? 12 : -12, y: 4, "font-size": 11, fill: "#1d2733",
      "text-anchor": right ? "start" : "end" }, `${node.label || node.kind} (${node.countries.join("/")})`));
    if (node.kind === "PERSON" && !focus) {
      group.style.cursor = "pointer";
      group.addEventListener("click", () => onOpen(node.entity_id));
    }
    svg.appendChild(group);
  });
  container.replaceChildren(svg);
  return Object.keys(KIND_COLOURS).filter((kind) => nodes.some((node) => node.kind === kind));
}
