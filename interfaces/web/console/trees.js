import { api, isAdmin } from "./api.js";
import { h, fill, field, errorBox, clearErrors, showError } from "./dom.js";

const TEMPLATE = {
  name: "new-router", facts: { age: "int", level: "int" }, root: "n1",
  nodes: [
    { id: "n1", edges: [{ when: "age < 18", to: "kids" }, { to: "general" }] },
    { id: "kids", leaf: "<activity id>" }, { id: "general", leaf: "<activity id>" },
  ],
};

export function treesView(root) {
  const list = h("div", { class: "table-wrap" });
  const editor = h("div", { id: "tree-editor" });
  root.append(h("h2", {}, "Rule trees"), h("div", { class: "card" }, h("h3", {}, "Trees"),
    h("button", { type: "button", class: "secondary", onclick: () => load() }, "Refresh"),
    h("button", { type: "button", id: "new-tree", onclick: () => edit(null) }, "New tree"), list), editor);

  async function load() {
    try {
      const page = await api("GET", "/admin/rule-trees?limit=100");
      fill(list, h("table", { id: "trees-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Versions"), h("th", {}, "Live"), h("th", {}, ""))),
        h("tbody", {}, page.items.map((t) => h("tr", { dataset: { id: t.id } }, h("td", {}, t.name, t.default ? h("span", { class: "badge" }, " default") : null),
          h("td", {}, t.versions), h("td", {}, t.live_version ?? "—"),
          h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => open(t.id) }, "Edit")))))));
      if (!page.items.length) list.append(h("p", { class: "muted" }, "No rule trees yet."));
    } catch (e) { fill(list, h("p", { class: "error", role: "alert" }, e.message)); }
  }
  async function open(id) {
    try { edit(await api("GET", "/admin/rule-trees/" + id)); } catch (e) { fill(editor, h("p", { class: "error" }, e.message)); }
  }
  function edit(tree) {
    fill(editor, treeEditor(tree, (t) => { load(); edit(t); }));
    editor.querySelector("textarea").focus();
  }
  load();
}

function treeEditor(tree, saved) {
  const doc = h("textarea", { rows: 18, spellcheck: "false", id: "tree-doc" });
  doc.value = JSON.stringify(tree ? tree.document : TEMPLATE, null, 2);
  const drawing = h("div", { id: "tree-svg" });
  const problems = h("ul", { class: "problems error", id: "tree-problems" });
  const status = h("p", { class: "ok", role: "status", id: "tree-status" });
  const form = h("div", { class: "card" },
    h("h3", {}, tree ? `${tree.name} — version ${tree.version} (live ${tree.live_version ?? "none"})` : "New tree"),
    h("div", { class: "cols" },
      h("div", {}, field("Document (JSON)", "document", doc), errorBox(), problems, status,
        h("button", { type: "button", id: "tree-validate", class: "secondary", onclick: () => send("validate") }, "Validate"),
        h("button", { type: "button", id: "tree-save", onclick: () => send("save") }, tree ? "Save new version" : "Create tree")),
      h("div", {}, h("h3", {}, "Drawing"), drawing)));
  let lastProblems = [];
  let taken = null;
  const redraw = () => {
    try { fill(drawing, drawTree(JSON.parse(doc.value), lastProblems, taken)); } catch { /* shown on validate */ }
  };
  doc.addEventListener("input", () => { taken = null; redraw(); });
  redraw();

  function parse() {
    try { return JSON.parse(doc.value); } catch (e) {
      showError(form, { message: "The document is not valid JSON: " + e.message, code: "malformed", problems: [] });
      return null;
    }
  }
  function showProblems(list) {
    lastProblems = list;
    fill(problems, ...list.map((p) => h("li", {},
      [p.node && `node ${p.node}`, p.edge != null && `edge ${p.edge}`, p.field, p.line && `line ${p.line}`, p.column && `column ${p.column}`].filter(Boolean).join(", ") + ": " + p.message)));
    redraw();
  }
  async function send(kind) {
    const d = parse();
    if (!d) return;
    status.textContent = "";
    try {
      if (kind === "validate") {
        await api("POST", "/admin/rule-trees/validate", d);
        status.textContent = "The document is valid.";
      } else {
        const t = tree ? await api("PUT", "/admin/rule-trees/" + tree.id, d) : await api("POST", "/admin/rule-trees", d);
        status.textContent = `Saved version ${t.version}.`;
        clearErrors(form);
        showProblems([]);
        saved(t);
        return;
      }
      clearErrors(form);
      showProblems([]);
    } catch (e) {
      // Problems are listed under the document and drawn on the tree, not repeated above.
      showError(form, { message: e.message, code: e.code, problems: [] });
      showProblems(e.problems || []);
    }
  }
  if (tree) form.append(publishPanel(tree, saved), tryPanel(tree, (path) => { taken = path; redraw(); }));
  return form;
}

