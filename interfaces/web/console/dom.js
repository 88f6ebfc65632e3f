// Small DOM helpers shared by the views.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    // Styles go through the CSSOM: the console's Content-Security-Policy refuses style
    // attributes.
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  return add(el, ...children);
}

// add appends children, flattening arrays and skipping null, undefined and false.
export function add(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// fill replaces an element's children the way add appends them.
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, ...children);
}

let seq = 0;
// field builds a labelled input wrapped in an element that names its API field path, so a
// 422 problem can be shown right under it.
export function field(label, name, input, hint) {
  const id = input.id || `f${++seq}`;
  input.id = id;
  if (!input.name) input.name = name;
  return h("div", { class: "field", dataset: { field: name } },
    h("label", { for: id }, label), input, hint ? h("div", { class: "hint" }, hint) : null);
}

export function clearErrors(root) {
  root.querySelectorAll(".field-error.api").forEach((e) => e.remove());
  root.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  const box = root.querySelector(".form-error");
  if (box) { box.hidden = true; box.textContent = ""; }
}

// showError puts each problem next to the field it names (or the nearest enclosing one) and
// everything else in the form's error box. Nothing typed is touched.
export function showError(root, err) {
  clearErrors(root);
  const problems = err.problems || [];
  const rest = [];
  for (const p of problems) {
    const target = p.field && findField(root, p.field);
    if (!target) { rest.push(p.field ? `${p.field}: ${p.message}` : p.message); continue; }
    const input = target.querySelector("input, select, textarea");
    if (input) input.classList.add("invalid");
    target.append(h("p", { class: "field-error api", role: "alert" }, p.message));
  }
  const box = root.querySelector(".form-error");
  const text = [err.message + (err.code ? ` (${err.code})` : ""), ...rest].join(" — ");
  if (box) { box.textContent = text; box.hidden = false; }
}

function findField(root, path) {
  let p = path;
  while (p) {
    const el = root.querySelector(`[data-field="${CSS.escape(p)}"]`);
    if (el) return el;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut > 0 ? p.slice(0, cut) : "";
  }
  return null;
}

export function errorBox() { return h("p", { class: "form-error error", role: "alert", hidden: true }); }

export function fmtTime(s) { return s ? new Date(s).toLocaleString() : ""; }
