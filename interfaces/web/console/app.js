import { claims, setToken, clearToken, token, setAuthFailureHandler } from "./api.js";
import { awardsView } from "./awards.js";
import { activitiesView } from "./activities.js";
import { treesView } from "./trees.js";
import { ordersView } from "./orders.js";

const views = { awards: awardsView, activities: activitiesView, trees: treesView, orders: ordersView };
const $ = (id) => document.getElementById(id);
let shown = ""; // the route on screen; kept through a re-sign-in so nothing typed is lost

function signIn(reason) {
  $("nav").hidden = true;
  $("who").hidden = true;
  $("view").hidden = true;
  $("signin").hidden = false;
  $("signin-reason").hidden = !reason;
  $("signin-reason").textContent = reason || "";
  $("token").focus();
}

function route() {
  if (!token()) return signIn();
  let c;
  try { c = claims(); } catch (e) { clearToken(); return signIn(e.message); }
  $("signin").hidden = true;
  $("nav").hidden = false;
  $("who").hidden = false;
  $("who-text").textContent = `${c.sub || "?"} · ${c.roles.join(", ") || "no roles"}`;
  document.body.dataset.roles = c.roles.join(" ");
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1] || "awards";
  const view = views[name] ? name : "awards";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === "#/" + view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const root = $("view");
  root.hidden = false;
  if (shown === view + "|" + c.roles.join(",")) return;
  shown = view + "|" + c.roles.join(",");
  root.replaceChildren();
  views[view](root);
}

$("signin-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const t = $("token").value.trim().replace(/^Bearer\s+/i, "");
  const err = $("token-error");
  // Only the shape is checked here; whether the roles suffice is the server's answer (403).
  try {
    claims(t);
  } catch (e) {
    err.textContent = "Cannot use this token: " + e.message;
    err.hidden = false;
    return;
  }
  err.hidden = true;
  setToken(t);
  $("token").value = "";
  route();
});

$("sign-out").addEventListener("click", () => { clearToken(); shown = ""; signIn("Signed out."); });

setAuthFailureHandler((e) => {
  clearToken();
  signIn(`${e.status === 401 ? "Your token was refused" : "Not allowed"}: ${e.message} (${e.code}). Sign in with another token.`);
});

window.addEventListener("hashchange", route);
route();
