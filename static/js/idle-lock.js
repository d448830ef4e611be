// The idle lock (security bar, CJIS AC-11(1)). After SESSION_IDLE_MINUTES without use (pointer, key, touch,
// scroll or an htmx request) every node of the page goes and the lock screen (partials/_idle_lock.html) takes its
// place. Removed, not covered: an overlay would leave the verdict, the name and the photo one devtools click away.
// The server's session has ended by then (its idle clock counts requests only, so it never runs behind this one),
// and "Sign in again" asks for the password, unless another tab of the same sign-in kept the session in use.
// A lock and a sign-out also empty this tab's sessionStorage: it holds the query outcome.js keeps for after a
// sign-in and htmx's current path, whose query may name a plate or a person. (localStorage holds the theme only.)
(function () {
  "use strict";
  var template = document.getElementById("idle-lock");
  if (!template) { return; }
  var idleMs = Number(template.getAttribute("data-idle-minutes")) * 60 * 1000;
  if (!(idleMs > 0)) { return; }
  var ACTIVITY = ["pointerdown", "pointermove", "keydown", "touchstart", "wheel", "scroll", "htmx:beforeRequest", "htmx:afterRequest"];
  var lastActivity = Date.now();
  var timer = null;
  var locked = false;

  function forget() {
    try { sessionStorage.clear(); } catch (e) { /* storage may be blocked: then nothing was kept */ }
  }

  function noteActivity() { lastActivity = Date.now(); }

  function idleFor() { return Date.now() - lastActivity; }

  // A camera left on by the card scanner must not keep filming behind the lock screen.
  function stopCameras() {
    document.querySelectorAll("video").forEach(function (video) {
      if (video.srcObject && video.srcObject.getTracks) {
        video.srcObject.getTracks().forEach(function (track) { track.stop(); });
        video.srcObject = null;
      }
    });
  }

  function lock() {
    if (locked) { return; }
    locked = true;
    clearTimeout(timer);
    ACTIVITY.forEach(function (name) { document.removeEventListener(name, noteActivity, true); });
    forget();
    stopCameras();
    // The template in the page now, or the one read at load if a history restore or pagehide replaced the body.
    var source = document.getElementById("idle-lock") || template;
    var screen = source.content.cloneNode(true);
    var signIn = screen.querySelector("[data-lock-sign-in]");
    if (signIn) {
      var url = new URL(signIn.getAttribute("href"), window.location.href);
      url.searchParams.set("next", window.location.pathname);  // the path only: a query may hold a plate
      signIn.setAttribute("href", url.pathname + url.search);
    }
    document.body.replaceChildren(screen);
    document.body.removeAttribute("class");  // the page's own layout (officer, wide) went with its content
    document.title = "Locked · Envoy";
    var heading = document.getElementById("idle-lock-title");
    if (heading) { heading.focus(); }
  }

  // Timers sleep with the device and are throttled in a hidden tab: each check measures the wall clock again.
  function check() {
    clearTimeout(timer);
    if (locked) { return; }
    var left = idleMs - idleFor();
    if (left <= 0) { lock(); } else { timer = setTimeout(check, left); }
  }

  ACTIVITY.forEach(function (name) {
    document.addEventListener(name, noteActivity, { capture: true, passive: true });
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { check(); } });
  window.addEventListener("focus", check);

  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest("[data-sign-out]")) { forget(); }
  }, true);

  // Back/Forward cache: the page kept in memory is emptied as it leaves, and on its way back the server decides
  // again (a session that is over shows the sign-in page), or it comes back locked when the idle time has passed.
  window.addEventListener("pagehide", function (event) {
    if (event.persisted && !locked) { document.body.replaceChildren(); }
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted || locked) { return; }
    if (idleFor() >= idleMs) { lock(); return; }
    window.location.replace(window.location.href);
  });

  check();
}());
