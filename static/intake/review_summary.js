// The review form's one-line summary of what will be signed, kept up to date as the
// reviewer chooses. The server computed every possible line (and every refusal) from the
// review rules and put them in the page as JSON: this script only looks them up.
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("review-form");
    var data = document.getElementById("signature-summaries");
    var line = document.getElementById("signature-summary-text");
    if (!form || !data || !line) {
      return;
    }
    var table = JSON.parse(data.textContent);

    function chosen(name) {
      var field = form.elements.namedItem(name);
      if (!field) {
        return "";
      }
      if (field.tagName === "SELECT") {
        return field.value;
      }
      var checked = form.querySelector('input[name="' + name + '"]:checked');
      return checked ? checked.value : "";
    }

    function update() {
      var decision = chosen("decision");
      var reason = decision === "override" ? chosen("override_reason") : "";
      var entry = table[decision + "|" + reason + "|" + chosen("disposition")];
      line.textContent = entry ? entry.text : line.getAttribute("data-empty");
      line.classList.toggle("text-danger", Boolean(entry && entry.refused));
    }

    form.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
