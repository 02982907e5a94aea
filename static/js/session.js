/* Idle-timeout warning: a minute before the server signs the user out, say so and offer to
   stay. On a form page marked data-rescue-on-timeout the form is posted as a draft when time
   is up, so the server keeps what was typed and gives it back after the next sign-in. No inline code:
   the page's Content Security Policy allows only our own static scripts. */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "", 10);
  var warnBefore = parseInt(body.dataset.warningSeconds || "60", 10);
  var banner = document.getElementById("session-warning");
  if (!idle || !banner) { return; }
  var countdown = banner.querySelector("[data-session-countdown]");
  var stay = banner.querySelector("[data-session-stay]");
  var csrf = banner.querySelector("input[name=csrfmiddlewaretoken]");
  var deadline, tick;

  function reset() {
    deadline = Date.now() + idle * 1000;
    banner.hidden = true;
  }

  // A form posted from a script sends no button value (the form's actions are buttons): say
  // "draft" explicitly, so that a form posted on time-out is at most saved as a draft (if the
  // session is still alive).
  function postAsDraft(form) {
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "draft";
    form.appendChild(action);
    form.submit();
  }

  function expire() {
    clearInterval(tick);
    var form = document.querySelector("form[data-rescue-on-timeout]");
    // Post a moment after the server's limit, so the server signs out and keeps the values.
    setTimeout(function () {
      if (form) {
        form.setAttribute("data-submitting", "");  // no "unsaved changes" question (unsaved.js)
        postAsDraft(form);
      } else {
        window.location.reload();
      }
    }, 2000);
  }

  function update() {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) { expire(); return; }
    if (left <= warnBefore) {
      if (banner.hidden) {
        banner.hidden = false;
        stay.focus();
      }
      countdown.textContent = String(left);
    }
  }

  stay.addEventListener("click", function () {
    fetch(stay.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf.value, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.ok) { reset(); } else { window.location.reload(); }
    });
  });

  reset();
  tick = setInterval(update, 1000);
})();
