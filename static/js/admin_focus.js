// Every admin page (templates/admin/base_site.html): where the keyboard focus starts on a form.
// After a failed save the error summary ("Please correct the errors below.") takes the focus,
// so a screen reader reads it out and the next Tab leads into the form. On an add form Django
// focuses the form's first control, which with `save_on_top` is the top Save button: the first
// field takes it instead. Runs on `load`, after Django's own change_form.js (async). A file of
// its own: the Content-Security-Policy allows no inline script.
"use strict";
window.addEventListener("load", function () {
  const note = document.querySelector("#content-main .errornote");
  if (note) {
    note.setAttribute("tabindex", "-1");
    note.focus();
    return;
  }
  const constants = document.getElementById("django-admin-form-add-constants");
  const modelName = constants && constants.dataset.modelName;
  if (!modelName) return;
  const form = document.getElementById(modelName + "_form");
  const active = document.activeElement;
  if (!form || !active || !active.closest(".submit-row")) return;
  for (const element of form.elements) {
    if (
      ["INPUT", "SELECT", "TEXTAREA"].includes(element.tagName) &&
      element.type !== "hidden" &&
      !element.disabled &&
      element.offsetParent &&
      !element.closest(".submit-row")
    ) {
      element.focus();
      break;
    }
  }
});
