import { api, isAdmin } from "./api.js";
import { h, fill, field, showError, clearErrors, errorBox, fmtTime } from "./dom.js";

const STATES = ["draft", "pending_review", "rejected", "approved", "running", "paused", "closed"];
// The actions legal in each state; approve and reject are for admins only.
const ACTIONS = {
  draft: ["submit"],
  pending_review: ["approve", "reject", "revoke"],
  rejected: ["revoke"],
  approved: ["start", "close"],
  running: ["pause", "close"],
  paused: ["resume", "close"],
  closed: [],
};
const ADMIN_ONLY = new Set(["approve", "reject"]);
const awardNames = new Map(); // award id → name, for showing prizes by name
const awardLabel = (id) => awardNames.get(id) || "award " + id;

// pctToDecimal turns a percentage typed by a person into the API's decimal string without
// floating point: "1.5" → "0.015". It returns null for anything that is not a number.
export function pctToDecimal(s) {
  const m = String(s).trim().match(/^(\d*)(?:\.(\d*))?$/);
  if (!m || (m[1] === "" && !m[2])) return null;
  const digits = (m[1] || "0") + (m[2] || "");
  const pos = (m[1] || "0").length - 2;
  let out = pos <= 0 ? "0." + "0".repeat(-pos) + digits : digits.slice(0, pos) + "." + digits.slice(pos);
  out = out.replace(/^0+(?=\d)/, "");
  if (out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return out || "0";
}

export function activitiesView(root) {
  const filter = h("select", { id: "state-filter" }, h("option", { value: "" }, "all states"),
    STATES.map((s) => h("option", { value: s }, s)));
  const list = h("div", { class: "table-wrap" });
  const detail = h("div", { id: "activity-detail" });
  filter.addEventListener("change", () => load());
  const formCard = h("div");
  root.append(h("h2", {}, "Activities"), h("div", { class: "cols" },
    h("div", {}, h("div", { class: "card" }, h("h3", {}, "Activities"),
      h("div", { class: "row" }, field("State", "state", filter)),
      h("button", { type: "button", class: "secondary", onclick: () => load() }, "Refresh"), list), detail),
    formCard));
  activityForm(formCard, (a) => { load(); open(a.id); });

  async function load() {
    try {
      const q = filter.value ? "&state=" + filter.value : "";
      const page = await api("GET", "/admin/activities?limit=100" + q);
      fill(list, h("table", { id: "activities-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "State"), h("th", {}, "Window"), h("th", {}, ""))),
        h("tbody", {}, page.items.map((a) => h("tr", { dataset: { id: a.id } },
          h("td", {}, a.name), h("td", {}, h("span", { class: "badge state" }, a.state)),
          h("td", { class: "muted" }, fmtTime(a.begin_at), " – ", fmtTime(a.end_at)),
          h("td", {}, h("button", { type: "button", class: "secondary open", onclick: () => open(a.id) }, "Open")))))));
      if (!page.items.length) list.append(h("p", { class: "muted" }, "No activities."));
    } catch (e) {
      fill(list, h("p", { class: "error", role: "alert" }, e.message));
    }
  }

  async function open(id) {
    fill(detail, h("p", { class: "muted" }, "Loading…"));
    try {
      const a = await api("GET", "/admin/activities/" + id);
      fill(detail, activityCard(a, () => { load(); open(id); }));
      detail.querySelector("h3").focus();
    } catch (e) {
      fill(detail, h("p", { class: "error", role: "alert" }, e.message));
    }
  }
  load();
}

function activityCard(a, changed) {
  const reason = h("input", { id: "transition-reason" });
  const card = h("div", { class: "card", id: "activity-card", dataset: { state: a.state, id: a.id } },
    h("h3", { tabindex: "-1" }, a.name, " ", h("span", { class: "badge", id: "activity-state" }, a.state)),
    h("p", { class: "muted" }, `id ${a.id} · stock ${a.stock} · ${a.strategy.mode} · ${a.time_zone}`),
    h("ul", {}, a.strategy.prizes.map((p) => h("li", {}, `${awardLabel(p.award_id)}: ${(Number(p.probability) * 100).toPrecision(4).replace(/\.?0+$/, "")} % (“${p.probability}”), stock ${p.stock}` +
      (p.daily_quota ? `, ${p.daily_quota}/day` : "") + (p.release ? `, release ${p.release.plan}` : "")))));
  const actions = ACTIONS[a.state].filter((x) => !ADMIN_ONLY.has(x) || isAdmin());
  if (actions.length) {
    const box = h("div", { class: "actions" }, field("Reason (optional)", "reason", reason), errorBox());
    for (const act of actions) {
      box.append(h("button", {
        type: "button", class: act === "reject" || act === "close" || act === "revoke" ? "danger" : "", dataset: { action: act },
        onclick: async () => {
          try {
            const body = { action: act };
            if (reason.value.trim()) body.reason = reason.value.trim();
            await api("POST", `/admin/activities/${a.id}/transitions`, body);
            changed();
          } catch (e) { showError(box, e); }
        },
      }, act));
    }
    card.append(box);
  }
  card.append(statsPanel(a), simulatePanel(a));
  return card;
}

function statsPanel(a) {
  const out = h("div", { class: "table-wrap" });
  const load = async () => {
    try {
      const s = await api("GET", `/admin/activities/${a.id}/stats`);
      fill(out, h("p", {}, `Draws ${s.draws} · stock left ${s.stock_left} of ${s.stock}`),
        h("table", { id: "stats-table" }, h("thead", {}, h("tr", {}, h("th", {}, "Award"), h("th", {}, "Wins"), h("th", {}, "Stock left"))),
          h("tbody", {}, s.prizes.map((p) => h("tr", {}, h("td", {}, awardLabel(p.award_id)), h("td", {}, p.wins), h("td", {}, `${p.stock_left} / ${p.stock}`))))),
        s.live ? h("p", { class: "muted" }, `Live counter: ${s.live.stock_left} left, drift ${s.live.drift}`) : null,
        s.live_error ? h("p", { class: "error" }, s.live_error) : null);
    } catch (e) { fill(out, h("p", { class: "error", role: "alert" }, e.message)); }
  };
  load();
  return h("section", {}, h("h3", {}, "Stats"), h("button", { type: "button", class: "secondary", onclick: load }, "Refresh stats"), out);
}

function simulatePanel(a) {
  const draws = h("input", { type: "number", min: 1, value: 100000 });
  const out = h("div", { class: "bars", id: "simulation" });
  const box = h("section", {}, h("h3", {}, "Simulate"), field("Draws", "draws", draws), errorBox());
  box.append(h("button", {
    type: "button", class: "secondary", id: "simulate-run", onclick: async () => {
      try {
        const r = await api("POST", `/admin/activities/${a.id}/simulate`, { draws: Number(draws.value) });
        clearErrors(box);
        const rows = [...r.prizes.map((p) => [awardLabel(p.award_id), p]), ["no prize", r.no_prize]];
        const max = Math.max(...rows.map(([, p]) => Math.max(p.observed_rate, p.expected_rate)), 1e-9);
        fill(out, h("p", {}, `${r.draws} draws · p-value ${Number(r.p_value).toFixed(4)}` +
          (r.chi_square != null ? ` · χ² ${r.chi_square.toFixed(3)} (df ${r.df})` : "")),
          h("p", { class: "muted" }, "Blue: observed · grey: expected"),
          rows.map(([label, p]) => h("div", { class: "bar" }, h("span", {}, label),
            h("div", { class: "track", title: `observed ${p.observed} (${(p.observed_rate * 100).toFixed(3)} %), expected ${p.expected.toFixed(1)} (${(p.expected_rate * 100).toFixed(3)} %)` },
              h("div", { class: "obs", style: `width:${(p.observed_rate / max) * 100}%` }),
              h("div", { class: "exp", style: `width:${(p.expected_rate / max) * 100}%` })))));
      } catch (e) { showError(box, e); }
    },
  }, "Run simulation"), out);
  return box;
}

function localInput(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function activityForm(card, created) {
  const now = new Date();
  const f = {
    name: h("input", { required: true }),
    begin_at: h("input", { type: "datetime-local", value: localInput(now) }),
    end_at: h("input", { type: "datetime-local", value: localInput(new Date(now.getTime() + 7 * 864e5)) }),
    time_zone: h("input", { value: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" }),
    stock: h("input", { type: "number", min: 0, value: 1000 }),
    per_user_total: h("input", { type: "number", min: 1 }),
    per_user_daily: h("input", { type: "number", min: 1 }),
    mode: h("select", {}, h("option", { value: "fixed" }, "fixed"), h("option", { value: "renormalize" }, "renormalize")),
  };
  const prizes = h("div", { id: "prizes" });
  const sum = h("p", { id: "odds-sum", role: "status" });
  let awards = [];
  const form = h("form", { class: "card", id: "activity-form" }, h("h3", {}, "New activity"),
    field("Name", "name", f.name),
    h("div", { class: "row" }, field("Begins", "begin_at", f.begin_at), field("Ends", "end_at", f.end_at)),
    field("Time zone", "time_zone", f.time_zone),
    h("div", { class: "row" }, field("Total stock", "stock", f.stock), field("Per user, total", "limits.per_user_total", f.per_user_total),
      field("Per user, daily", "limits.per_user_daily", f.per_user_daily)),
    field("Mode", "strategy.mode", f.mode, "fixed: an empty prize loses; renormalize: it is drawn again among the rest"),
    h("div", { dataset: { field: "strategy.prizes" } }, h("h3", {}, "Prizes"), prizes, sum,
      h("button", { type: "button", class: "secondary", onclick: () => addPrize() }, "Add prize")),
    errorBox(), h("p", { class: "ok", role: "status" }),
    h("button", { type: "submit" }, "Create activity"));
  card.append(form);

  const updateSum = () => {
    let total = 0;
    let bad = false;
    prizes.querySelectorAll(".pct").forEach((i) => {
      if (i.value.trim() === "") return;
      const d = pctToDecimal(i.value);
      if (d === null) bad = true; else total += Number(d);
    });
    sum.textContent = `Sum of odds: ${(total * 100).toFixed(4).replace(/\.?0+$/, "")} %` + (total > 1 ? " — above 100 %!" : "") + (bad ? " (some values are not numbers)" : "");
    sum.className = total > 1 || bad ? "error" : "muted";
  };

  function addPrize() {
    const i = prizes.children.length;
    const path = `strategy.prizes[${i}]`;
    const award = h("select", { class: "award" }, awards.map((a) => h("option", { value: a.id }, `${a.name} (${a.kind})`)));
    const pct = h("input", { class: "pct", inputmode: "decimal", placeholder: "1.5" });
    const dec = h("span", { class: "muted dec" });
    pct.addEventListener("input", () => { const d = pctToDecimal(pct.value); dec.textContent = d === null ? "" : `= "${d}"`; updateSum(); });
    const row = h("div", { class: "prize" },
      h("div", { class: "row" }, field("Award", path + ".award_id", award),
        h("div", { class: "field", dataset: { field: path + ".probability" } }, h("label", { for: `pct${i}` }, "Odds (%)"), pct, dec),
        field("Stock", path + ".stock", h("input", { type: "number", min: 0, class: "pstock" })),
        field("Daily quota", path + ".daily_quota", h("input", { type: "number", min: 1, class: "quota" }))),
      h("label", { class: "check" }, h("input", { type: "checkbox", class: "even" }), "Release evenly over the window (plan “even”)"),
      h("button", { type: "button", class: "secondary", onclick: () => { row.remove(); renumber(); updateSum(); } }, "Remove prize"));
    pct.id = `pct${i}`;
    prizes.append(row);
    updateSum();
  }
  // Field paths follow the prizes' positions so 422 problems land on the right row.
  function renumber() {
    [...prizes.children].forEach((row, i) => row.querySelectorAll("[data-field]").forEach((el) => {
      el.dataset.field = el.dataset.field.replace(/prizes\[\d+\]/, `prizes[${i}]`);
    }));
  }

  api("GET", "/admin/awards?limit=100").then((p) => { awards = p.items; awards.forEach((a) => awardNames.set(a.id, a.name)); addPrize(); }).catch((e) => showError(form, e));

  const num = (el) => (el.value.trim() === "" ? undefined : Number(el.value));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = form.querySelector(".ok");
    status.textContent = "";
    const body = {
      name: f.name.value.trim(), kind: "lottery",
      begin_at: f.begin_at.value ? new Date(f.begin_at.value).toISOString() : "",
      end_at: f.end_at.value ? new Date(f.end_at.value).toISOString() : "",
      time_zone: f.time_zone.value.trim(), stock: num(f.stock),
      limits: { per_user_total: num(f.per_user_total), per_user_daily: num(f.per_user_daily) },
      strategy: {
        mode: f.mode.value, prizes: [...prizes.children].map((row) => {
          const pct = row.querySelector(".pct").value;
          const p = { award_id: row.querySelector(".award").value, probability: pctToDecimal(pct) ?? pct, stock: num(row.querySelector(".pstock")) };
          const q = num(row.querySelector(".quota"));
          if (q !== undefined) p.daily_quota = q;
          if (row.querySelector(".even").checked) p.release = { plan: "even" };
          return p;
        }),
      },
    };
    try {
      const a = await api("POST", "/admin/activities", body);
      clearErrors(form);
      status.textContent = `Created “${a.name}” (${a.id}), state ${a.state}.`;
      created(a);
    } catch (e) {
      showError(form, e);
    }
  });
}
