// What #outcome shows while a lookup is under way and when it fails (issue 8 item 1).
// Safety rule: the officer never sees a verdict that is not the answer to what they asked. So the previous
// result leaves the screen the moment a new lookup starts, and a lookup that fails (offline, timeout, session
// ended, any 4xx/5xx that carries no answer) ends on a panel that says what happened and what to do next.
(function () {
  "use strict";
  // sessionStorage, this tab only, the query alone: so the lookup an ended session refused (or a lost signal cut
  // off) runs again after sign-in. Gone on an answer, after 30 minutes, and on lock or sign-out (idle-lock.js).
  var PENDING_KEY = "envoy-pending-lookup";
  var PENDING_MAX_AGE_MS = 30 * 60 * 1000;
  var last = null;  // {elt, query, kind, layout}: the request in flight or last failed, for Try again

  function outcome() { return document.getElementById("outcome"); }

  function layoutOf(box) { return box.getAttribute("data-layout") || "officer"; }

  // The query a request asks about: the form's field, or the data-query of a history link.
  function describe(elt) {
    var form = elt.closest("form") || elt;
    var field = form.querySelector && form.querySelector("input[name=q]");
    var kindField = form.querySelector && form.querySelector("input[name=kind]:checked, input[name=kind][type=hidden], select[name=kind]");
    var query = field ? field.value : (elt.getAttribute("data-query") || "");
    return { query: query.trim(), kind: kindField ? kindField.value : "auto" };
  }

  function replaceWith(box, node) {
    box.replaceChildren(node);
    box.removeAttribute("aria-busy");
  }

  function statusLine(text) {
    var p = document.createElement("p");
    p.className = "lookup-pending";
    p.setAttribute("role", "status");
    p.setAttribute("data-lookup-pending", "");
    p.textContent = text;
    return p;
  }

  // Failure kinds: offline, timeout, session, server. The panel's markup lives in the page (lookup/_failed.html),
  // so its words and the DS numbers come from the server's one source; this only fills in the blanks.
  function fail(kind, status) {
    var box = outcome();
    var template = document.getElementById("lookup-failed");
    if (!box || !template) { return; }
    var panel = template.content.firstElementChild.cloneNode(true);
    panel.setAttribute("data-lookup-failed", kind);
    panel.querySelectorAll("[data-when]").forEach(function (part) {
      if (part.getAttribute("data-when").split(" ").indexOf(kind) === -1) { part.remove(); }
    });
    var query = last && last.query ? last.query : "";
    panel.querySelectorAll("[data-failed-query]").forEach(function (slot) { slot.textContent = query || "your query"; });
    panel.querySelectorAll("[data-failed-status]").forEach(function (slot) { slot.textContent = status ? String(status) : ""; });
    replaceWith(box, panel);
    if (kind === "session") {
      // Signed out already: the header's account name and Sign out would say otherwise. The panel offers Sign in.
      document.querySelectorAll(".topbar [data-sign-out], .topbar [data-signed-in]").forEach(function (part) {
        part.hidden = true;
      });
    }
    var heading = panel.querySelector("h2");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: false }); }
  }

  function savePending() {
    if (!last || !last.query) { return; }
    try {
      sessionStorage.setItem(PENDING_KEY, JSON.stringify({ q: last.query, kind: last.kind, layout: last.layout, at: Date.now() }));
    } catch (e) { /* storage may be blocked: the officer retypes */ }
  }

  function clearPending() {
    try { sessionStorage.removeItem(PENDING_KEY); } catch (e) { /* ignore */ }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = outcome();
    if (!box || event.detail.target !== box) { return; }
    var asked = describe(event.detail.elt);
    last = { elt: event.detail.elt, query: asked.query, kind: asked.kind, layout: layoutOf(box) };
    savePending();
    replaceWith(box, statusLine(asked.query ? "Looking up " + asked.query + "…" : "Looking up…"));
    box.setAttribute("aria-busy", "true");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.target !== outcome()) { return; }
    if (event.detail.successful) { clearPending(); }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.target !== outcome()) { return; }
    fail(navigator.onLine === false ? "offline" : "network");
  });

  document.addEventListener("htmx:timeout", function (event) {
    if (event.detail.target !== outcome()) { return; }
    fail("timeout");
  });

  // The 4xx/5xx that htmx does not swap (see base.html's responseHandling): no answer came back.
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.target !== outcome()) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    // 400 is what a form post gets once the session (and with it the CSRF token) is gone; 401 and 403 likewise.
    fail(status === 400 || status === 401 || status === 403 || status === 419 ? "session" : "server", status);
    if (status >= 500 || status === 0) { clearPending(); } else { savePending(); }
  });

  // Back/Forward with no cached page: htmx asks the server for the page. Until it answers, the screen belongs
  // to the address being left, so the result goes now; if the request fails, the panel says so.
  document.addEventListener("htmx:historyCacheMiss", function () {
    var box = outcome();
    if (box) { last = null; replaceWith(box, statusLine("Loading…")); }
  });
  document.addEventListener("htmx:historyCacheMissLoadError", function () { fail("server"); });

  document.addEventListener("click", function (event) {
    var retry = event.target.closest("[data-lookup-retry]");
    if (retry && last && last.elt && document.contains(last.elt)) {
      event.preventDefault();
      var form = last.elt.closest("form");
      if (form && form.requestSubmit) { form.requestSubmit(); } else { last.elt.click(); }
      return;
    }
    if (retry) {
      // The element that asked is gone (a near match, a history link): ask again through the main form.
      event.preventDefault();
      var mainForm = document.querySelector("[data-lookup-form], [data-console-form]");
      if (mainForm && mainForm.requestSubmit) { mainForm.requestSubmit(); }
    }
  });

  // Back after signing in again: run the lookup that the ended session refused, on the page that asked it.
  function resumePending() {
    var raw = null;
    try { raw = sessionStorage.getItem(PENDING_KEY); } catch (e) { return; }
    if (!raw) { return; }
    var pending = null;
    try { pending = JSON.parse(raw); } catch (e) { clearPending(); return; }
    var box = outcome();
    var form = document.querySelector("[data-lookup-form], [data-console-form]");
    if (!box || !form || !pending || !pending.q) { return; }
    if (Date.now() - pending.at > PENDING_MAX_AGE_MS) { clearPending(); return; }
    if (layoutOf(box) !== pending.layout) { return; }
    if (!document.querySelector("[data-signed-in]")) { return; }
    clearPending();
    form.querySelector("input[name=q]").value = pending.q;
    var tab = form.querySelector('input[name=kind][value="' + pending.kind + '"]');
    if (tab) { tab.checked = true; }
    var select = form.querySelector("select[name=kind]");
    if (select) { select.value = pending.kind; }
    if (form.requestSubmit) { form.requestSubmit(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", resumePending);
  } else {
    resumePending();
  }
}());
