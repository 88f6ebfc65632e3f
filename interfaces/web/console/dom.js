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

// Wall-clock time in an IANA time zone, converted with Intl only. Wall-clock values are
// written as <input type="datetime-local"> writes them: "2026-11-11T00:00[:00[.000]]".

// zoneKnown tells whether this browser can convert times in the zone tz.
export function zoneKnown(tz) {
  if (!tz) return false;
  try { new Intl.DateTimeFormat("en-US", { timeZone: tz }); return true; } catch { return false; }
}

const pad = (n, w = 2) => String(n).padStart(w, "0");
const partsFormats = new Map(); // time zone → formatter, built once each

// wallParts gives the wall-clock fields (year, month, day, hour, minute, second) of the
// instant ms in the zone tz.
function wallParts(ms, tz) {
  let f = partsFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    partsFormats.set(tz, f);
  }
  const p = {};
  for (const { type, value } of f.formatToParts(ms)) p[type] = Number(value);
  return p;
}

// utcMs reads wall-clock fields as if they were UTC (setUTCFullYear, unlike Date.UTC, takes
// years below 100 as written).
function utcMs(y, mo, d, h, mi, s, ms = 0) {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  return t.setUTCHours(h, mi, s, ms);
}

// zoneOffset is the zone's offset from UTC at the instant ms, in milliseconds.
function zoneOffset(ms, tz) {
  const p = wallParts(ms, tz);
  return utcMs(p.year, p.month, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

// offsetText writes an offset in milliseconds as RFC 3339 does: "+08:00".
export const offsetText = (o) => {
  const m = Math.abs(o) / 6e4;
  return (o < 0 ? "-" : "+") + pad(Math.floor(m / 60)) + ":" + pad(m % 60);
};

// wallClock writes the instant ms as wall-clock time in the zone tz, with milliseconds only
// when it has some.
export function wallClock(ms, tz) {
  const p = wallParts(ms, tz);
  const frac = ((ms % 1000) + 1000) % 1000;
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
    (frac ? "." + pad(frac, 3) : "");
}

// fmtWall shows the instant ms as wall-clock time in the zone tz for reading:
// "2026-11-11 00:00", seconds only when there are some.
export const fmtWall = (ms, tz) => wallClock(ms, tz).replace("T", " ").replace(/:00$/, "");

// zonedTime reads a wall-clock value in the zone tz. It returns null for a value that is
// not one, else { text, at, offset, skipped, twice }: text is RFC 3339 with the zone's
// offset ("2026-11-11T00:00:00+08:00", the fraction kept as written) and at the instant.
// Where the clocks change, it decides as RFC 5545 and JavaScript's Temporal ("compatible")
// do: a time that occurs twice (clocks set back) is the first of the two; a time the
// clocks skip (set forward) is read with the offset before the change, which is the later
// instant, as far past the change as the time is past the skipped hour's start (02:30 in a
// skipped hour 02:00–03:00 is 03:30). skipped and twice say which case it was.
export function zonedTime(value, tz) {
  const m = /^(\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?$/.exec(value);
  if (!m) return null;
  const [y, mo, d, hh, mi, s = "00", frac = ""] = m.slice(1);
  const wall = utcMs(+y, +mo, +d, +hh, +mi, +s, Number((frac.slice(1) + "00").slice(0, 3)));
  // The offsets a day either side cover every change near this time (zones change at most
  // once a day).
  const before = zoneOffset(wall - 864e5, tz);
  const after = zoneOffset(wall + 864e5, tz);
  const fits = [...new Set([before, after])].filter((o) => zoneOffset(wall - o, tz) === o);
  const offset = fits.length ? fits[0] : before; // fits[0] is the earlier instant
  return {
    text: `${y}-${mo}-${d}T${hh}:${mi}:${s}${frac}${offsetText(offset)}`,
    at: wall - offset, offset, skipped: !fits.length, twice: fits.length > 1,
  };
}