function publishPanel(tree, saved) {
  if (!isAdmin()) return h("p", { class: "muted" }, "Only admins publish rule trees.");
  const version = h("input", { type: "number", min: 1, value: tree.version, id: "publish-version" });
  const def = h("input", { type: "checkbox", id: "publish-default", checked: tree.default });
  const box = h("section", {}, h("h3", {}, "Publish"), h("div", { class: "row" }, field("Version", "version", version),
    h("label", { class: "check" }, def, "Make it the default tree")), errorBox());
  box.append(h("button", {
    type: "button", id: "tree-publish", onclick: async () => {
      try {
        await api("POST", `/admin/rule-trees/${tree.id}/publish`, { version: Number(version.value), default: def.checked });
        saved(await api("GET", `/admin/rule-trees/${tree.id}`));
      } catch (e) { showError(box, e); }
    },
  }, "Publish"));
  return box;
}

function tryPanel(tree, highlight) {
  const facts = h("textarea", { rows: 4, id: "try-facts", spellcheck: "false" });
  facts.value = JSON.stringify(Object.fromEntries(Object.keys(tree.document.facts || {}).map((k) => [k, null])), null, 1);
  const version = h("input", { type: "number", min: 1, placeholder: "live", id: "try-version" });
  const out = h("div", { id: "try-result", role: "status" });
  const box = h("section", {}, h("h3", {}, "Try it"), field("Facts (JSON)", "facts", facts), field("Version (empty: live)", "version", version), errorBox());
  box.append(h("button", {
    type: "button", id: "try-run", onclick: async () => {
      let f;
      try { f = JSON.parse(facts.value); } catch (e) { showError(box, { message: "Facts are not valid JSON: " + e.message, problems: [] }); return; }
      try {
        const body = { facts: f };
        if (version.value) body.version = Number(version.value);
        const r = await api("POST", `/admin/rule-trees/${tree.id}/evaluate`, body);
        clearErrors(box);
        fill(out, h("p", {}, "Result: ", h("strong", { id: "try-value" }, r.value || "(none)"), ` (version ${r.version})`),
          h("ol", {}, r.path.map((s) => h("li", { class: s.matched ? "ok" : "muted" }, `${s.node} edge ${s.edge}: ${s.condition || "default"} → ${s.matched ? "taken" : "not taken"}` + (s.error ? ` (${s.error})` : "")))));
        highlight(r.path);
      } catch (e) { showError(box, e); highlight(null); }
    },
  }, "Evaluate"), out);
  return box;
}

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
  return `${w.fact} ${w.op} ${JSON.stringify(w.value)}`;
}

// drawTree lays the nodes out in levels by distance from the root and marks the nodes and
// edges that have problems or that an evaluation took.
function drawTree(d, problems, path) {
  const nodes = Array.isArray(d.nodes) ? d.nodes : [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map();
  const queue = byId.has(d.root) ? [d.root] : [];
  if (queue.length) depth.set(d.root, 0);
  while (queue.length) {
    const id = queue.shift();
    for (const e of byId.get(id).edges || []) {
      if (byId.has(e.to) && !depth.has(e.to)) { depth.set(e.to, depth.get(id) + 1); queue.push(e.to); }
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
  const badNode = new Map(problems.filter((p) => p.node && p.edge == null).map((p) => [p.node, p.message]));
  const badEdge = new Map(problems.filter((p) => p.node && p.edge != null).map((p) => [`${p.node}/${p.edge}`, p.message]));
  const takenEdge = new Set((path || []).filter((p) => p.matched).map((p) => `${p.node}/${p.edge}`));
  const takenNode = new Set((path || []).filter((p) => p.matched).flatMap((p) => [p.node, (byId.get(p.node)?.edges || [])[p.edge]?.to]));
  for (const n of nodes) {
    (n.edges || []).forEach((e, i) => {
      const a = pos.get(n.id), b = pos.get(e.to);
      if (!a || !b) return;
      const key = `${n.id}/${i}`;
      const cls = [badEdge.has(key) && "bad", takenEdge.has(key) && "taken"].filter(Boolean).join(" ");
      const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y;
      const line = s("line", { x1, y1, x2, y2, class: cls, "data-edge": key });
      if (badEdge.has(key)) line.append(s("title", {}, badEdge.get(key)));
      svg.append(line);
      const t = conditionText(e.when);
      svg.append(s("text", { x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2, class: cls, "data-edge-label": key }, t.length > 30 ? t.slice(0, 29) + "…" : t));
    });
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const cls = [badNode.has(n.id) && "bad", takenNode.has(n.id) && "taken"].filter(Boolean).join(" ");
    const g = s("g", { class: cls, "data-node": n.id });
    if (badNode.has(n.id)) g.append(s("title", {}, badNode.get(n.id)));
    g.append(s("rect", { x: p.x, y: p.y, width: W, height: H, rx: 5, class: n.leaf !== undefined ? "leaf" : "" }),
      s("text", { x: p.x + 8, y: p.y + 16 }, n.id),
      s("text", { x: p.x + 8, y: p.y + 32 }, n.leaf !== undefined ? "→ " + String(n.leaf).slice(0, 16) : `${(n.edges || []).length} edges`));
    svg.append(g);
  }
  return svg;
}
