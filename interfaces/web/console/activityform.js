import { api } from "./api.js";
import { h, field, showError, clearErrors, errorBox, zoneKnown, wallClock, fmtWall, zonedTime, offsetText } from "./dom.js";

// pctToDecimal turns a percentage typed by a person into the API's decimal string without
// floating point: "1.5" → "0.015". It returns null for anything that is not a number.
export function pctToDecimal(s) {
  const m = String(s).trim().match(/^(\d*)(?:\.(\d*))?$/);
  if (!m || (m[1] === "" && !m[2])) return null;
  const digits = (m[1] || "0") + (m[2] || "");
  const pos = (m[1] || "0").length - 2;
  return tidy(pos <= 0 ? "0." + "0".repeat(-pos) + digits : digits.slice(0, pos) + "." + digits.slice(pos));
}

// decimalToPct is the inverse, for filling the form from a stored activity: "0.015" → "1.5".
export function decimalToPct(s) {
  const [whole, frac = ""] = String(s).split(".");
  const f = frac.padEnd(2, "0");
  return tidy(whole + f.slice(0, 2) + "." + f.slice(2));
}

function tidy(s) {
  let out = s.replace(/^0+(?=\d)/, "");
  if (out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return out || "0";
}

const num = (el) => (el.value.trim() === "" ? undefined : Number(el.value));
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const WINDOW = [["begin_at", "Begins"], ["end_at", "Ends"]];

// activityForm creates activities and, through the returned edit(a), changes a draft or
// rejected one with PUT. awards is a promise of the award list for the prize pickers.
export function activityForm(card, awards, saved) {
  const f = {
    name: h("input", { required: true }),
    // Wall-clock times in the activity's time zone, to the second (to the millisecond when
    // the stored time has some).
    begin_at: h("input", { type: "datetime-local", step: 1 }),
    end_at: h("input", { type: "datetime-local", step: 1 }),
    time_zone: h("input", { spellcheck: "false", autocomplete: "off" }),
    stock: h("input", { type: "number", min: 0 }),
    per_user_total: h("input", { type: "number", min: 1 }),
    per_user_daily: h("input", { type: "number", min: 1 }),
    mode: h("select", {}, h("option", { value: "fixed" }, "fixed"), h("option", { value: "renormalize" }, "renormalize")),
  };
  const prizes = h("div", { id: "prizes" });
  const sum = h("p", { id: "odds-sum", role: "status" });
  const title = h("h3", {}, "New activity");
  const status = h("p", { class: "ok", role: "status" });
  const submit = h("button", { type: "submit" }, "Create activity");
  const cancel = h("button", { type: "button", class: "secondary", id: "activity-cancel", hidden: true, onclick: () => blank() }, "Cancel editing");
  const notes = { begin_at: h("span", { class: "zone-note" }), end_at: h("span", { class: "zone-note" }) };
  const fields = Object.fromEntries(WINDOW.map(([k, label]) => [k, field(label, k, f[k], notes[k])]));
  let list = [];
  let editing = null; // the activity being changed, or null for a new one
  let loaded = {}; // the time zone and, per time field, [value shown, time stored] as filled in
  const form = h("form", { class: "card", id: "activity-form" }, title,
    field("Name", "name", f.name),
    field("Time zone", "time_zone", f.time_zone, "IANA name, e.g. Asia/Shanghai: the window below and the daily limits are in this zone"),
    h("div", { class: "row window" }, fields.begin_at, fields.end_at),
    h("div", { class: "row" }, field("Total stock", "stock", f.stock), field("Per user, total", "limits.per_user_total", f.per_user_total),
      field("Per user, daily", "limits.per_user_daily", f.per_user_daily)),
    field("Mode", "strategy.mode", f.mode, "fixed: an empty prize loses; renormalize: it is drawn again among the rest"),
    h("div", { dataset: { field: "strategy.prizes" } }, h("h3", {}, "Prizes"), prizes, sum,
      h("button", { type: "button", class: "secondary", onclick: () => addPrize() }, "Add prize")),
    errorBox(), status, submit, cancel);
  card.append(form);

  // The window is read in the zone of the time zone field. A zone this browser does not know
  // falls back to UTC, and the labels say so (the server refuses an unknown zone on save).
  const zone = () => (zoneKnown(f.time_zone.value.trim()) ? f.time_zone.value.trim() : "UTC");
  // note says how a typed time is read: its offset from UTC, what was decided where the
  // clocks change (see zonedTime), and the time in this browser's zone when that differs.
  const note = (value) => {
    const z = zone();
    const t = zonedTime(value, z);
    if (!t) return "";
    return [
      t.skipped ? `the clocks skip this time in ${z}: it is read as ${fmtWall(t.at, z)}` : "UTC" + offsetText(t.offset),
      t.twice ? `it occurs twice in ${z}: this is the first` : "",
      browserZone && browserZone !== z ? `${fmtWall(t.at, browserZone)} your time (${browserZone})` : "",
    ].filter(Boolean).join(" · ");
  };
  // showZone names the zone in the labels; typed times stay as they are and mean the new zone.
  const showZone = () => {
    const tz = f.time_zone.value.trim();
    const where = zoneKnown(tz) ? `${tz} time`
      : `UTC: ${tz ? `“${tz}” is not a time zone this browser knows` : "no time zone given"}`;
    for (const [k, label] of WINDOW) {
      fields[k].querySelector("label").textContent = `${label} (${where})`;
      notes[k].textContent = note(f[k].value);
    }
  };
  for (const el of [f.time_zone, f.begin_at, f.end_at]) el.addEventListener("input", showZone);
  // at is a time field's value for the API: the stored time itself (to the microsecond) when
  // neither it nor the zone was changed, else the typed wall-clock time in the zone.
  const at = (k) => {
    const v = f[k].value;
    if (!v) return "";
    if (v === loaded[k][0] && f.time_zone.value.trim() === loaded.time_zone) return loaded[k][1];
    return zonedTime(v, zone())?.text ?? v;
  };

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

  // addPrize adds a prize row, filled from p when editing a stored prize.
  function addPrize(p = {}) {
    const path = `strategy.prizes[${prizes.children.length}]`;
    const award = h("select", { class: "award" }, list.map((a) => h("option", { value: a.id }, `${a.name} (${a.kind})`)));
    if (p.award_id && !list.some((a) => a.id === p.award_id)) award.append(h("option", { value: p.award_id }, "award " + p.award_id));
    if (p.award_id) award.value = p.award_id;
    const pct = h("input", { class: "pct", inputmode: "decimal", placeholder: "1.5" });
    const dec = h("span", { class: "muted dec" });
    const show = () => { const d = pctToDecimal(pct.value); dec.textContent = d === null ? "" : `= "${d}"`; updateSum(); };
    pct.addEventListener("input", show);
    const stock = h("input", { type: "number", min: 0, class: "pstock" });
    const quota = h("input", { type: "number", min: 1, class: "quota" });
    const even = h("input", { type: "checkbox", class: "even" });
    if (p.probability) pct.value = decimalToPct(p.probability);
    if (p.stock !== undefined) stock.value = p.stock;
    if (p.daily_quota) quota.value = p.daily_quota;
    even.checked = p.release?.plan === "even";
    // A plan the form cannot show (slots) goes back unchanged unless "even" replaces it.
    const kept = p.release && p.release.plan !== "even" ? p.release : null;
    const row = h("div", { class: "prize" },
      h("div", { class: "row" }, field("Award", path + ".award_id", award), field("Odds (%)", path + ".probability", pct, dec),
        field("Stock", path + ".stock", stock), field("Daily quota", path + ".daily_quota", quota)),
      h("label", { class: "check" }, even, "Release evenly over the window (plan “even”)"),
      kept ? h("p", { class: "hint" }, `Release plan “${kept.plan}” is kept as it is.`) : null,
      h("button", { type: "button", class: "secondary", onclick: () => { row.remove(); renumber(); updateSum(); } }, "Remove prize"));
    row.prize = () => {
      const out = { award_id: award.value, probability: pctToDecimal(pct.value) ?? pct.value, stock: num(stock) };
      if (num(quota) !== undefined) out.daily_quota = num(quota);
      if (even.checked) out.release = { plan: "even" };
      else if (kept) out.release = kept;
      return out;
    };
    prizes.append(row);
    show();
  }
  // Field paths follow the prizes' positions so 422 problems land on the right row.
  function renumber() {
    [...prizes.children].forEach((row, i) => row.querySelectorAll("[data-field]").forEach((el) => {
      el.dataset.field = el.dataset.field.replace(/prizes\[\d+\]/, `prizes[${i}]`);
    }));
  }

  // fillFrom puts an activity's values (or a new one's defaults) into the form.
  function fillFrom(a) {
    clearErrors(form);
    f.name.value = a.name;
    f.time_zone.value = a.time_zone;
    loaded = { time_zone: a.time_zone };
    for (const [k] of WINDOW) {
      const ms = Date.parse(a[k]);
      f[k].step = ms % 1000 ? 0.001 : 1;
      f[k].value = Number.isNaN(ms) ? "" : wallClock(ms, zone());
      loaded[k] = [f[k].value, a[k]]; // as the input holds it (it drops ":00" seconds)
    }
    f.stock.value = a.stock;
    f.per_user_total.value = a.limits.per_user_total ?? "";
    f.per_user_daily.value = a.limits.per_user_daily ?? "";
    f.mode.value = a.strategy.mode;
    prizes.replaceChildren();
    a.strategy.prizes.forEach((p) => addPrize(p));
    updateSum();
    showZone();
  }

  function blank() {
    editing = null;
    const now = Math.floor(Date.now() / 6e4) * 6e4;
    fillFrom({
      name: "", begin_at: new Date(now).toISOString(), end_at: new Date(now + 7 * 864e5).toISOString(), time_zone: browserZone || "UTC",
      stock: 1000, limits: {}, strategy: { mode: "fixed", prizes: list.length ? [{}] : [] },
    });
    title.textContent = "New activity";
    submit.textContent = "Create activity";
    cancel.hidden = true;
  }

  blank();
  // The first prize row waits for the awards to pick from; nothing typed meanwhile is lost.
  awards.then((items) => {
    list = items;
    if (!editing && !prizes.children.length) addPrize();
  }).catch((e) => showError(form, e));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.textContent = "";
    const body = {
      name: f.name.value.trim(), kind: editing ? editing.kind : "lottery",
      begin_at: at("begin_at"), end_at: at("end_at"),
      time_zone: f.time_zone.value.trim(), stock: num(f.stock),
      limits: { per_user_total: num(f.per_user_total), per_user_daily: num(f.per_user_daily) },
      strategy: { mode: f.mode.value, prizes: [...prizes.children].map((row) => row.prize()) },
    };
    const was = editing;
    if (was) body.version = was.version; // an edit made since is refused (409), not overwritten
    try {
      const a = was
        ? await api("PUT", "/admin/activities/" + was.id, body)
        : await api("POST", "/admin/activities", body);
      clearErrors(form);
      if (was) blank();
      status.textContent = `${was ? "Saved" : "Created"} “${a.name}” (${a.id}), state ${a.state}.`;
      saved(a);
    } catch (e) {
      if (was && e.code === "concurrent_change" && e.details.version) {
        // Changed since it was opened (an edit, or a move such as revoke): say so, keep what
        // was typed, and let a second Save, now informed, replace the current version.
        was.version = e.details.version;
        e.message += ". Save again to replace it with this form, or Cancel to see it as it is now.";
      }
      showError(form, e);
    }
  });

  return {
    edit(a) {
      fillFrom(a);
      editing = a;
      status.textContent = "";
      title.textContent = `Edit “${a.name}” (${a.state})`;
      submit.textContent = "Save changes";
      cancel.hidden = false;
      form.scrollIntoView({ block: "start" });
      f.name.focus();
    },
  };
}
