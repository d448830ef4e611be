// Admin forms marked data-confirm ask before they post: a modal <dialog> with the question (data-confirm), what
// follows (data-confirm-detail), Cancel focused and the form's own button to go ahead. Going ahead posts
// confirmed=yes; without this script the server asks the same question on a page of its own.
(function () {
  "use strict";
  var dialog = null;
  var pending = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    dialog.setAttribute("aria-describedby", "confirm-detail");
    var form = document.createElement("form");
    form.method = "dialog";
    var question = document.createElement("h2");
    question.id = "confirm-question";
    var detail = document.createElement("p");
    detail.id = "confirm-detail";
    var buttons = document.createElement("p");
    buttons.className = "confirm-buttons";
    var cancel = document.createElement("button");
    cancel.type = "submit";
    cancel.value = "cancel";
    cancel.className = "button secondary";
    cancel.textContent = "Cancel";
    cancel.autofocus = true; // Enter or a stray tap on the focused button never does the dangerous thing
    var proceed = document.createElement("button");
    proceed.type = "submit";
    proceed.value = "confirm";
    proceed.setAttribute("data-confirm-proceed", "");
    buttons.append(cancel, proceed);
    form.append(question, detail, buttons);
    dialog.append(form);
    document.body.append(dialog);
    dialog.addEventListener("close", function () {
      var form = pending;
      pending = null;
      if (!form || dialog.returnValue !== "confirm") { return; }
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "yes";
      form.append(confirmed);
      form.submit(); // no submit event: this listener does not ask again
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) { return; }
    if (typeof HTMLDialogElement !== "function") { return; } // the server asks instead
    event.preventDefault();
    if (!dialog) { build(); }
    var own = form.querySelector("button[type=submit]");
    var proceed = dialog.querySelector("[data-confirm-proceed]");
    proceed.textContent = own ? own.textContent : "Go ahead";
    proceed.className = own ? own.className : "button danger";
    dialog.querySelector("#confirm-question").textContent = form.getAttribute("data-confirm");
    dialog.querySelector("#confirm-detail").textContent = form.getAttribute("data-confirm-detail") || "";
    pending = form;
    dialog.returnValue = "";
    dialog.showModal();
  });
}());
