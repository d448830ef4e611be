// Envoy's own script: the theme toggle, the CSRF header for htmx, the console's keys, the tables' scroll cue.
// No inline script anywhere (CSP).
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("envoy-theme"); } catch (e) { /* storage may be blocked */ }
  if (saved === "dark" || saved === "light") { root.setAttribute("data-theme", saved); }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-theme-toggle]");
    if (!button) { return; }
    var dark = root.getAttribute("data-theme") === "dark" ||
      (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
    var next = dark ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("envoy-theme", next); } catch (e) { /* ignore */ }
  });

  // Dispatch console: Escape in the query field clears it; focus stays there for the next search.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var field = event.target.closest && event.target.closest("[data-console-form] #q");
    if (!field) { return; }
    event.preventDefault();
    field.value = "";
    field.focus();
  });

  // Dispatch console: Alt+H jumps to the newest recent lookup (Tab and Enter from there); Esc goes back to the field.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.code !== "KeyH") { return; }
    var first = document.querySelector(".console-history #history a");
    if (!first) { return; }
    event.preventDefault();
    first.focus();
  });

  // After a result lands (a search, a near match tapped, a replay from the history), the field shows what the
  // result is for and the officer's tabs its kind. On the console the query is selected, so the next plate
  // typed replaces it; on a phone the field is left alone (focusing it would open the keyboard).
  document.addEventListener("htmx:afterSwap", function (event) {
    // A history restore (Back/Forward) fires afterSwap without a target: nothing to do then.
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "outcome") { return; }
    var field = document.querySelector("[data-console-form] #q, [data-lookup-form] #q");
    var result = target.querySelector("[data-query]");
    if (!field || !result) { return; }
    field.value = result.getAttribute("data-query");
    var tab = document.querySelector('[data-lookup-form] input[name=kind][value="' + result.getAttribute("data-kind") + '"]');
    if (tab) { tab.checked = true; }
    if (field.closest("[data-console-form]")) {
      field.focus();
      field.select();
    }
  });

  // Wide tables scroll sideways inside their box on a phone. The box says so: data-more-right / data-more-left
  // while columns are out of sight on that side, and the CSS fades that edge (envoy.css, "Scroll cue").
  var SCROLLERS = ".table-scroll, .audit-scroll";

  function markScroll(box) {
    var hidden = box.scrollWidth - box.clientWidth;
    box.toggleAttribute("data-more-left", hidden > 1 && box.scrollLeft > 1);
    box.toggleAttribute("data-more-right", hidden > 1 && box.scrollLeft < hidden - 1);
  }

  function markAll() { document.querySelectorAll(SCROLLERS).forEach(markScroll); }

  document.addEventListener("scroll", function (event) {
    if (event.target.matches && event.target.matches(SCROLLERS)) { markScroll(event.target); }
  }, { capture: true, passive: true });
  document.addEventListener("DOMContentLoaded", markAll);
  document.addEventListener("htmx:afterSettle", markAll);
  window.addEventListener("resize", markAll);

  // The app shell for the home screen and an honest offline page (static/js/sw.js); nothing personal is cached.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the app works without it */ });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.getAttribute("content"); }
  });
}());
