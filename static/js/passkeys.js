// Passkeys (WebAuthn) for the buttons marked data-passkey: ask the server for options, let the browser create or
// use the passkey (the fingerprint, face or PIN prompt), send the answer back, follow the server's redirect.
// The base64url <-> bytes conversion is done here rather than with PublicKeyCredential.parseCreationOptionsFromJSON
// and toJSON(): those are missing from older phone browsers still in use (Safari before 18.4 has no
// parse*FromJSON), and these few lines need no vendored library.
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: options };
  }

  function credentialJSON(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = toText(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    };
  }

  function post(url, body) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (meta) { headers["X-CSRFToken"] = meta.getAttribute("content"); }
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (response) {
        // A page answer (the session ended and Envoy sent the browser to sign in): go there.
        if (response.redirected) { return { ok: false, data: { redirect: response.url } }; }
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, data: data };
        });
      });
  }

  function say(box, message) {
    var out = box.querySelector("[data-passkey-error]");
    if (!out) { return; }
    out.textContent = message;
    out.hidden = !message;
  }

  function run(button) {
    var box = button.closest("[data-passkey-box]") || document.body;
    var creating = button.getAttribute("data-passkey") === "create";
    var nameInput = box.querySelector("[data-passkey-name]");
    var extra = {};
    if (nameInput) { extra.name = nameInput.value; }
    if (button.hasAttribute("data-passkey-acknowledge")) { extra.acknowledge = true; }
    if (button.hasAttribute("data-passkey-next")) { extra.next = button.getAttribute("data-passkey-next"); }
    say(box, "");
    button.disabled = true;
    return post(button.getAttribute("data-passkey-options"), {})
      .then(function (answer) {
        if (!answer.ok) { throw answer.data; }
        var options = answer.data.options;
        return creating
          ? navigator.credentials.create(creationOptions(options))
          : navigator.credentials.get(requestOptions(options));
      })
      .then(function (credential) {
        var body = Object.assign({ credential: credentialJSON(credential) }, extra);
        return post(button.getAttribute("data-passkey-verify"), body);
      })
      .then(function (answer) {
        if (answer.data.redirect && (answer.ok || answer.data.error !== "refused")) {
          window.location.assign(answer.data.redirect);
          return;
        }
        throw answer.data;
      })
      .catch(function (problem) {
        button.disabled = false;
        if (problem && problem.redirect) { window.location.assign(problem.redirect); return; }
        if (problem && problem.message && !problem.name) { say(box, problem.message); return; }
        // The browser's own errors: NotAllowedError when the prompt was cancelled or timed out, InvalidStateError
        // when this device already holds one of the account's passkeys, TypeError when fetch found no network.
        var name = problem && problem.name;
        say(box, {
          NotAllowedError: "The passkey prompt was cancelled or timed out. Try again.",
          InvalidStateError: "This device already holds a passkey for your account.",
          TypeError: "Envoy could not be reached. Check the connection and try again."
        }[name] || "This browser could not use a passkey here.");
      });
  }

  // A passkey belongs to a host name: an address like 127.0.0.1 cannot hold one (use localhost or https).
  var namedHost = !/^[0-9.]+$|^\[/.test(window.location.hostname);
  var supported = !!(window.PublicKeyCredential && window.isSecureContext && navigator.credentials && namedHost);
  document.querySelectorAll("[data-passkey-box]").forEach(function (box) {
    if (supported) { box.hidden = false; }
  });
  document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
    note.hidden = supported;
  });
  if (!supported) { return; }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-passkey]");
    if (!button) { return; }
    event.preventDefault();
    run(button);
  });
  var first = document.querySelector("button[data-passkey][data-passkey-autostart]");
  if (first) { run(first); }
}());
