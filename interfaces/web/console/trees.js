import { api, isAdmin } from "./api.js";
import { h, fill, field, errorBox, clearErrors, showError } from "./dom.js";

// A new tree starts from this: a root with one condition and a default edge, and two results
// whose activities are still to be chosen.
const TEMPLATE = {
  name: "new-router", facts: { age: "int", level: "int" }, root: "n1",
  nodes: [
    { id: "n1", edges: [{ when: "age < 18", to: "kids" }, { to: "general" }] },
    { id: "kids", leaf: "" }, { id: "general", leaf: "" },
  ],
};

const FACT_TYPES = ["int", "float", "string", "bool", "time", "[]string"];
// Facts every tree has without declaring them (the rules package derives them).
const DERIVED = { now: "time", registered_days: "int" };
// The structured operators in words, and those that apply to each fact type, as the rules
// package has them.
const OPS = {
  eq: "is", ne: "is not", gt: "is more than", gte: "is at least", lt: "is less than", lte: "is at most",
  in: "is one of", not_in: "is none of", contains: "contains", between: "is between",
};
const ORDERED = ["eq", "ne", "gt", "gte", "lt", "lte"];
const OPS_FOR = {
  int: [...ORDERED, "in", "not_in", "between"], float: [...ORDERED, "in", "not_in", "between"],
  time: [...ORDERED, "between"], string: ["eq", "ne", "in", "not_in", "contains"], bool: ["eq", "ne"],
  "[]string": ["contains"],
};
const LIST_OPS = new Set(["in", "not_in", "between"]);

