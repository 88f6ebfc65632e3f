import { api, download, isAdmin } from "./api.js";
import { h, fill, field, showError, clearErrors, errorBox, fmtTime } from "./dom.js";

// choice is a select of values with "any" (no filter) first.
const choice = (values) => h("select", {}, ["", ...values].map((v) => h("option", { value: v }, v || "any")));

// ordersView is the support desk: find orders by activity, user, outcome, grant state,
// award kind and draw time, read why a grant failed, download them as CSV, and (admins)
// send a failed grant again once its cause is fixed, one by one or an activity's at once.
export function ordersView(root) {
  const activity = h("input", { inputmode: "numeric", placeholder: "any" });
  const user = h("input", { placeholder: "any" });
  const outcome = choice(["win", "lose"]);
  const state = choice(["failed", "pending", "awaiting_address", "granted", "none"]);
  const kind = choice(["text", "coupon", "redeem_code", "points", "physical"]);
  const after = h("input", { type: "datetime-local" });
  const before = h("input", { type: "datetime-local" });
  // The time fields are this browser's local time, not the activity's zone: say which.
  const localZone = "your time (" + Intl.DateTimeFormat().resolvedOptions().timeZone + ")";
  const list = h("div", { class: "table-wrap", id: "orders-list" });
  const more = h("button", { type: "button", class: "secondary", id: "orders-more", hidden: true }, "Load more");
  const saved = h("span", { class: "ok", role: "status", id: "orders-saved" });
  const bulk = bulkRetry(() => load(false));
  const form = h("form", { class: "card", id: "orders-filter" }, h("h3", {}, "Find orders"),
    h("div", { class: "filters" }, field("Activity id", "activity_id", activity), field("User id", "user_id", user),
      field("Outcome", "outcome", outcome), field("Grant state", "grant_state", state), field("Award kind", "award_kind", kind),
      field("Drawn from", "drawn_after", after, localZone), field("Drawn before", "drawn_before", before, localZone)),
    errorBox(), h("button", { type: "submit" }, "Search"), " ",
    h("button", { type: "button", class: "secondary", id: "orders-export", onclick: () => exportCSV() }, "Download CSV"), " ", saved);
  root.append(h("h2", {}, "Orders"), form, h("div", { class: "card" }, bulk.el, list, more));

  const filters = () => {
    const q = new URLSearchParams();
    for (const [k, el] of [["activity_id", activity], ["user_id", user], ["outcome", outcome], ["grant_state", state], ["award_kind", kind]]) {
      if (el.value.trim()) q.set(k, el.value.trim());
    }
    // datetime-local is the browser's local time; the API takes an instant.
    for (const [k, el] of [["drawn_after", after], ["drawn_before", before]]) {
      if (el.value) q.set(k, new Date(el.value).toISOString().replace(/\.\d+Z$/, "Z"));
    }
    return q;
  };
  // exportCSV saves every order the filters select (the activity or the user must be named).
  async function exportCSV() {
    clearErrors(form);
    saved.textContent = "";
    try {
      // With a byte order mark, Excel reads the names as UTF-8.
      const file = await download("/admin/orders/export?" + filters() + "&bom=true");
      const a = h("a", { href: URL.createObjectURL(file.blob), download: file.name });
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      // An export stops at orders that may still be on their way to the database.
      const until = file.headers.get("X-Drawn-Before");
      saved.textContent = "Saved " + file.name +
        (until ? ": orders drawn before " + new Date(until).toLocaleString() + "; later ones come with the next export" : "");
    } catch (e) {
      showError(form, e);
    }
  }
  let cursor = "";
  let searched = null; // the filters of the list shown, which "Load more" continues
  let rows = null;
  let latest = 0; // the newest search: an older answer arriving later is dropped
  async function load(next) {
    const mine = ++latest;
    list.setAttribute("aria-busy", "true");
    clearErrors(form);
    const q = next ? new URLSearchParams(searched) : filters();
    q.set("limit", "50");
    if (next) q.set("cursor", cursor);
    try {
      const page = await api("GET", "/admin/orders?" + q);
      if (mine !== latest) return;
      if (!next) {
        searched = q;
        bulk.offer(q);
        rows = h("tbody");
        fill(list, h("table", { id: "orders-table" }, h("thead", {}, h("tr", {},
          ["Order", "User", "Outcome", "Grant", "Drawn"].map((t) => h("th", {}, t)))), rows));
      }
      rows.append(...page.items.map(orderRow));
      if (!rows.children.length) fill(list, h("p", { class: "muted" }, "No orders match."));
      cursor = page.next_cursor || "";
      more.hidden = !cursor;
    } catch (e) {
      if (mine === latest) showError(form, e);
    } finally {
      if (mine === latest) list.removeAttribute("aria-busy");
    }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(false); });
  more.addEventListener("click", () => load(true));
  load(false);
}

