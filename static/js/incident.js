// The filing form (issue 10 item 3): a failed or timed-out submit keeps every typed field on screen with a Retry
// that sends the same idempotency key, so the report is filed once however often it is sent. Nothing typed is
// written to browser storage. Also: DUI details only for a DUI, the officer's own clock and zone for "When",
// and file limits checked before anything is sent.
(function () {
  "use strict";

  function form() { return document.querySelector("[data-filing-form]"); }

  function showDui(f) {
    var type = f.querySelector("input[name=type]:checked");
    var dui = f.querySelector("[data-dui-only]");
    if (!dui) { return; }
    dui.hidden = !(type && type.value === "dui");
    var note = dui.querySelector("[data-no-js-note]");
    if (note) { note.hidden = true; }
  }

  // A new form starts at the device's own time and zone (the server guessed the agency's).
  function useDeviceClock(f) {
    if (!f.hasAttribute("data-fresh")) { return; }
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (!zone) { return; }
    var now = new Date();
    var pad = function (n) { return String(n).padStart(2, "0"); };
    var local = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + "T" +
      pad(now.getHours()) + ":" + pad(now.getMinutes());
    f.querySelector("[data-time-zone]").value = zone;
    f.querySelector("[data-occurred-at]").value = local;
    var label = f.querySelector("[data-zone-label]");
    if (label) { label.textContent = "Your time (" + zone + ")"; }
  }

  function failed(f, why) {
    var box = f.querySelector("[data-filing-failed]");
    if (!box) { return; }
    box.querySelector("[data-filing-failed-why]").textContent = why;
    box.hidden = false;
    box.scrollIntoView({ block: "start" });
    var retry = box.querySelector("[data-retry]");
    if (retry) { retry.focus({ preventScroll: true }); }
  }

  function tooMuch(f) {
    var input = f.querySelector("[data-attachments]");
    if (!input || !input.files) { return ""; }
    var maxFiles = Number(f.getAttribute("data-max-files"));
    var maxBytes = Number(f.getAttribute("data-max-mb")) * 1024 * 1024;
    if (input.files.length > maxFiles) { return "choose at most " + maxFiles + " files."; }
    for (var i = 0; i < input.files.length; i++) {
      if (input.files[i].size > maxBytes) { return input.files[i].name + " is larger than " + f.getAttribute("data-max-mb") + " MB."; }
    }
    return "";
  }

  function init() {
    var f = form();
    if (!f || f.hasAttribute("data-ready")) { return; }
    f.setAttribute("data-ready", "");
    showDui(f);
    useDeviceClock(f);
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init);
  document.addEventListener("change", function (event) {
    var f = event.target.closest && event.target.closest("[data-filing-form]");
    if (f && event.target.name === "type") { showDui(f); }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var f = event.detail.elt.closest && event.detail.elt.closest("[data-filing-form]");
    if (!f) { return; }
    var problem = tooMuch(f);
    if (problem) {
      event.preventDefault();
      failed(f, "nothing was sent: " + problem);
      return;
    }
    var box = f.querySelector("[data-filing-failed]");
    if (box) { box.hidden = true; }
  });

  function onFailure(why) {
    return function (event) {
      var f = event.detail.elt.closest && event.detail.elt.closest("[data-filing-form]");
      if (!f) { return; }
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      var text = why;
      if (status === 413) { text = "the files are too large together."; }
      else if (status === 401 || status === 403 || status === 400) { text = "your session ended: sign in again in another tab, then press Retry."; }
      else if (status >= 500) { text = "Envoy could not store it (error " + status + ")."; }
      failed(f, text);
    };
  }
  document.addEventListener("htmx:sendError", onFailure(navigator.onLine === false ? "you are offline." : "the connection failed."));
  document.addEventListener("htmx:timeout", onFailure("Envoy did not answer in time (the signal may be weak)."));
  document.addEventListener("htmx:responseError", onFailure("Envoy could not store it."));
})();
