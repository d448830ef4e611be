// Envoy's service worker (served as /sw.js so its scope is the whole site). It keeps the app shell only: styles,
// scripts, icons and the offline page. It never stores a lookup, a result, a photo or any page with personal data:
// every other request goes to the network untouched, and a page that cannot load shows the offline page, which
// puts the DS Command Center calls first instead of the browser's error.
"use strict";
var CACHE = "envoy-shell-v1";
var OFFLINE = "/offline";
var SHELL = [
  OFFLINE,
  "/static/css/envoy.css",
  "/static/js/envoy.js",
  "/static/js/outcome.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/img/envoy.svg",
  "/static/img/envoy-192.png"
];

self.addEventListener("install", function (event) {
  // Without cookies: the cached offline page is the anonymous one, with no user's name in its top bar.
  var requests = SHELL.map(function (path) { return new Request(path, { credentials: "omit" }); });
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(requests); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // lookups are POSTs: never touched
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Pages always come from the network (they carry live registry data); only a failed load is answered here.
    event.respondWith(fetch(request).catch(function () { return caches.match(OFFLINE); }));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    // Shell files: the network first so a new release shows at once, the cached copy when there is no network.
    event.respondWith(fetch(request).catch(function () { return caches.match(url.pathname); }));
  }
});
