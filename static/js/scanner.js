// The officer page's QR scanner: camera (or a still photo) -> vendored ZXing decoder -> POST to /v.
// Every decode ends on a result screen: the server judges what was read, even if it is not an Envoy code.
(function () {
  "use strict";
  var prepared = false;
  var detector = null;

  function getDetector() {
    if (!detector) { detector = new window.BarcodeDetectionAPI.BarcodeDetector({ formats: ["qr_code"] }); }
    return detector;
  }

  // Binds to the page's scanner elements; run again when htmx restores the page from its history cache
  // (Back/Forward), which puts new elements in place of the ones bound before.
  function init() {
    var root = document.querySelector("[data-scanner]");
    if (!root || !window.BarcodeDetectionAPI || root.envoyScanner) { return; }
    root.envoyScanner = true;
    if (!prepared) {
      // Must run before the first BarcodeDetector is made, or the ponyfill fetches its wasm from a CDN.
      window.BarcodeDetectionAPI.prepareZXingModule({
        overrides: { locateFile: function (path) { return root.getAttribute("data-wasm-base") + path; } }
      });
      prepared = true;
    }

    var openButton = document.querySelector("[data-scan-open]");
    var panel = root;
    var video = root.querySelector("video");
    var status = root.querySelector("[data-scan-status]");
    var hint = root.querySelector("[data-scan-hint]");
    var torchButton = root.querySelector("[data-scan-torch]");
    var closeButton = root.querySelector("[data-scan-close]");
    var photoInput = root.querySelector("[data-scan-photo]");
    var photoButton = photoInput.closest("label");
    var form = document.querySelector("[data-scan-form]");
    var scannedField = form.querySelector("input[name=scanned]");
    var stream = null;
    var timer = null;
    var hintTimer = null;
    var done = false;
    var torchOn = false;

    function say(text) { status.textContent = text; }

    function submit(value) {
      if (done) { return; }
      done = true;
      stop();
      say("Code read. Checking…");
      scannedField.value = value;
      form.submit();
    }

    // Without a camera the photo is the only way: no empty video box, and the photo button becomes the main one.
    function noCamera(text) {
      video.hidden = true;
      photoButton.classList.remove("secondary");
      say(text);
    }

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (hintTimer) { clearTimeout(hintTimer); hintTimer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    }

    function tick() {
      if (done || !stream) { return; }
      if (video.readyState < 2) { timer = setTimeout(tick, 150); return; }
      getDetector().detect(video).then(function (codes) {
        if (codes.length) { submit(codes[0].rawValue); } else { timer = setTimeout(tick, 120); }
      }).catch(function () { timer = setTimeout(tick, 300); });
    }

    function setUpTrack(track) {
      var caps = track.getCapabilities ? track.getCapabilities() : {};
      torchButton.hidden = !caps.torch;
      if (caps.focusMode && caps.focusMode.indexOf("single-shot") !== -1) {
        video.addEventListener("click", function () {
          track.applyConstraints({ advanced: [{ focusMode: "single-shot" }] }).catch(function () {});
          say("Focusing…");
        });
      }
    }

    function open() {
      done = false;
      panel.hidden = false;
      video.hidden = false;
      hint.hidden = true;
      say("Starting the camera…");
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        noCamera("No camera here. Take a photo of the card instead.");
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.play();
        setUpTrack(s.getVideoTracks()[0]);
        say("Point the camera at the QR code on the back of the card.");
        hintTimer = setTimeout(function () { hint.hidden = false; }, 5000);
        tick();
      }).catch(function () {
        noCamera("The camera is not available. Take a photo of the card instead.");
      });
    }

    openButton.hidden = false;
    openButton.addEventListener("click", open);
    closeButton.addEventListener("click", function () { stop(); panel.hidden = true; say(""); });
    torchButton.addEventListener("click", function () {
      if (!stream) { return; }
      torchOn = !torchOn;
      stream.getVideoTracks()[0].applyConstraints({ advanced: [{ torch: torchOn }] }).catch(function () {});
      torchButton.setAttribute("aria-pressed", torchOn ? "true" : "false");
    });
    photoInput.addEventListener("change", function () {
      var file = photoInput.files && photoInput.files[0];
      if (!file) { return; }
      say("Reading the photo…");
      createImageBitmap(file).then(function (bitmap) { return getDetector().detect(bitmap); }).then(function (codes) {
        if (codes.length) { submit(codes[0].rawValue); } else { say("No QR code found in the photo. Try again closer, or type the card number."); }
      }).catch(function () { say("Could not read that photo. Type the card number instead."); });
    });
  }

  init();
  document.addEventListener("htmx:historyRestore", init);
}());
