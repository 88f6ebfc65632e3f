import { api, isAdmin } from "./api.js";
import { h, fill, field, errorBox, clearErrors, showError } from "./dom.js";
import { isObject, opt, showValue } from "./treedoc.js";

// The parts of the editor for a saved tree: its version picker, publishing and trying it.

// versionPicker opens another saved version; saving any of them makes a new latest version.
export function versionPicker(tree, open) {
  const sel = h("select", { id: "tree-version", onchange: () => open(tree.id, Number(sel.value), "#tree-version") },
    Array.from({ length: tree.versions }, (_, k) => tree.versions - k).map((v) => h("option", { value: v, selected: v === tree.version },
      `Version ${v}` + (v === tree.live_version ? " (live)" : "") + (v === tree.versions ? " (latest)" : ""))));
  const note = tree.version === tree.versions
    ? `Saving makes version ${tree.versions + 1}; the live version stays until one is published.`
    : `This is an older version; saving makes version ${tree.versions + 1} from it.`;
  return h("div", { class: "row" }, field("Open version", "version", sel, note));
}

export function publishPanel(tree, saved) {
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
  // Withdrawing is undone by publishing again, so it asks no confirmation.
  if (tree.live_version) {
    box.append(" ", h("button", {
      type: "button", id: "tree-withdraw", class: "secondary", onclick: async () => {
        try {
          await api("POST", `/admin/rule-trees/${tree.id}/publish`, { withdraw: true });
          saved(await api("GET", `/admin/rule-trees/${tree.id}`), "#tree-withdraw", "Withdrawn: the tree routes nobody.");
        } catch (e) { showError(box, e); }
      },
    }, "Withdraw"));
  }
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
export function tryPanel(tree, highlight) {
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
          h("ol", {}, r.path.map((s) => h("li", { class: s.matched ? "ok" : "muted" }, `${s.node} edge ${s.edge}: ${s.condition || "default"} → ${s.matched ? "taken" : "not taken"}` + (s.missing ? ` (fact ${s.missing} missing)` : "") + (s.error ? ` (${s.error})` : "")))));
        highlight(r.path);
      } catch (e) { showError(box, e); highlight(null); }
    },
  }, "Evaluate"), out);
  return box;
}
