import { api } from "./api.js";
import { h, fill, field, showError, clearErrors, errorBox, fmtTime } from "./dom.js";

const contentFields = {
  text: [["Text shown to the winner", "text", "text"]],
  coupon: [["Webhook URL", "webhook_url", "url"], ["Template id", "template_id", "text"]],
  redeem_code: [],
  points: [["Points", "points", "number"]],
  physical: [["SKU", "sku", "text"]],
};

export function awardsView(root) {
  const list = h("div", { class: "table-wrap" });
  root.append(h("h2", {}, "Awards"), h("div", { class: "cols" },
    h("div", { class: "card" }, h("h3", {}, "Awards"),
      h("button", { type: "button", class: "secondary", onclick: () => load() }, "Refresh"), list),
    createForm(() => load())));

  async function load() {
    fill(list, h("p", { class: "muted" }, "Loading…"));
    try {
      const page = await api("GET", "/admin/awards?limit=100");
      fill(list, h("table", { id: "awards-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Kind"), h("th", {}, "Id"), h("th", {}, "Codes"))),
        h("tbody", {}, page.items.map((a) => h("tr", { dataset: { id: a.id } },
          h("td", {}, a.name), h("td", {}, h("span", { class: "badge" }, a.kind)),
          h("td", { class: "muted" }, a.id, h("br"), fmtTime(a.created_at)),
          h("td", {}, a.kind === "redeem_code" ? codesUpload(a) : "—"))))));
      if (!page.items.length) list.append(h("p", { class: "muted" }, "No awards yet."));
    } catch (e) {
      fill(list, h("p", { class: "error", role: "alert" }, e.message));
    }
  }
  load();
}

function createForm(done) {
  const name = h("input", { required: true, maxlength: 200 });
  const kind = h("select", {}, Object.keys(contentFields).map((k) => h("option", { value: k }, k)));
  const content = h("div");
  const inputs = {};
  const renderContent = () => {
    fill(content);
    for (const [label, key, type] of contentFields[kind.value]) {
      inputs[key] = inputs[key] || h("input", { type, min: type === "number" ? 1 : undefined });
      content.append(field(label, "content." + key, inputs[key]));
    }
    if (kind.value === "redeem_code") content.append(h("p", { class: "hint" }, "Upload the codes from the list once the award exists."));
  };
  kind.addEventListener("change", renderContent);
  renderContent();
  const status = h("p", { class: "ok", role: "status" });
  const form = h("form", { class: "card", id: "award-form" }, h("h3", {}, "New award"),
    field("Name", "name", name), field("Kind", "kind", kind), content, errorBox(), status,
    h("button", { type: "submit" }, "Create award"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.textContent = "";
    const c = {};
    for (const [, key, type] of contentFields[kind.value]) {
      const v = inputs[key].value.trim();
      if (v !== "") c[key] = type === "number" ? Number(v) : v;
    }
    try {
      const a = await api("POST", "/admin/awards", { name: name.value.trim(), kind: kind.value, content: c });
      clearErrors(form);
      form.reset();
      renderContent();
      status.textContent = `Created “${a.name}” (${a.id}).`;
      done();
    } catch (e) {
      showError(form, e);
    }
  });
  return form;
}

function codesUpload(a) {
  const file = h("input", { type: "file", accept: ".csv,.txt,text/csv,text/plain", "aria-label": `Codes file for ${a.name}` });
  const out = h("span", { role: "status" });
  const wrap = h("div", { class: "codes" }, file, errorBox(), out);
  wrap.append(h("button", {
    type: "button", class: "secondary", onclick: async () => {
      out.textContent = "";
      if (!file.files.length) { out.textContent = "Choose a file first."; return; }
      try {
        const text = await file.files[0].text();
        const r = await api("POST", `/admin/awards/${a.id}/codes`, text, "text/csv");
        clearErrors(wrap);
        out.textContent = `Added ${r.added}, duplicates ${r.duplicates}.`;
        out.className = "ok codes-result";
      } catch (e) {
        showError(wrap, e);
      }
    },
  }, "Upload codes"));
  return wrap;
}
