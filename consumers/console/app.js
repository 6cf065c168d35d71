// The investigator console: search, entity page (network, map, timeline, links). Every
// request carries the caller's agency, user and case, which the API audits.
"use strict";

const CALLER_FIELDS = { agency: "X-Borderlink-Agency", user: "X-Borderlink-User", case: "X-Borderlink-Case" };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  // Text only, never HTML: the data comes from other agencies' systems.
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function status(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function api(path) {
  const headers = {};
  for (const [field, header] of Object.entries(CALLER_FIELDS)) {
    const value = $(field).value.trim();
    if (value) headers[header] = value;
  }
  if (!headers["X-Borderlink-Agency"]) throw new Error("enter your agency (e.g. co.fiscalia) first");
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    throw new Error(`${response.status}: ${detail}`);
  }
  return body;
}

function badges(countries, crossBorder) {
  const span = el("span");
  for (const country of countries) span.append(el("span", { class: "badge" }, country));
  if (crossBorder) span.append(el("span", { class: "badge border" }, "cross-border"));
  return span;
}

function linkList(links) {
  const list = el("ul", { class: "why" });
  for (const link of links) {
    list.append(el("li", link.decision === "UNDONE" ? { class: "undone" } : {}, link.why));
  }
  return list;
}

function entityCard(entity) {
  const title = el("a", { href: `#/entity/${entity.entity_id}`, class: "entity-link" },
    entity.labels[0] || entity.kind);
  const card = el("article", { class: "card result", "data-entity": entity.entity_id },
    el("h3", {}, title),
    el("div", {}, el("span", { class: "badge" }, entity.kind), badges(entity.countries, entity.cross_border),
      entity.similarity !== null && entity.similarity !== undefined
        ? `name similarity ${(entity.similarity * 100).toFixed(0)}%` : ""),
    el("div", {}, `also written: ${entity.labels.slice(1).join(" · ") || "—"}`),
    el("div", {}, `reported by ${entity.agencies.join(", ")} (${entity.members.length} record(s))`));
  if (entity.links.length) card.append(linkList(entity.links));
  return card;
}

function show(section) {
  $("results").hidden = section !== "results";
  $("entity").hidden = section !== "entity";
}

async function runSearch(kind, value, country, platform) {
  status("searching…");
  const results = $("results");
  try {
    let entities, heading;
    if (kind === "name") {
      const body = await api(`/api/search?${new URLSearchParams({ q: value })}`);
      entities = body.results;
      heading = `${entities.length} person(s) named like “${value}”`;
    } else {
      const params = { kind, value };
      if (country) params.country = country;
      if (platform) params.platform = platform;
      const body = await api(`/api/lookup?${new URLSearchParams(params)}`);
      entities = body.entities;
      heading = `${body.key}: ${body.sightings.length} record(s), ${entities.length} entit(ies)`;
    }
    results.replaceChildren(el("h2", {}, heading), ...entities.map(entityCard));
    show("results");
    status("");
  } catch (error) {
    status(error.message, true);
  }
}

function sightingItem(sighting) {
  const where = sighting.location
    ? ` at ${sighting.location.name || ""} (${sighting.location.country || sighting.country})` : "";
  const tlp = sighting.marking && sighting.marking.tlp;
  return el("li", { class: "sighting", "data-country": sighting.country },
    el("time", { datetime: sighting.observed_at }, sighting.observed_at.replace("T", " ").slice(0, 16)),
    el("span", { class: "badge" }, sighting.country),
    `${sighting.event.replaceAll("_", " ").toLowerCase()} reported by ${sighting.agency}${where} `,
    tlp ? el("span", { class: `badge tlp-${tlp}`, title: sighting.marking.handling || "" }, `TLP:${tlp}`) : "");
}

async function openEntity(entityId) {
  status("loading entity…");
  try {
    const id = encodeURIComponent(entityId);
    const [entity, network, timeline] = await Promise.all([
      api(`/api/entities/${id}`),
      api(`/api/entities/${id}/network`).catch(() => null),
      api(`/api/entities/${id}/timeline`),
    ]);
    $("entity-name").textContent = entity.labels[0] || entity.kind;
    $("entity-facts").replaceChildren(
      el("span", { class: "badge" }, entity.kind), badges(entity.countries, entity.cross_border),
      `also written: ${entity.labels.slice(1).join(" · ") || "—"}; reported by ${entity.agencies.join(", ")}`);
    if (network) {
      const kinds = drawNetwork($("graph"), network.network, entity.entity_id,
        (other) => { location.hash = `#/entity/${other}`; });
      $("legend").replaceChildren(...kinds.map((kind) =>
        el("li", {}, Object.assign(el("span"), { style: `background:${KIND_COLOURS[kind]}` }), kind)));
    } else {
      $("graph").replaceChildren(el("p", {}, "no current network"));
    }
    drawMap($("map"), timeline.sightings);
    $("timeline").replaceChildren(...timeline.sightings.map(sightingItem));
    $("links").replaceChildren(...entity.links.map((link) =>
      el("li", link.decision === "UNDONE" ? { class: "undone" } : {}, link.why)));
    if (!entity.links.length) $("links").append(el("li", {}, "a single record: nothing linked yet"));
    show("entity");
    status("");
  } catch (error) {
    status(error.message, true);
  }
}

function route() {
  const hash = location.hash.slice(1);
  if (hash.startsWith("/entity/")) return openEntity(decodeURIComponent(hash.slice("/entity/".length)));
  if (hash.startsWith("/search?")) {
    const params = new URLSearchParams(hash.slice("/search?".length));
    for (const field of ["kind", "country", "platform"]) $(field).value = params.get(field) || $(field).value;
    $("query").value = params.get("value") || "";
    return runSearch(params.get("kind") || "name", $("query").value, params.get("country"), params.get("platform"));
  }
  show(null);
}

function start() {
  for (const field of Object.keys(CALLER_FIELDS)) {
    $(field).value = localStorage.getItem(`borderlink.${field}`) || "";
    $(field).addEventListener("change", () => localStorage.setItem(`borderlink.${field}`, $(field).value.trim()));
  }
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ kind: $("kind").value, value: $("query").value.trim() });
    if ($("country").value.trim()) params.set("country", $("country").value.trim().toUpperCase());
    if ($("platform").value.trim()) params.set("platform", $("platform").value.trim());
    const next = `#/search?${params}`;
    if (location.hash === next) route(); else location.hash = next;
  });
  window.addEventListener("hashchange", route);
  route();
}

document.addEventListener("DOMContentLoaded", start);
