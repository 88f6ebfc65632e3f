import { api } from "./api.js";
import { h, fill, field, errorBox, clearErrors, showError } from "./dom.js";
import { isObject, nodesIn, edgesOf, msg } from "./treedoc.js";
import { treeForm } from "./treeform.js";
import { drawTree } from "./treedraw.js";
import { versionPicker, publishPanel, tryPanel } from "./treepanels.js";

// A new tree starts from this: a root with one condition and a default edge, and two results
// whose activities are still to be chosen.
const TEMPLATE = {
  name: "new-router", facts: { age: "int", level: "int" }, root: "n1",
  nodes: [
    { id: "n1", edges: [{ when: "age < 18", to: "kids" }, { to: "general" }] },
    { id: "kids", leaf: "" }, { id: "general", leaf: "" },
  ],
};

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

// treeEditor edits one document: a form of its name, facts, nodes and edges, the same
// document as JSON under "Advanced", and the drawing, all kept in step. ed.model is the
// document; the form and the JSON both change it, and each change redraws the drawing.
function treeEditor(tree, { saved, open, activities, message }) {
  const ed = {
    model: structuredClone(tree ? tree.document : TEMPLATE),
    issues: new WeakMap(), // node or edge object → its problems, so they follow a move
    docIssues: [], // problems about the name, the facts, the root or the node list
    taken: null, // the path of the last evaluation
    acts: null, // the activities, once loaded
  };
  let raw = []; // the server's problems from the last validation or save, as it sent them
  let jsonError = ""; // why the JSON text does not parse; "" when it does

  const structured = treeForm(ed, sync);
  const doc = h("textarea", { rows: 18, spellcheck: "false", id: "tree-doc" });
  const jsonNote = h("p", { class: "error", id: "tree-json-error", role: "alert", hidden: true });
  const drawing = h("div", { id: "tree-svg" });
  const problems = h("ul", { class: "problems error", id: "tree-problems" });
  const status = h("p", { class: "ok", role: "status", id: "tree-status" }, message || "");
  const form = h("div", { class: "card", id: "tree-form" },
    h("h3", {}, tree ? `${tree.name} — version ${tree.version} of ${tree.versions} (live ${tree.live_version ?? "none"})` : "New tree"),
    tree ? versionPicker(tree, open) : null,
    h("div", { class: "cols tree-cols" },
      h("div", {}, structured.el,
        h("details", { class: "json", id: "tree-json" }, h("summary", {}, "Advanced: JSON"),
          field("Document (JSON)", "document", doc, "The same document as the form above; a change in one shows in the other."), jsonNote),
        errorBox(), problems, status,
        h("button", { type: "button", id: "tree-validate", class: "secondary", onclick: () => send("validate") }, "Validate"),
        h("button", { type: "button", id: "tree-save", onclick: () => send("save") }, tree ? "Save new version" : "Create tree")),
      h("div", { class: "drawing" }, h("h3", {}, "Drawing"), drawing)));

  // sync follows a change made in the form: the JSON and the drawing show it.
  function sync() {
    doc.value = JSON.stringify(ed.model, null, 2);
    jsonError = "";
    jsonNote.hidden = true;
    ed.taken = null;
    structured.markTaken();
    redraw();
  }

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
    ed.model = d;
    ed.taken = null;
    place(raw);
    structured.render([]);
    redraw();
  });

  const redraw = () => {
    const names = new Map((ed.acts || []).map((a) => [a.id, a.name]));
    try { fill(drawing, drawTree(ed.model, drawnProblems(), ed.taken, names)); } catch { /* shown on validate */ }
  };

  // place ties each problem to the node or edge of the document it names, so that it stays
  // with that edge when edges are moved.
  function place(list) {
    raw = list;
    ed.issues = new WeakMap();
    ed.docIssues = [];
    const nodes = nodesIn(ed.model);
    for (const p of list) {
      const m = /^nodes\[(\d+)\](?:\.edges\[(\d+)\])?(.*)$/.exec(p.field || "");
      const node = m ? nodes[Number(m[1])] : p.node ? nodes.find((n) => isObject(n) && n.id === p.node) : undefined;
      const j = m && m[2] !== undefined ? Number(m[2]) : p.edge;
      const edge = j !== undefined && j !== null ? edgesOf(node)[j] : undefined;
      const item = { ...p, at: m ? m[3] : "" };
      const target = isObject(edge) ? edge : isObject(node) ? node : null;
      if (target) ed.issues.set(target, [...(ed.issues.get(target) || []), item]);
      else ed.docIssues.push(item);
    }
  }
  function drawnProblems() {
    const out = [];
    nodesIn(ed.model).forEach((n) => {
      if (!isObject(n)) return;
      for (const p of ed.issues.get(n) || []) out.push({ node: n.id, message: msg(p) });
      edgesOf(n).forEach((e, j) => {
        if (isObject(e)) for (const p of ed.issues.get(e) || []) out.push({ node: n.id, edge: j, message: msg(p) });
      });
    });
    return out;
  }

  activities.then((list) => {
    ed.acts = list;
    structured.showActivities();
    redraw();
  });

  function showProblems(list) {
    place(list);
    fill(problems, ...list.map((p) => h("li", {},
      [p.node && `node ${p.node}`, p.edge != null && `edge ${p.edge}`, p.field, p.line && `line ${p.line}`, p.column && `column ${p.column}`].filter(Boolean).join(", ") + ": " + p.message)));
    structured.render([]);
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
        await api("POST", "/admin/rule-trees/validate", ed.model);
        status.textContent = "The document is valid.";
      } else {
        const t = tree ? await api("PUT", "/admin/rule-trees/" + tree.id, ed.model) : await api("POST", "/admin/rule-trees", ed.model);
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

  doc.value = JSON.stringify(ed.model, null, 2);
  structured.render([]);
  redraw();
  if (tree) form.append(publishPanel(tree, saved), tryPanel(tree, (path) => { ed.taken = path; structured.markTaken(); redraw(); }));
  return form;
}