export function treesView(root) {
  const list = h("div", { class: "table-wrap" });
  const editor = h("div", { id: "tree-editor" });
  // The activities a result can name; loaded once for the view.
  const activities = api("GET", "/admin/activities?limit=100").then((p) => p.items, () => []);
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
  // open shows a tree's latest version, or the one asked for.
  async function open(id, version, focus) {
    try {
      edit(await api("GET", `/admin/rule-trees/${id}` + (version ? `?version=${version}` : "")), focus);
    } catch (e) { fill(editor, h("p", { class: "error", role: "alert" }, e.message)); }
  }
  function edit(tree, focus, message) {
    fill(editor, treeEditor(tree, {
      activities, open, message,
      saved: (t, f, m) => { load(); edit(t, f, m); },
    }));
    editor.querySelector(focus || "#tree-name")?.focus();
  }
  load();
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const nodesIn = (d) => (Array.isArray(d.nodes) ? d.nodes : []);
const edgesOf = (n) => (isObject(n) && Array.isArray(n.edges) ? n.edges : []);
const isLeaf = (n) => n.leaf !== undefined && !edgesOf(n).length;
const modeOf = (e) => (e.when === undefined || e.when === null ? "default" : isObject(e.when) ? "compare" : "expr");
const msg = (p) => p.message + (p.line ? ` (line ${p.line}, column ${p.column})` : "");
const opt = (value, text, current) => h("option", { value, selected: value === current }, text);

function unique(prefix, used) {
  let k = 1;
  while (used.has(prefix + k)) k++;
  return prefix + k;
}

// showValue and readValue turn a structured condition's value into the text of its input
// and back: lists are comma separated, numbers and booleans follow the fact's type.
function showValue(v) {
  if (Array.isArray(v)) return v.map(String).join(", ");
  return v === undefined || v === null ? "" : String(v);
}
function readValue(text, type, op) {
  const one = (s) => {
    const t = s.trim();
    if ((type === "int" || type === "float") && t !== "" && Number.isFinite(Number(t))) return Number(t);
    if (type === "bool" && (t === "true" || t === "false")) return t === "true";
    return t;
  };
  return LIST_OPS.has(op) ? String(text).split(",").map(one).filter((x) => x !== "") : one(String(text));
}

// toExpr writes a structured condition as the expression that means the same, for an edge
// switched from one form to the other.
function toExpr(w, type) {
  const f = w.fact || "fact", v = JSON.stringify(w.value ?? "");
  switch (w.op) {
    case "eq": return `${f} == ${v}`;
    case "ne": return `${f} != ${v}`;
    case "gt": return `${f} > ${v}`;
    case "gte": return `${f} >= ${v}`;
    case "lt": return `${f} < ${v}`;
    case "lte": return `${f} <= ${v}`;
    case "in": return `${f} in ${v}`;
    case "not_in": return `${f} not in ${v}`;
    case "contains": return type === "[]string" ? `${v} in ${f}` : `${f} contains ${v}`;
    case "between": return Array.isArray(w.value) && w.value.length === 2
      ? `${f} >= ${JSON.stringify(w.value[0])} && ${f} <= ${JSON.stringify(w.value[1])}` : `${f} >= ${v}`;
  }
  return "";
}

// treeEditor edits one document: a form of its name, facts, nodes and edges, the same
// document as JSON under "Advanced", and the drawing, all kept in step. model is the
// document; the form and the JSON both change it, and each change redraws the drawing.
function treeEditor(tree, { saved, open, activities, message }) {
  let model = structuredClone(tree ? tree.document : TEMPLATE);
  let raw = []; // the server's problems from the last validation or save, as it sent them
  let issues = new WeakMap(); // node or edge object → its problems, so they follow a move
  let docIssues = []; // problems about the name, the facts, the root or the node list
  let taken = null; // the path of the last evaluation
  let jsonError = ""; // why the JSON text does not parse; "" when it does
  let acts = null; // the activities, once loaded
  const stash = new WeakMap(); // what a node or an edge had before its kind changed

  const structure = h("div", { id: "tree-structure" });
  const doc = h("textarea", { rows: 18, spellcheck: "false", id: "tree-doc" });
  const jsonNote = h("p", { class: "error", id: "tree-json-error", role: "alert", hidden: true });
  const drawing = h("div", { id: "tree-svg" });
  const problems = h("ul", { class: "problems error", id: "tree-problems" });
  const status = h("p", { class: "ok", role: "status", id: "tree-status" }, message || "");
  const form = h("div", { class: "card", id: "tree-form" },
    h("h3", {}, tree ? `${tree.name} — version ${tree.version} of ${tree.versions} (live ${tree.live_version ?? "none"})` : "New tree"),
    tree ? versionPicker(tree, open) : null,
    h("div", { class: "cols tree-cols" },
      h("div", {}, structure,
        h("details", { class: "json", id: "tree-json" }, h("summary", {}, "Advanced: JSON"),
          field("Document (JSON)", "document", doc, "The same document as the form above; a change in one shows in the other."), jsonNote),
        errorBox(), problems, status,
        h("button", { type: "button", id: "tree-validate", class: "secondary", onclick: () => send("validate") }, "Validate"),
        h("button", { type: "button", id: "tree-save", onclick: () => send("save") }, tree ? "Save new version" : "Create tree")),
      h("div", { class: "drawing" }, h("h3", {}, "Drawing"), drawing)));

  // sync follows a change made in the form: the JSON and the drawing show it.
  function sync() {
    doc.value = JSON.stringify(model, null, 2);
    jsonError = "";
    jsonNote.hidden = true;
    taken = null;
    markTaken();
    redraw();
  }
  // restructure follows a change that adds, removes or moves controls: the form is drawn
  // again and the focus put on the control named by key, or kept where it was.
  function restructure(...keys) {
    owed = false;
    sync();
    render(keys);
  }
  // A text field's change event fires when it loses focus, which a click elsewhere in the
  // form causes: drawing the form again at once would replace the button under the pointer
  // and lose the click, and during a Tab it would lose the focus. So such a change draws the
  // form after the event, and after the pointer is released.
  let owed = false, pressed = false;
  const flush = () => { if (owed && !pressed) { owed = false; render([]); } };
  function later() {
    sync();
    owed = true;
    setTimeout(flush, 0);
  }
  structure.addEventListener("pointerdown", () => { pressed = true; }, true);
  // The pointer may be released anywhere; the listener goes once this editor is replaced.
  const release = () => {
    if (!form.isConnected) { document.removeEventListener("pointerup", release, true); return; }
    setTimeout(() => { pressed = false; flush(); }, 0);
  };
  document.addEventListener("pointerup", release, true);
  structure.addEventListener("pointercancel", release, true);

  doc.addEventListener("input", () => {
    let d;
    jsonError = "";
    try { d = JSON.parse(doc.value); } catch (e) { jsonError = e.message; }
    if (!jsonError && !isObject(d)) jsonError = "the document must be a JSON object";
    if (jsonError) {
      jsonNote.textContent = `The JSON is not valid (${jsonError}). The form shows the last valid document; a change there replaces this text.`;
      jsonNote.hidden = false;
      return;
    }
    jsonNote.hidden = true;
    model = d;
    taken = null;
    place(raw);
    render([]);
    redraw();
  });

  const redraw = () => {
    const names = new Map((acts || []).map((a) => [a.id, a.name]));
    try { fill(drawing, drawTree(model, drawnProblems(), taken, names)); } catch { /* shown on validate */ }
  };

  // place ties each problem to the node or edge of the document it names, so that it stays
  // with that edge when edges are moved.
  function place(list) {
    raw = list;
    issues = new WeakMap();
    docIssues = [];
    const nodes = nodesIn(model);
    for (const p of list) {
      const m = /^nodes\[(\d+)\](?:\.edges\[(\d+)\])?(.*)$/.exec(p.field || "");
      const node = m ? nodes[Number(m[1])] : p.node ? nodes.find((n) => isObject(n) && n.id === p.node) : undefined;
      const j = m && m[2] !== undefined ? Number(m[2]) : p.edge;
      const edge = j !== undefined && j !== null ? edgesOf(node)[j] : undefined;
      const item = { ...p, at: m ? m[3] : "" };
      const target = isObject(edge) ? edge : isObject(node) ? node : null;
      if (target) issues.set(target, [...(issues.get(target) || []), item]);
      else docIssues.push(item);
    }
  }
  function drawnProblems() {
    const out = [];
    nodesIn(model).forEach((n) => {
      if (!isObject(n)) return;
      for (const p of issues.get(n) || []) out.push({ node: n.id, message: msg(p) });
      edgesOf(n).forEach((e, j) => {
        if (isObject(e)) for (const p of issues.get(e) || []) out.push({ node: n.id, edge: j, message: msg(p) });
      });
    });
    return out;
  }
  function markTaken() {
    const keys = new Set((taken || []).filter((s) => s.matched).map((s) => `${s.node}/${s.edge}`));
    structure.querySelectorAll(".edge-row").forEach((r) => r.classList.toggle("taken", keys.has(r.dataset.edge)));
  }

  // flag marks a control as invalid and returns the messages to put next to it, which the
  // control names as its description.
  let seq = 0;
  function flag(control, list) {
    if (!list.length) return null;
    const id = `tree-msg-${++seq}`;
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", id);
    return h("p", { class: "field-error", id }, list.map(msg).join(" "));
  }

  // render draws the form from model. Every control has a key (data-k) that names it across
  // renders, so the focus stays on the same control, or goes to the first of keys found.
  function render(keys) {
    const active = structure.contains(document.activeElement) ? document.activeElement.dataset.k : undefined;
    const shown = new Set();
    const docAt = (test) => docIssues.filter((p) => !shown.has(p) && test(p.field || "")).map((p) => { shown.add(p); return p; });
    const nodes = nodesIn(model);
    const ids = nodes.filter(isObject).map((n) => n.id).filter((id) => typeof id === "string" && id !== "");
    const facts = isObject(model.facts) ? model.facts : {};
    const known = { ...DERIVED, ...facts };

    // nodeOptions lists the nodes an edge or the root can lead to; a value that names no node
    // is kept and said to be missing, so nothing changes until the user picks another.
    const nodeOptions = (current, self, blank) => {
      const v = typeof current === "string" ? current : "";
      return [
        v === "" ? opt("", blank, v) : null,
        v !== "" && !ids.includes(v) ? opt(v, `${v} (no such node)`, v) : null,
        ids.filter((id) => id !== self || id === v).map((id) => opt(id, id, v)),
      ];
    };

    const name = h("input", { id: "tree-name", value: model.name ?? "", dataset: { k: "name" }, oninput: (ev) => { model.name = ev.target.value; sync(); } });
    const rootSel = h("select", { id: "tree-root", dataset: { k: "root" }, onchange: (ev) => { model.root = ev.target.value; restructure(); } },
      nodeOptions(model.root, null, "— choose the first node —"));
    const nameField = field("Name", "name", name);
    nameField.append(flag(name, docAt((f) => f === "name")) || "");
    const rootField = field("Starts at (root node)", "root", rootSel, "Every evaluation starts here.");
    rootField.append(flag(rootSel, docAt((f) => f === "root")) || "");

    const factRows = Object.keys(facts).map((fact, k) => {
      const nameIn = h("input", {
        class: "fact-name", value: fact, "aria-label": `Name of fact ${k + 1}`, spellcheck: "false", dataset: { k: `f${k}-name` },
        onchange: (ev) => renameFact(fact, ev.target.value.trim(), ev.target),
      });
      const type = h("select", {
        class: "fact-type", "aria-label": `Type of fact ${fact}`, dataset: { k: `f${k}-type` },
        onchange: (ev) => { model.facts[fact] = ev.target.value; restructure(); },
      }, FACT_TYPES.includes(facts[fact]) ? null : opt(facts[fact], `${facts[fact]} (unknown type)`, facts[fact]),
      FACT_TYPES.map((t) => opt(t, t, facts[fact])));
      return h("li", { class: "fact-row", dataset: { fact } }, h("div", { class: "fact-line" }, nameIn, type,
        h("button", {
          type: "button", class: "secondary remove", "aria-label": `Remove fact ${fact}`, dataset: { k: `f${k}-remove` },
          onclick: () => { delete model.facts[fact]; restructure("add-fact"); },
        }, "Remove")), flag(nameIn, docAt((f) => f === `facts.${fact}`)));
    });

    fill(structure,
      docIssues.length ? h("p", { class: "field-error", id: "tree-doc-issues" }) : null,
      h("div", { class: "row" }, nameField, rootField),
      h("fieldset", { class: "facts", dataset: { field: "facts" } }, h("legend", {}, "Facts"),
        h("p", { class: "hint" }, "What conditions can test about a user. now (time) and registered_days (int) are always there."),
        h("ul", { class: "fact-list" }, factRows),
        h("p", { class: "field-error", hidden: true, id: "tree-fact-note" }),
        docAt((f) => f === "facts" || f.startsWith("facts.")).map((p) => h("p", { class: "field-error" }, msg(p))),
        h("button", { type: "button", class: "secondary", id: "tree-add-fact", dataset: { k: "add-fact" }, onclick: addFact }, "Add fact")),
      h("h4", {}, "Nodes"),
      h("p", { class: "hint" }, "A node either branches — its edges are tried in order and the first whose condition holds is followed — or ends with a result: the activity the user is sent to."),
      docAt((f) => f === "nodes").map((p) => h("p", { class: "field-error" }, msg(p))),
      nodes.map((n, i) => nodeCard(n, i)),
      h("button", { type: "button", class: "secondary", id: "tree-add-node", dataset: { k: "add-node" }, onclick: addNode }, "Add node"));
    const rest = docIssues.filter((p) => !shown.has(p));
    const top = structure.querySelector("#tree-doc-issues");
    if (rest.length) top.textContent = rest.map((p) => (p.field ? `${p.field}: ` : "") + msg(p)).join(" ");
    else top?.remove();
    markTaken();
    for (const k of [...keys, active]) {
      const el = k && structure.querySelector(`[data-k="${CSS.escape(k)}"]`);
      if (el && !el.disabled) { el.focus(); break; }
    }

    function nodeCard(n, i) {
      if (!isObject(n)) return h("p", { class: "field-error" }, `Node ${i + 1} is not an object; correct it in the JSON below.`);
      const label = n.id || `#${i + 1}`;
      const own = issues.get(n) || [];
      const idIn = h("input", {
        class: "node-id", value: n.id ?? "", spellcheck: "false", dataset: { k: `n${i}-id` },
        onchange: (ev) => renameNode(n, ev.target.value.trim()),
      });
      const kind = h("select", { class: "node-kind", dataset: { k: `n${i}-kind` }, onchange: (ev) => setKind(n, i, ev.target.value) },
        opt("branch", "Branches on edges", isLeaf(n) ? "leaf" : "branch"),
        opt("leaf", "Ends with a result", isLeaf(n) ? "leaf" : "branch"));
      const idField = field("Id", `nodes[${i}].id`, idIn);
      const body = [];
      if (isLeaf(n)) {
        const leaf = h("select", { class: "node-leaf", dataset: { k: `n${i}-leaf` }, onchange: (ev) => { n.leaf = ev.target.value; sync(); } },
          leafOptions(n.leaf));
        const f = field("Result: the activity", `nodes[${i}].leaf`, leaf);
        f.append(flag(leaf, own.filter((p) => p.at === ".leaf")) || "");
        body.push(f);
      } else {
        body.push(h("ol", { class: "edges", "aria-label": `Edges of node ${label}, tried in order` }, edgesOf(n).map((e, j) => edgeRow(n, i, e, j, label))),
          h("button", {
            type: "button", class: "secondary add-edge", "aria-label": `Add edge to node ${label}`, dataset: { k: `n${i}-add-edge` },
            onclick: () => addEdge(n, i),
          }, "Add edge"));
        if (n.leaf !== undefined) body.push(h("p", { class: "field-error" }, `This node also has a result (${n.leaf}); a node either branches or ends.`));
      }
      const nodeMsgs = own.filter((p) => p.at !== ".leaf" || !isLeaf(n));
      if (nodeMsgs.length) idIn.setAttribute("aria-invalid", "true");
      return h("fieldset", { class: "node" + (nodeMsgs.length ? " bad" : ""), dataset: { node: n.id ?? "", nodeIndex: i } },
        h("legend", {}, `Node ${label}`, model.root === n.id && n.id ? h("span", { class: "badge" }, "start") : null),
        h("div", { class: "node-head" }, idField, field("Kind", `nodes[${i}].kind`, kind),
          h("button", {
            type: "button", class: "secondary remove-node", "aria-label": `Remove node ${label}`, dataset: { k: `n${i}-remove` },
            onclick: () => { nodes.splice(i, 1); restructure("add-node"); },
          }, "Remove node")),
        nodeMsgs.map((p) => h("p", { class: "field-error" }, msg(p))),
        body);
    }

    function edgeRow(n, i, e, j, label) {
      const k = `n${i}e${j}`;
      if (!isObject(e)) return h("li", { class: "edge-row bad" }, h("p", { class: "field-error" }, `Edge ${j + 1} is not an object; correct it in the JSON below.`));
      const what = `edge ${j + 1} of node ${label}`;
      const list = issues.get(e) || [];
      const last = edgesOf(n).length - 1;
      const mode = modeOf(e);
      const modeSel = h("select", {
        class: "edge-mode", "aria-label": `Kind of condition of ${what}`, dataset: { k: `${k}-mode` },
        onchange: (ev) => setMode(e, ev.target.value, known),
      }, opt("expr", "If", mode), opt("compare", "If the fact", mode), opt("default", "Otherwise", mode));
      const at = (re) => list.filter((p) => re.test(p.at));
      let cond, flagged;
      if (mode === "expr") {
        cond = h("input", {
          class: "edge-cond", value: e.when, spellcheck: "false", placeholder: "e.g. age < 18 && level >= 3",
          "aria-label": `Condition of ${what}`, dataset: { k: `${k}-cond` },
          oninput: (ev) => { e.when = ev.target.value; sync(); },
        });
        flagged = flag(cond, at(/^(?!\.to$)/));
      } else if (mode === "compare") {
        const w = e.when;
        const type = known[w.fact];
        const factSel = h("select", {
          class: "edge-fact", "aria-label": `Fact tested by ${what}`, dataset: { k: `${k}-fact` },
          onchange: (ev) => {
            w.fact = ev.target.value;
            const t = known[w.fact];
            if (t && !OPS_FOR[t].includes(w.op)) w.op = OPS_FOR[t][0];
            w.value = readValue(showValue(w.value), t, w.op);
            restructure();
          },
        }, Object.keys(known).includes(w.fact) ? null : opt(w.fact ?? "", w.fact ? `${w.fact} (not declared)` : "— choose a fact —", w.fact ?? ""),
        Object.keys(known).map((f) => opt(f, f, w.fact)));
        const ops = OPS_FOR[type] || Object.keys(OPS);
        const value = h("input", {
          class: "edge-value", value: showValue(w.value), spellcheck: "false", "aria-label": `Value compared by ${what}`,
          placeholder: w.op === "between" ? "low, high" : LIST_OPS.has(w.op) ? "a, b, c" : "value", dataset: { k: `${k}-value` },
          oninput: (ev) => { w.value = readValue(ev.target.value, type, w.op); sync(); },
        });
        const opSel = h("select", {
          class: "edge-op", "aria-label": `Comparison of ${what}`, dataset: { k: `${k}-op` },
          onchange: (ev) => {
            w.op = ev.target.value;
            w.value = readValue(value.value, type, w.op);
            value.placeholder = w.op === "between" ? "low, high" : LIST_OPS.has(w.op) ? "a, b, c" : "value";
            sync();
          },
        }, ops.includes(w.op) ? null : opt(w.op ?? "", `${w.op} (not for this fact)`, w.op), ops.map((o) => opt(o, OPS[o], w.op)));
        cond = h("span", { class: "edge-compare" }, factSel, opSel, value);
        flagged = [flag(factSel, at(/^\.when\.fact$/)), flag(opSel, at(/^\.when\.op$/)), flag(value, at(/^(?!\.to$|\.when\.fact$|\.when\.op$)/))];
      } else {
        cond = h("span", { class: "muted edge-default" }, "(when no edge above matches)");
        flagged = flag(modeSel, at(/^(?!\.to$)/));
      }
      const to = h("select", {
        class: "edge-to", "aria-label": `Target of ${what}`, dataset: { k: `${k}-to` },
        onchange: (ev) => { e.to = ev.target.value; sync(); },
      }, nodeOptions(e.to, n.id, "— choose a node —"));
      const move = (d) => {
        const edges = n.edges;
        edges.splice(j + d, 0, ...edges.splice(j, 1));
        const m = `n${i}e${j + d}`;
        restructure(d < 0 ? `${m}-up` : `${m}-down`, d < 0 ? `${m}-down` : `${m}-up`);
      };
      return h("li", { class: "edge-row" + (list.length ? " bad" : ""), dataset: { edge: `${n.id}/${j}` } },
        h("div", { class: "edge-line" }, modeSel, cond, h("span", { class: "arrow", "aria-hidden": "true" }, "→"), to,
          h("span", { class: "edge-actions" },
            h("button", { type: "button", class: "secondary up", "aria-label": `Move ${what} up`, disabled: j === 0, dataset: { k: `${k}-up` }, onclick: () => move(-1) }, "↑ Up"),
            h("button", { type: "button", class: "secondary down", "aria-label": `Move ${what} down`, disabled: j === last, dataset: { k: `${k}-down` }, onclick: () => move(1) }, "↓ Down"),
            h("button", {
              type: "button", class: "secondary remove", "aria-label": `Remove ${what}`, dataset: { k: `${k}-remove` },
              onclick: () => { n.edges.splice(j, 1); restructure(`n${i}-add-edge`); },
            }, "Remove"))),
        flagged, flag(to, at(/^\.to$/)));
    }
  }

  function leafOptions(v) {
    const value = typeof v === "string" ? v : "";
    const list = acts || [];
    return [
      opt("", "— choose an activity —", value),
      value !== "" && !list.some((a) => a.id === value) ? opt(value, acts ? `${value} (not among the activities)` : value, value) : null,
      list.map((a) => opt(a.id, `${a.name} (${a.state})`, value)),
    ];
  }
  activities.then((list) => {
    acts = list;
    structure.querySelectorAll("select.node-leaf").forEach((s) => { const v = s.value; fill(s, leafOptions(v)); s.value = v; });
    redraw();
  });

  function renameNode(n, id) {
    const old = n.id;
    if (id === old) return;
    n.id = id;
    if (old && id) {
      if (model.root === old) model.root = id;
      for (const m of nodesIn(model)) for (const e of edgesOf(m)) if (isObject(e) && e.to === old) e.to = id;
    }
    later();
  }
  function renameFact(old, name, input) {
    const note = structure.querySelector("#tree-fact-note");
    if (name === old) return;
    if (!name || Object.hasOwn(model.facts, name)) {
      note.textContent = name ? `There is already a fact named ${name}.` : "A fact needs a name.";
      note.hidden = false;
      input.value = old;
      return;
    }
    note.hidden = true;
    model.facts = Object.fromEntries(Object.entries(model.facts).map(([k, t]) => [k === old ? name : k, t]));
    for (const m of nodesIn(model)) for (const e of edgesOf(m)) if (isObject(e) && isObject(e.when) && e.when.fact === old) e.when.fact = name;
    later();
  }
  function addFact() {
    if (!isObject(model.facts)) model.facts = {};
    const name = unique("fact", new Set(Object.keys(model.facts)));
    model.facts[name] = "int";
    restructure(`f${Object.keys(model.facts).length - 1}-name`);
  }
  function addNode() {
    if (!Array.isArray(model.nodes)) model.nodes = [];
    const id = unique("n", new Set(model.nodes.filter(isObject).map((n) => n.id)));
    model.nodes.push({ id, leaf: "" });
    if (!model.root) model.root = id;
    restructure(`n${model.nodes.length - 1}-id`);
  }
  function setKind(n, i, kind) {
    const before = stash.get(n) || {};
    if (kind === "leaf") {
      stash.set(n, { ...before, edges: n.edges });
      delete n.edges;
      n.leaf = before.leaf ?? "";
    } else {
      stash.set(n, { ...before, leaf: n.leaf });
      delete n.leaf;
      n.edges = before.edges ?? [];
    }
    restructure(`n${i}-kind`);
  }
  // addEdge adds an edge just before the node's default edge, which must stay last.
  function addEdge(n, i) {
    if (!Array.isArray(n.edges)) n.edges = [];
    const last = n.edges[n.edges.length - 1];
    const at = isObject(last) && modeOf(last) === "default" ? n.edges.length - 1 : n.edges.length;
    n.edges.splice(at, 0, { when: "", to: "" });
    restructure(`n${i}e${at}-cond`);
  }
  function setMode(e, mode, known) {
    const before = stash.get(e) || {};
    const was = e.when;
    if (typeof was === "string") before.expr = was;
    else if (isObject(was)) before.compare = was;
    stash.set(e, before);
    if (mode === "default") delete e.when;
    else if (mode === "expr") e.when = isObject(was) ? toExpr(was, known[was.fact]) : before.expr ?? "";
    else {
      const fact = Object.keys(known).find((f) => !DERIVED[f]) || "registered_days";
      e.when = before.compare ?? { fact, op: OPS_FOR[known[fact]]?.[0] || "eq", value: "" };
    }
    // "when" before "to", as people write it
    const to = e.to;
    delete e.to;
    e.to = to;
    restructure();
  }

  function showProblems(list) {
    place(list);
    fill(problems, ...list.map((p) => h("li", {},
      [p.node && `node ${p.node}`, p.edge != null && `edge ${p.edge}`, p.field, p.line && `line ${p.line}`, p.column && `column ${p.column}`].filter(Boolean).join(", ") + ": " + p.message)));
    render([]);
    redraw();
  }
  async function send(kind) {
    if (jsonError) {
      showError(form, { message: "The JSON under Advanced is not valid: " + jsonError, code: "malformed", problems: [] });
      return;
    }
    status.textContent = "";
    try {
      if (kind === "validate") {
        await api("POST", "/admin/rule-trees/validate", model);
        status.textContent = "The document is valid.";
      } else {
        const t = tree ? await api("PUT", "/admin/rule-trees/" + tree.id, model) : await api("POST", "/admin/rule-trees", model);
        saved(t, "#tree-save", `Saved version ${t.version}.`);
        return;
      }
      clearErrors(form);
      showProblems([]);
    } catch (e) {
      // Problems are shown at their edges, listed under the document and drawn on the tree,
      // not repeated above.
      showError(form, { message: e.message, code: e.code, problems: [] });
      showProblems(e.problems || []);
    }
  }

  doc.value = JSON.stringify(model, null, 2);
  render([]);
  redraw();
  if (tree) form.append(publishPanel(tree, saved), tryPanel(tree, (path) => { taken = path; markTaken(); redraw(); }));
  return form;
}

// versionPicker opens another saved version; saving any of them makes a new latest version.
function versionPicker(tree, open) {
  const sel = h("select", { id: "tree-version", onchange: () => open(tree.id, Number(sel.value), "#tree-version") },
    Array.from({ length: tree.versions }, (_, k) => tree.versions - k).map((v) => h("option", { value: v, selected: v === tree.version },
      `Version ${v}` + (v === tree.live_version ? " (live)" : "") + (v === tree.versions ? " (latest)" : ""))));
  const note = tree.version === tree.versions
    ? `Saving makes version ${tree.versions + 1}; the live version stays until one is published.`
    : `This is an older version; saving makes version ${tree.versions + 1} from it.`;
  return h("div", { class: "row" }, field("Open version", "version", sel, note));
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
        const v = Number(version.value);
        await api("POST", `/admin/rule-trees/${tree.id}/publish`, { version: v, default: def.checked });
        saved(await api("GET", `/admin/rule-trees/${tree.id}`), "#tree-publish", `Version ${v} is live.`);
      } catch (e) { showError(box, e); }
    },
  }, "Publish"));
  return box;
}

