import { api, apiAll, isAdmin, subject } from "./api.js";
import { h, fill, field, showError, clearErrors, errorBox, zoneKnown, fmtWall } from "./dom.js";
import { activityForm, decimalToPct } from "./activityform.js";

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
// Approve and reject are for admins other than the activity's creator (separation of
// duties); the server refuses the rest with 403, which is shown at the action.
const ADMIN_ONLY = new Set(["approve", "reject"]);
const EDITABLE = new Set(["draft", "rejected"]); // PUT is refused in every other state
const awardNames = new Map(); // award id → name, for showing prizes by name
const awardLabel = (id) => awardNames.get(id) || "award " + id;

// fmtWindow shows an activity's window as wall-clock times in its own zone, naming the zone
// ("2026-11-11 00:00 – 2026-11-12 00:00 Asia/Shanghai"). A zone this browser does not know
// is shown in UTC, saying so.
function fmtWindow(a) {
  const z = zoneKnown(a.time_zone) ? a.time_zone : "UTC";
  return `${fmtWall(Date.parse(a.begin_at), z)} – ${fmtWall(Date.parse(a.end_at), z)} ${z}` +
    (z === a.time_zone ? "" : ` (time zone “${a.time_zone}” unknown to this browser)`);
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
  const awards = apiAll("/admin/awards").then((p) => {
    p.items.forEach((a) => awardNames.set(a.id, a.name));
    return p.items;
  });
  const form = activityForm(formCard, awards, (a) => { load(); open(a.id); });

  async function load() {
    try {
      const q = filter.value ? "&state=" + filter.value : "";
      const page = await api("GET", "/admin/activities?limit=100" + q);
      fill(list, h("table", { id: "activities-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "State"), h("th", {}, "Window"), h("th", {}, ""))),
        h("tbody", {}, page.items.map((a) => h("tr", { dataset: { id: a.id } },
          h("td", {}, a.name), h("td", {}, h("span", { class: "badge state" }, a.state)),
          h("td", { class: "muted window" }, fmtWindow(a)),
          h("td", {}, h("button", { type: "button", class: "secondary open", onclick: () => open(a.id) }, "Open")))))));
      if (!page.items.length) list.append(h("p", { class: "muted" }, "No activities."));
    } catch (e) {
      fill(list, h("p", { class: "error", role: "alert" }, e.message));
    }
  }

  const card = (a, shown = {}) => activityCard(a, {
    changed: () => { load(); open(a.id); },
    edit: () => form.edit(a),
    conflicted: (err, reasonText) => conflicted(a, err, reasonText),
  }, shown);

  async function open(id) {
    fill(detail, h("p", { class: "muted" }, "Loading…"));
    try {
      const a = await api("GET", "/admin/activities/" + id);
      fill(detail, card(a));
      detail.querySelector("h3").focus();
    } catch (e) {
      fill(detail, h("p", { class: "error", role: "alert" }, e.message));
    }
  }

  // conflicted: a transition of the activity shown as `before` was refused with 409, so the
  // card is stale (another admin, or the server's state timer, changed the activity). The
  // activity is loaded again and shown as it is now, with the actions legal now, the reason
  // typed kept, and a note next to the actions saying what happened. A failed reload
  // rejects, and the caller then shows the refusal itself at the action.
  async function conflicted(before, err, reasonText) {
    const a = await api("GET", "/admin/activities/" + before.id);
    if (detail.querySelector("#activity-card")?.dataset.id !== before.id) return; // the user moved on
    const notice = a.state !== before.state
      ? `This activity changed meanwhile: it is now ${a.state}.`
      : `This activity changed meanwhile; it is still ${a.state}. ${err.message} (${err.code})`;
    fill(detail, card(a, { reason: reasonText, notice }));
    detail.querySelector("#activity-changed").focus();
    load();
  }
  load();
}

// activityCard shows one activity with a button per action legal in its state. shown may
// carry the reason to put back in the reason field and a notice to show by the actions.
function activityCard(a, { changed, edit, conflicted }, shown = {}) {
  const reason = h("input", { id: "transition-reason", value: shown.reason || null });
  const notice = shown.notice
    ? h("p", { class: "notice", id: "activity-changed", role: "alert", tabindex: "-1" }, shown.notice)
    : null;
  const card = h("div", { class: "card", id: "activity-card", dataset: { state: a.state, id: a.id } },
    h("h3", { tabindex: "-1" }, a.name, " ", h("span", { class: "badge", id: "activity-state" }, a.state)),
    h("p", { class: "muted" }, `id ${a.id} · stock ${a.stock} · ${a.strategy.mode}`),
    h("p", { id: "activity-window" }, "Window: ", fmtWindow(a)),
    h("ul", {}, a.strategy.prizes.map((p) => h("li", {}, `${awardLabel(p.award_id)}: ${decimalToPct(p.probability)} % (“${p.probability}”), stock ${p.stock}` +
      (p.daily_quota ? `, ${p.daily_quota}/day` : "") + (p.release ? `, release ${p.release.plan}` : "")))));
  if (EDITABLE.has(a.state)) {
    card.append(h("button", { type: "button", class: "secondary", id: "activity-edit", onclick: edit }, "Edit"));
  }
  const own = !!a.created_by && a.created_by === subject();
  const mayReview = isAdmin() && !own;
  const actions = ACTIONS[a.state].filter((x) => !ADMIN_ONLY.has(x) || mayReview);
  const ownNote = isAdmin() && own && ACTIONS[a.state].some((x) => ADMIN_ONLY.has(x))
    ? h("p", { class: "muted", id: "review-note" }, "You created this activity: another admin must approve or reject it.")
    : null;
  if (actions.length) {
    const box = h("div", { class: "actions" }, field("Reason (optional)", "reason", reason), errorBox(), notice, ownNote);
    for (const act of actions) {
      box.append(h("button", {
        type: "button", class: act === "reject" || act === "close" || act === "revoke" ? "danger" : "", dataset: { action: act },
        onclick: async () => {
          try {
            // The version shown: an activity changed since is refused (409) and shown anew,
            // never approved unseen.
            const body = { action: act, version: a.version };
            if (reason.value.trim()) body.reason = reason.value.trim();
            await api("POST", `/admin/activities/${a.id}/transitions`, body);
            changed();
          } catch (e) {
            // 409: the activity is no longer as shown (illegal_transition, concurrent_change);
            // show it as it is now. Anything else, or a failed reload, is shown at the action.
            if (e.status === 409) {
              try { await conflicted(e, reason.value); return; } catch { /* show e below */ }
            }
            showError(box, e);
          }
        },
      }, act));
    }
    card.append(box);
  } else if (notice) {
    card.append(h("div", { class: "actions" }, notice)); // e.g. closed meanwhile: nothing left to do
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
              h("div", { class: "obs", style: { width: `${(p.observed_rate / max) * 100}%` } }),
              h("div", { class: "exp", style: { width: `${(p.expected_rate / max) * 100}%` } })))));
      } catch (e) { showError(box, e); }
    },
  }, "Run simulation"), out);
  return box;
}
