/* Warn before leaving a form with unsaved changes. A form marked data-warn-unsaved becomes
   "changed" at the first edit; leaving the page then (a link, reload, closing the tab) asks
   the browser's own "leave the page?" question. Saving the form (its submit buttons) never
   asks, nor does the idle-timeout rescue, which marks the form data-submitting before it
   posts it. A static file: the Content Security Policy allows no inline script. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (!forms.length) { return; }
  var changed = false;
  var leaving = false;

  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("input", function () { changed = true; });
    form.addEventListener("change", function () { changed = true; });
    form.addEventListener("submit", function () { leaving = true; });
  });

  window.addEventListener("beforeunload", function (event) {
    var rescuing = document.querySelector("form[data-submitting]");
    if (!changed || leaving || rescuing) { return; }
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to ask
  });
})();