// factValue reads a try-it input as the fact's type; undefined leaves the fact out.
function factValue(text, type) {
  const t = text.trim();
  if (t === "") return undefined;
  if (type === "int" || type === "float") return Number.isFinite(Number(t)) ? Number(t) : t;
  if (type === "bool") return t === "true";
  if (type === "[]string") return t.split(",").map((s) => s.trim()).filter(Boolean);
  return t;
}

// tryPanel evaluates a saved version with facts typed one per field, or as JSON under
// "Advanced"; the two stay in step.
function tryPanel(tree, highlight) {
  const declared = isObject(tree.document.facts) ? tree.document.facts : {};
  const facts = h("textarea", { rows: 4, id: "try-facts", spellcheck: "false" });
  facts.value = "{}";
  const inputs = Object.entries(declared).map(([name, type]) => {
    const el = type === "bool"
      ? h("select", {}, opt("", "(not given)", ""), opt("true", "true", ""), opt("false", "false", ""))
      : h("input", {
        type: type === "int" || type === "float" ? "number" : "text", step: type === "float" ? "any" : undefined,
        placeholder: type === "[]string" ? "a, b, c" : type === "time" ? "2026-03-01T10:00:00+08:00" : undefined,
      });
    el.id = `try-fact-${name}`;
    el.dataset.fact = name;
    el.dataset.type = type;
    el.addEventListener("input", toJSON);
    el.addEventListener("change", toJSON);
    return field(`${name} (${type})`, `facts.${name}`, el);
  });
  function toJSON() {
    let f = {};
    try { const d = JSON.parse(facts.value); if (isObject(d)) f = d; } catch { /* replaced */ }
    for (const el of inputs.map((x) => x.querySelector("[data-fact]"))) {
      const v = factValue(el.value, el.dataset.type);
      if (v === undefined) delete f[el.dataset.fact]; else f[el.dataset.fact] = v;
    }
    facts.value = JSON.stringify(f, null, 1);
  }
  facts.addEventListener("input", () => {
    let d;
    try { d = JSON.parse(facts.value); } catch { return; }
    if (!isObject(d)) return;
    for (const el of inputs.map((x) => x.querySelector("[data-fact]"))) el.value = d[el.dataset.fact] === undefined || d[el.dataset.fact] === null ? "" : showValue(d[el.dataset.fact]);
  });
  const version = h("input", { type: "number", min: 1, placeholder: "live", id: "try-version" });
  const out = h("div", { id: "try-result", role: "status" });
  const box = h("section", { id: "try-panel" }, h("h3", {}, "Try it"),
    inputs.length ? h("div", { class: "row" }, inputs) : h("p", { class: "muted" }, "This version declares no facts."),
    h("details", { class: "json" }, h("summary", {}, "Advanced: facts as JSON"), field("Facts (JSON)", "facts", facts)),
    field("Version (empty: live)", "version", version), errorBox());
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
  return `${w.fact} ${OPS[w.op] || w.op} ${Array.isArray(w.value) ? w.value.map((v) => JSON.stringify(v)).join(w.op === "between" ? " and " : ", ") : JSON.stringify(w.value)}`;
}

// drawTree lays the nodes out in levels by distance from the root and marks the nodes and
// edges that have problems or that an evaluation took. Each edge is labelled with its place
// in its node's order and its condition; a result shows its activity's name when known.
function drawTree(d, problems, path, names = new Map()) {
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