// bulkRetry offers admins, above a list of one activity's failed grants, to send them
// again at once (up to 500 a press; it says when more remain); reload shows the list after.
function bulkRetry(reload) {
  const out = h("span", { class: "ok", role: "status", id: "orders-retried" });
  const el = h("div", { class: "retry", id: "orders-bulk", hidden: true }, errorBox(), out);
  let query = null;
  el.prepend(h("button", { type: "button", class: "secondary", id: "orders-retry-all", onclick: async (ev) => {
    ev.target.disabled = true;
    clearErrors(el);
    out.textContent = "";
    try {
      const r = await api("POST", "/admin/orders/retry-grants?" + query);
      out.textContent = `Sent ${r.reopened} grant${r.reopened === 1 ? "" : "s"} again` +
        (r.more ? "; more failed grants remain: press again" : "") + ".";
      await reload();
    } catch (e) {
      showError(el, e);
    } finally {
      ev.target.disabled = false;
    }
  } }, "Send these failed grants again"));
  // offer shows the button for a search of one activity's failed grants (of wins).
  const offer = (searched) => {
    const q = new URLSearchParams(searched);
    q.delete("cursor");
    q.set("limit", "500");
    const fits = isAdmin() && q.get("activity_id") && q.get("grant_state") === "failed" && ["", "win"].includes(q.get("outcome") || "");
    if (String(q) !== String(query)) out.textContent = "";
    query = fits ? q : null;
    el.hidden = !fits;
  };
  return { el, offer };
}

function orderRow(o) {
  const row = h("tr", { dataset: { id: o.order_id } });
  const render = (o) => { row.dataset.state = o.grant_state; fill(row,
    h("td", {}, o.order_id, h("br"), h("span", { class: "muted" }, "activity " + o.activity_id)),
    h("td", {}, o.user_id),
    h("td", {}, o.outcome, o.award ? [h("br"), h("span", { class: "muted" }, `${o.award.name} (${o.award.kind})`)] : null),
    h("td", { class: "grant" }, h("span", { class: "badge grant-state" }, o.grant_state),
      o.grant_error ? h("p", { class: "error grant-error" }, o.grant_error) : null,
      o.award && o.award.content ? h("p", { class: "muted" }, Object.entries(o.award.content).map(([k, v]) => `${k}: ${v}`).join(" · ")) : null,
      o.grant_state === "pending" ? pendingNote(o, render) : null,
      o.retries && o.retries.length ? h("details", { class: "retries" }, h("summary", {}, `sent again ${o.retries.length}×`),
        h("ul", {}, o.retries.map((r) => h("li", {}, `${fmtTime(r.at)} by ${r.by}, after: ${r.previous_error}`)))) : null,
      o.grant_state === "failed" && isAdmin() ? retryButton(o, render) : null),
    h("td", { class: "muted" }, fmtTime(o.created_at))); };
  render(o);
  return row;
}

// pendingNote tells how a pending grant's delivery goes: its attempts, why the last failed,
// when it is tried again and when it gives up, as the order's detail has them; the list
// has not, so a button asks for them.
function pendingNote(o, render) {
  if (o.delivery) {
    const d = o.delivery;
    // A grant held back (its merchant paused) has a last error and no attempt.
    const tried = d.attempts ? `${d.attempts} attempt${d.attempts > 1 ? "s" : ""} failed`
      : d.last_error ? "not tried yet" : "no attempt failed yet";
    return h("p", { class: "muted delivery" }, `on its way: ${tried}`,
      d.last_error ? `, last: ${d.last_error}` : "", d.next_attempt_at ? `; next try ${fmtTime(d.next_attempt_at)}` : "",
      d.gives_up_at ? `; gives up ${fmtTime(d.gives_up_at)}` : "");
  }
  const wrap = h("div", { class: "retry" }, h("span", { class: "muted" }, "on its way "), errorBox());
  wrap.children[0].after(h("button", { type: "button", class: "secondary delivery-check", "aria-label": `How the grant of order ${o.order_id} goes`,
    onclick: async (ev) => {
      ev.target.disabled = true;
      clearErrors(wrap);
      try {
        render(await api("GET", `/admin/orders/${o.order_id}`));
      } catch (e) {
        ev.target.disabled = false;
        showError(wrap, e);
      }
    } }, "How is it going?"));
  return wrap;
}

// retryButton sends a failed grant again and shows how it went in the row.
function retryButton(o, render) {
  const out = h("span", { role: "status" });
  const wrap = h("div", { class: "retry" }, errorBox(), out);
  wrap.prepend(h("button", { type: "button", class: "secondary retry-grant", "aria-label": `Send the grant of order ${o.order_id} again`, onclick: async (ev) => {
    ev.target.disabled = true;
    clearErrors(wrap);
    try {
      const after = await api("POST", `/admin/orders/${o.order_id}/retry-grant`);
      render(after);
    } catch (e) {
      ev.target.disabled = false;
      showError(wrap, e);
    }
  } }, "Send again"));
  return wrap;
}
