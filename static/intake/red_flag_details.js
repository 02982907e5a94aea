// The red-flag details of the intake form (data dictionary §5a): each is asked only while one
// of its red flags is answered yes. Without this script every detail stays visible (the server
// refuses a detail given while its red flags are no); with it, a detail is hidden and its
// inputs disabled (so nothing is posted) until one of its red flags is yes.
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) return;
  const details = Array.from(document.querySelectorAll("[data-asked-when]"));
  if (!details.length) return;

  function answeredYes(name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked !== null && checked.value === "yes";
  }

  function update() {
    for (const detail of details) {
      const asked = detail.dataset.askedWhen.split(",").some(answeredYes);
      detail.hidden = !asked;
      for (const input of detail.querySelectorAll("input, select, textarea")) {
        input.disabled = !asked;
      }
    }
  }

  const flags = new Set(details.flatMap((d) => d.dataset.askedWhen.split(",")));
  form.addEventListener("change", (event) => {
    if (event.target && flags.has(event.target.name)) update();
  });
  update();
})();
