import { h, fill, field } from "./dom.js";
import {
  FACT_TYPES, DERIVED, OPS, OPS_FOR, LIST_OPS, isObject, nodesIn, edgesOf, isLeaf, modeOf, msg, opt, showValue, readValue,
  renameNode, renameFact, addFact, addNode, setKind, addEdge, setMode,
} from "./treedoc.js";

// treeForm is the structured editor of a document: its name, root, facts, nodes and edges.
// ed is what it shares with the rest of the tree editor: the document (model), the problems
// placed on its nodes and edges (issues) or on the rest of it (docIssues), the path of the
// last evaluation (taken) and the activities once loaded (acts). sync is called after every
// change the form makes, so that the JSON and the drawing show it.
export function treeForm(ed, sync) {
  const structure = h("div", { id: "tree-structure" });
  const stash = new WeakMap(); // what a node or an edge had before its kind changed

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
    if (!structure.isConnected) { document.removeEventListener("pointerup", release, true); return; }
    setTimeout(() => { pressed = false; flush(); }, 0);
  };
  document.addEventListener("pointerup", release, true);
  structure.addEventListener("pointercancel", release, true);

  function markTaken() {
    const keys = new Set((ed.taken || []).filter((s) => s.matched).map((s) => `${s.node}/${s.edge}`));
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

  // render draws the form from the document. Every control has a key (data-k) that names it
  // across renders, so the focus stays on the same control, or goes to the first of keys found.
  function render(keys) {
    const active = structure.contains(document.activeElement) ? document.activeElement.dataset.k : undefined;
    const shown = new Set();
    const docAt = (test) => ed.docIssues.filter((p) => !shown.has(p) && test(p.field || "")).map((p) => { shown.add(p); return p; });
    const nodes = nodesIn(ed.model);
    const ids = nodes.filter(isObject).map((n) => n.id).filter((id) => typeof id === "string" && id !== "");
    const facts = isObject(ed.model.facts) ? ed.model.facts : {};
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

    const name = h("input", { id: "tree-name", value: ed.model.name ?? "", dataset: { k: "name" }, oninput: (ev) => { ed.model.name = ev.target.value; sync(); } });
    const rootSel = h("select", { id: "tree-root", dataset: { k: "root" }, onchange: (ev) => { ed.model.root = ev.target.value; restructure(); } },
      nodeOptions(ed.model.root, null, "— choose the first node —"));
    const nameField = field("Name", "name", name);
    nameField.append(flag(name, docAt((f) => f === "name")) || "");
    const rootField = field("Starts at (root node)", "root", rootSel, "Every evaluation starts here.");
    rootField.append(flag(rootSel, docAt((f) => f === "root")) || "");

    const factRows = Object.keys(facts).map((fact, k) => {
      const nameIn = h("input", {
        class: "fact-name", value: fact, "aria-label": `Name of fact ${k + 1}`, spellcheck: "false", dataset: { k: `f${k}-name` },
        onchange: (ev) => renameFactTo(fact, ev.target.value.trim(), ev.target),
      });
      const type = h("select", {
        class: "fact-type", "aria-label": `Type of fact ${fact}`, dataset: { k: `f${k}-type` },
        onchange: (ev) => { ed.model.facts[fact] = ev.target.value; restructure(); },
      }, FACT_TYPES.includes(facts[fact]) ? null : opt(facts[fact], `${facts[fact]} (unknown type)`, facts[fact]),
      FACT_TYPES.map((t) => opt(t, t, facts[fact])));
      return h("li", { class: "fact-row", dataset: { fact } }, h("div", { class: "fact-line" }, nameIn, type,
        h("button", {
          type: "button", class: "secondary remove", "aria-label": `Remove fact ${fact}`, dataset: { k: `f${k}-remove` },
          onclick: () => { delete ed.model.facts[fact]; restructure("add-fact"); },
        }, "Remove")), flag(nameIn, docAt((f) => f === `facts.${fact}`)));
    });

    fill(structure,
      ed.docIssues.length ? h("p", { class: "field-error", id: "tree-doc-issues" }) : null,
      h("div", { class: "row" }, nameField, rootField),
      h("fieldset", { class: "facts", dataset: { field: "facts" } }, h("legend", {}, "Facts"),
        h("p", { class: "hint" }, "What conditions can test about a user. now (time) and registered_days (int) are always there."),
        h("ul", { class: "fact-list" }, factRows),
        h("p", { class: "field-error", hidden: true, id: "tree-fact-note" }),
        docAt((f) => f === "facts" || f.startsWith("facts.")).map((p) => h("p", { class: "field-error" }, msg(p))),
        h("button", {
          type: "button", class: "secondary", id: "tree-add-fact", dataset: { k: "add-fact" },
          onclick: () => { addFact(ed.model); restructure(`f${Object.keys(ed.model.facts).length - 1}-name`); },
        }, "Add fact")),
      h("h4", {}, "Nodes"),
      h("p", { class: "hint" }, "A node either branches — its edges are tried in order and the first whose condition holds is followed — or ends with a result: the activity the user is sent to."),
      docAt((f) => f === "nodes").map((p) => h("p", { class: "field-error" }, msg(p))),
      nodes.map((n, i) => nodeCard(n, i)),
      h("button", {
        type: "button", class: "secondary", id: "tree-add-node", dataset: { k: "add-node" },
        onclick: () => { addNode(ed.model); restructure(`n${ed.model.nodes.length - 1}-id`); },
      }, "Add node"));
    const rest = ed.docIssues.filter((p) => !shown.has(p));
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
      const own = ed.issues.get(n) || [];
      const idIn = h("input", {
        class: "node-id", value: n.id ?? "", spellcheck: "false", dataset: { k: `n${i}-id` },
        onchange: (ev) => { if (renameNode(ed.model, n, ev.target.value.trim())) later(); },
      });
      const kind = h("select", {
        class: "node-kind", dataset: { k: `n${i}-kind` },
        onchange: (ev) => { setKind(stash, n, ev.target.value); restructure(`n${i}-kind`); },
      },
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
            onclick: () => restructure(`n${i}e${addEdge(n)}-cond`),
          }, "Add edge"));
        if (n.leaf !== undefined) body.push(h("p", { class: "field-error" }, `This node also has a result (${n.leaf}); a node either branches or ends.`));
      }
      const nodeMsgs = own.filter((p) => p.at !== ".leaf" || !isLeaf(n));
      if (nodeMsgs.length) idIn.setAttribute("aria-invalid", "true");
      return h("fieldset", { class: "node" + (nodeMsgs.length ? " bad" : ""), dataset: { node: n.id ?? "", nodeIndex: i } },
        h("legend", {}, `Node ${label}`, ed.model.root === n.id && n.id ? h("span", { class: "badge" }, "start") : null),
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
      const list = ed.issues.get(e) || [];
      const last = edgesOf(n).length - 1;
      const mode = modeOf(e);
      const modeSel = h("select", {
        class: "edge-mode", "aria-label": `Kind of condition of ${what}`, dataset: { k: `${k}-mode` },
        onchange: (ev) => { setMode(stash, e, ev.target.value, known); restructure(); },
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
    const list = ed.acts || [];
    return [
      opt("", "— choose an activity —", value),
      value !== "" && !list.some((a) => a.id === value) ? opt(value, ed.acts ? `${value} (not among the activities)` : value, value) : null,
      list.map((a) => opt(a.id, `${a.name} (${a.state})`, value)),
    ];
  }

  function renameFactTo(old, name, input) {
    const note = structure.querySelector("#tree-fact-note");
    if (name === old) return;
    if (!name || Object.hasOwn(ed.model.facts, name)) {
      note.textContent = name ? `There is already a fact named ${name}.` : "A fact needs a name.";
      note.hidden = false;
      input.value = old;
      return;
    }
    note.hidden = true;
    renameFact(ed.model, old, name);
    later();
  }

  return {
    el: structure, render, markTaken,
    // showActivities offers the activities, once loaded, as results; what is chosen stays.
    showActivities() {
      structure.querySelectorAll("select.node-leaf").forEach((s) => { const v = s.value; fill(s, leafOptions(v)); s.value = v; });
    },
  };
}
