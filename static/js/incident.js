// The filing form (issue 10 item 3): a failed or timed-out submit keeps every typed field on screen with a Retry
// that sends the same idempotency key, so the report is filed once however often it is sent. When the signal or
// Envoy was the problem (offline, no answer, 502-504), it also sends again by itself, after 5, 10, 20, 30, 30 and
// 60 seconds (longer when the server's Retry-After says so), and at once when the phone comes back online
// (security bar D4). Nothing typed is written to browser storage. Also: DUI details only for a DUI, the officer's own clock and zone for "When",
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

  // Seconds before each automatic resend; after the last, Retry is the officer's.
  var RETRY_DELAYS = [5, 10, 20, 30, 30, 60];
  var retryTimer = null;  // the pending automatic resend, if any

  function retryNote(f, text) {
    var note = f.querySelector("[data-retry-note]");
    if (note) { note.textContent = text; }
  }

  function cancelRetry() {
    if (retryTimer !== null) { clearTimeout(retryTimer); retryTimer = null; }
  }

  function resend(f) {
    cancelRetry();
    if (!document.body.contains(f)) { return; }
    if (navigator.onLine === false) {
      f.setAttribute("data-waiting-for-signal", "");
      retryNote(f, "Waiting for signal: Envoy sends it by itself when the phone is back online.");
      return;
    }
    f.removeAttribute("data-waiting-for-signal");
    retryNote(f, "Sending again…");
    f.requestSubmit();
  }

  function scheduleRetry(f, serverSeconds) {
    cancelRetry();
    var done = Number(f.getAttribute("data-auto-retries") || "0");
    if (done >= RETRY_DELAYS.length) {
      retryNote(f, "Envoy stopped trying by itself: press Retry when you have signal.");
      return;
    }
    f.setAttribute("data-auto-retries", String(done + 1));
    var seconds = Math.max(RETRY_DELAYS[done], serverSeconds || 0);
    // Said once, not counted down: the box is an alert, and a screen reader would read every second.
    retryNote(f, "Envoy sends it again by itself in " + seconds + " seconds (try " + (done + 1) + " of " +
      RETRY_DELAYS.length + "), or press Retry.");
    retryTimer = setTimeout(function () { retryTimer = null; resend(f); }, seconds * 1000);
  }

  window.addEventListener("online", function () {
    var f = form();
    var box = f && f.querySelector("[data-filing-failed]");
    if (f && box && !box.hidden && (retryTimer !== null || f.hasAttribute("data-waiting-for-signal"))) { resend(f); }
  });

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
    cancelRetry();  // this request is the retry, sent by hand or by the timer
    var box = f.querySelector("[data-filing-failed]");
    if (box) { box.hidden = true; }
  });

  function onFailure(why) {
    return function (event) {
      var f = event.detail.elt.closest && event.detail.elt.closest("[data-filing-form]");
      if (!f) { return; }
      var xhr = event.detail.xhr;
      var status = xhr ? xhr.status : 0;
      var text = why;
      if (status === 413) { text = "the files are too large together."; }
      else if (status === 401 || status === 403 || status === 400) { text = "your session ended: sign in again in another tab, then press Retry."; }
      else if (status >= 500) { text = "Envoy could not store it (error " + status + ")."; }
      failed(f, text);
      // Only what waiting can cure is sent again by itself: no signal, no answer, or Envoy busy or unreachable.
      if (status === 0 || status === 502 || status === 503 || status === 504) {
        var after = xhr && status ? Number(xhr.getResponseHeader("Retry-After")) : 0;
        scheduleRetry(f, after > 0 && after < 600 ? after : 0);
      } else {
        cancelRetry();
        retryNote(f, "");
      }
    };
  }
  document.addEventListener("htmx:sendError", onFailure(navigator.onLine === false ? "you are offline." : "the connection failed."));
  document.addEventListener("htmx:timeout", onFailure("Envoy did not answer in time (the signal may be weak)."));
  document.addEventListener("htmx:responseError", onFailure("Envoy could not store it."));
})();
