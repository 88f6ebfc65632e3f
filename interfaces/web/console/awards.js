import { api, apiAll } from "./api.js";
import { h, fill, field, showError, clearErrors, errorBox, fmtTime } from "./dom.js";

const contentFields = {
  text: [["Text shown to the winner", "text", "textarea"]],
  coupon: [["Webhook URL", "webhook_url", "url"], ["Template id", "template_id", "text"]],
  redeem_code: [],
  points: [["Points", "points", "number"]],
  physical: [["SKU", "sku", "text"]],
};

export function awardsView(root) {
  const list = h("div", { class: "table-wrap" });
  const form = awardForm(() => load());
  root.append(h("h2", {}, "Awards"), h("div", { class: "cols" },
    h("div", { class: "card" }, h("h3", {}, "Awards"),
      h("button", { type: "button", class: "secondary", id: "awards-refresh", onclick: () => load() }, "Refresh"), list),
    form.el));

  async function load() {
    fill(list, h("p", { class: "muted" }, "Loading…"));
    try {
      const page = await apiAll("/admin/awards");
      fill(list, h("table", { id: "awards-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Kind"), h("th", {}, "Id"))),
        // A redeem-code award gets a full-width row for its upload, readable on a phone too.
        h("tbody", {}, page.items.map((a) => [h("tr", { dataset: { id: a.id } },
          h("td", {}, a.name, h("br"), h("button", { type: "button", class: "secondary edit", "aria-label": `Edit ${a.name}`, onclick: () => form.edit(a) }, "Edit")),
          h("td", {}, h("span", { class: "badge" }, a.kind)),
          h("td", { class: "muted" }, a.id, h("br"), fmtTime(a.created_at))),
        a.kind === "redeem_code" ? h("tr", { class: "codes-row", dataset: { codesFor: a.id } }, h("td", { colspan: 3 }, codesUpload(a))) : null]))));
      if (!page.items.length) list.append(h("p", { class: "muted" }, "No awards yet."));
    } catch (e) {
      fill(list, h("p", { class: "error", role: "alert" }, e.message));
    }
  }
  load();
}

// awardForm creates awards and, through edit(a), changes one with PUT; an award's kind is
// fixed once it exists, so the kind picker is locked while editing.
function awardForm(done) {
  const name = h("input", { required: true, maxlength: 200 });
  const kind = h("select", {}, Object.keys(contentFields).map((k) => h("option", { value: k }, k)));
  const content = h("div");
  const inputs = {};
  const renderContent = () => {
    fill(content);
    for (const [label, key, type] of contentFields[kind.value]) {
      // A text award may hold line breaks, which an <input> would drop.
      inputs[key] = inputs[key] || (type === "textarea" ? h("textarea", { rows: 3 })
        : h("input", { type, min: type === "number" ? 1 : undefined }));
      content.append(field(label, "content." + key, inputs[key]));
    }
    if (kind.value === "redeem_code") content.append(h("p", { class: "hint" }, "Upload the codes from the list once the award exists."));
  };
  kind.addEventListener("change", renderContent);
  renderContent();
  const title = h("h3", {}, "New award");
  const status = h("p", { class: "ok", role: "status" });
  const submit = h("button", { type: "submit" }, "Create award");
  const cancel = h("button", { type: "button", class: "secondary", id: "award-cancel", hidden: true, onclick: () => blank() }, "Cancel editing");
  let editing = null; // the award being changed, or null for a new one
  const form = h("form", { class: "card", id: "award-form" }, title,
    field("Name", "name", name), field("Kind", "kind", kind), content, errorBox(), status, submit, cancel);

  function blank() {
    editing = null;
    clearErrors(form);
    name.value = "";
    Object.values(inputs).forEach((i) => { i.value = ""; });
    kind.selectedIndex = 0;
    kind.disabled = false;
    renderContent();
    title.textContent = "New award";
    submit.textContent = "Create award";
    cancel.hidden = true;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.textContent = "";
    const c = {};
    for (const [, key, type] of contentFields[kind.value]) {
      const v = inputs[key].value.trim();
      if (v !== "") c[key] = type === "number" ? Number(v) : v;
    }
    const body = { name: name.value.trim(), kind: kind.value, content: c };
    const was = editing;
    try {
      const a = was ? await api("PUT", "/admin/awards/" + was.id, body) : await api("POST", "/admin/awards", body);
      blank();
      status.textContent = `${was ? "Saved" : "Created"} “${a.name}” (${a.id}).`;
      done();
    } catch (e) {
      showError(form, e);
    }
  });

  return {
    el: form,
    edit(a) {
      blank();
      editing = a;
      status.textContent = "";
      name.value = a.name;
      kind.value = a.kind;
      kind.disabled = true;
      renderContent();
      for (const [, key] of contentFields[a.kind]) inputs[key].value = a.content[key] ?? "";
      title.textContent = `Edit “${a.name}” (${a.kind})`;
      submit.textContent = "Save changes";
      cancel.hidden = false;
      form.scrollIntoView({ block: "start" });
      name.focus();
    },
  };
}

function codesUpload(a) {
  const file = h("input", { type: "file", accept: ".csv,.txt,text/csv,text/plain" });
  const out = h("p", { role: "status" });
  const wrap = h("div", { class: "codes" }, field(`Codes file for ${a.name}`, "codes", file, "one code per line"), errorBox(), out);
  wrap.append(h("button", {
    type: "button", class: "secondary", "aria-label": `Upload codes for ${a.name}`, onclick: async () => {
      out.textContent = "";
      clearErrors(wrap);
      if (!file.files.length) { out.textContent = "Choose a file first."; out.className = "error"; return; }
      try {
        const text = await file.files[0].text();
        const r = await api("POST", `/admin/awards/${a.id}/codes`, text, "text/csv");
        out.textContent = `Added ${r.added}, duplicates ${r.duplicates}` +
          (r.in_other_awards ? `, held by another award ${r.in_other_awards}` : "") + ".";
        out.className = "ok codes-result";
      } catch (e) {
        showError(wrap, e);
      }
    },
  }, "Upload codes"));
  return wrap;
}
