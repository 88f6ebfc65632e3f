import { OPS, isObject, nodesIn, edgesOf } from "./treedoc.js";

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

export function conditionText(w) {
  if (w === undefined || w === null) return "default";
  if (typeof w === "string") return w;
  return `${w.fact} ${OPS[w.op] || w.op} ${Array.isArray(w.value) ? w.value.map((v) => JSON.stringify(v)).join(w.op === "between" ? " and " : ", ") : JSON.stringify(w.value)}`;
}

// drawTree lays the nodes out in levels by distance from the root and marks the nodes and
// edges that have problems or that an evaluation took. Each edge is labelled with its place
// in its node's order and its condition; a result shows its activity's name when known.
export function drawTree(d, problems, path, names = new Map()) {
  const nodes = nodesIn(d).filter(isObject);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map();
  const queue = byId.has(d.root) ? [d.root] : [];
  if (queue.length) depth.set(d.root, 0);
  while (queue.length) {
    const id = queue.shift();
    for (const e of edgesOf(byId.get(id))) {
      if (isObject(e) && byId.has(e.to) && !depth.has(e.to)) { depth.set(e.to, depth.get(id) + 1); queue.push(e.to); }
    }
  }
  const maxDepth = Math.max(-1, ...depth.values());
  nodes.forEach((n) => { if (!depth.has(n.id)) depth.set(n.id, maxDepth + 1); });
  const levels = [];
  nodes.forEach((n) => { const l = depth.get(n.id); (levels[l] = levels[l] || []).push(n.id); });
  const W = 150, H = 40, GX = 40, GY = 90;
  const width = Math.max(1, ...levels.map((l) => (l || []).length)) * (W + GX) + GX;
  const pos = new Map();
  levels.forEach((l, li) => (l || []).forEach((id, i) => {
    const off = (width - l.length * (W + GX) + GX) / 2;
    pos.set(id, { x: off + i * (W + GX), y: 20 + li * (H + GY) });
  }));
  const height = 20 + levels.length * (H + GY);
  const svg = s("svg", { class: "tree", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Rule tree drawing" });
  const joined = (list) => {
    const m = new Map();
    for (const [k, v] of list) m.set(k, m.has(k) ? `${m.get(k)} ${v}` : v);
    return m;
  };
  const badNode = joined(problems.filter((p) => p.node && p.edge == null).map((p) => [p.node, p.message]));
  const badEdge = joined(problems.filter((p) => p.node && p.edge != null).map((p) => [`${p.node}/${p.edge}`, p.message]));
  const takenEdge = new Set((path || []).filter((p) => p.matched).map((p) => `${p.node}/${p.edge}`));
  const takenNode = new Set((path || []).filter((p) => p.matched).flatMap((p) => [p.node, edgesOf(byId.get(p.node))[p.edge]?.to]));
  const pairs = new Map(); // labels of edges between the same two nodes are stacked
  for (const n of nodes) {
    edgesOf(n).forEach((e, i) => {
      const a = pos.get(n.id), b = isObject(e) && pos.get(e.to);
      if (!a || !b) return;
      const key = `${n.id}/${i}`;
      const cls = [badEdge.has(key) && "bad", takenEdge.has(key) && "taken"].filter(Boolean).join(" ");
      const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y;
      const line = s("line", { x1, y1, x2, y2, class: cls, "data-edge": key });
      if (badEdge.has(key)) line.append(s("title", {}, badEdge.get(key)));
      svg.append(line);
      const t = `${i + 1}. ${conditionText(e.when)}`;
      const pair = `${n.id}\n${e.to}`;
      const k = pairs.get(pair) || 0;
      pairs.set(pair, k + 1);
      const label = s("text", { x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2 + k * 15, class: cls, "data-edge-label": key },
        (badEdge.has(key) ? "⚠ " : "") + (t.length > 30 ? t.slice(0, 29) + "…" : t));
      if (badEdge.has(key)) label.append(s("title", {}, badEdge.get(key)));
      svg.append(label);
    });
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const cls = [badNode.has(n.id) && "bad", takenNode.has(n.id) && "taken"].filter(Boolean).join(" ");
    const g = s("g", { class: cls, "data-node": n.id });
    if (badNode.has(n.id)) g.append(s("title", {}, badNode.get(n.id)));
    g.append(s("rect", { x: p.x, y: p.y, width: W, height: H, rx: 5, class: n.leaf !== undefined ? "leaf" : "" }),
      s("text", { x: p.x + 8, y: p.y + 16 }, String(n.id)),
      s("text", { x: p.x + 8, y: p.y + 32 }, n.leaf !== undefined ? "→ " + String(names.get(n.leaf) ?? n.leaf).slice(0, 18) : `${edgesOf(n).length} edges`));
    svg.append(g);
  }
  return svg;
}
