import { h } from "./dom.js";

// The rule-tree document as the console sees it: the rules package's vocabulary, reading
// a document that may be half written, and the edits the structured form makes to it.

export const FACT_TYPES = ["int", "float", "string", "bool", "time", "[]string"];
// Facts every tree has without declaring them (the rules package derives them).
export const DERIVED = { now: "time", registered_days: "int" };
// The structured operators in words, and those that apply to each fact type, as the rules
// package has them.
export const OPS = {
  eq: "is", ne: "is not", gt: "is more than", gte: "is at least", lt: "is less than", lte: "is at most",
  in: "is one of", not_in: "is none of", contains: "contains", between: "is between",
};
const ORDERED = ["eq", "ne", "gt", "gte", "lt", "lte"];
export const OPS_FOR = {
  int: [...ORDERED, "in", "not_in", "between"], float: [...ORDERED, "in", "not_in", "between"],
  time: [...ORDERED, "between"], string: ["eq", "ne", "in", "not_in", "contains"], bool: ["eq", "ne"],
  "[]string": ["contains"],
};
export const LIST_OPS = new Set(["in", "not_in", "between"]);

export const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
export const nodesIn = (d) => (Array.isArray(d.nodes) ? d.nodes : []);
export const edgesOf = (n) => (isObject(n) && Array.isArray(n.edges) ? n.edges : []);
export const isLeaf = (n) => n.leaf !== undefined && !edgesOf(n).length;
export const modeOf = (e) => (e.when === undefined || e.when === null ? "default" : isObject(e.when) ? "compare" : "expr");
export const msg = (p) => p.message + (p.line ? ` (line ${p.line}, column ${p.column})` : "");
export const opt = (value, text, current) => h("option", { value, selected: value === current }, text);

function unique(prefix, used) {
  let k = 1;
  while (used.has(prefix + k)) k++;
  return prefix + k;
}

// showValue and readValue turn a structured condition's value into the text of its input
// and back: lists are comma separated, numbers and booleans follow the fact's type.
export function showValue(v) {
  if (Array.isArray(v)) return v.map(String).join(", ");
  return v === undefined || v === null ? "" : String(v);
}
export function readValue(text, type, op) {
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

// renameNode gives node n a new id; the root and the edges that led to the old id follow it.
// It reports whether anything changed.
export function renameNode(d, n, id) {
  const old = n.id;
  if (id === old) return false;
  n.id = id;
  if (old && id) {
    if (d.root === old) d.root = id;
    for (const m of nodesIn(d)) for (const e of edgesOf(m)) if (isObject(e) && e.to === old) e.to = id;
  }
  return true;
}
// renameFact renames a declared fact, keeping its place, and the conditions that test it.
export function renameFact(d, old, name) {
  d.facts = Object.fromEntries(Object.entries(d.facts).map(([k, t]) => [k === old ? name : k, t]));
  for (const m of nodesIn(d)) for (const e of edgesOf(m)) if (isObject(e) && isObject(e.when) && e.when.fact === old) e.when.fact = name;
}
export function addFact(d) {
  if (!isObject(d.facts)) d.facts = {};
  const name = unique("fact", new Set(Object.keys(d.facts)));
  d.facts[name] = "int";
}
export function addNode(d) {
  if (!Array.isArray(d.nodes)) d.nodes = [];
  const id = unique("n", new Set(d.nodes.filter(isObject).map((n) => n.id)));
  d.nodes.push({ id, leaf: "" });
  if (!d.root) d.root = id;
}
// setKind turns a node into a leaf or a branch; stash keeps what it had before, so turning
// it back restores its edges or its result.
export function setKind(stash, n, kind) {
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
}
// addEdge adds an edge just before the node's default edge, which must stay last, and
// returns its index.
export function addEdge(n) {
  if (!Array.isArray(n.edges)) n.edges = [];
  const last = n.edges[n.edges.length - 1];
  const at = isObject(last) && modeOf(last) === "default" ? n.edges.length - 1 : n.edges.length;
  n.edges.splice(at, 0, { when: "", to: "" });
  return at;
}
// setMode switches an edge's condition between an expression, a structured comparison and
// none (the default edge); known maps each fact to its type.
export function setMode(stash, e, mode, known) {
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
}
