// Follows a background job: polls its progress endpoint (data-progress-url) about once a
// second, updates the <progress> element and the words under it (the count, the time so far
// and an estimate of the time left, as the server words them: Job.progress_text), and reloads the page when the job ends, so the server draws the result (or
// the error with its "Try again" button). No inline script: the page includes this file.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) return;
  var status = box.getAttribute("data-status");
  if (status === "succeeded" || status === "failed") return;
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("job-progress-bar");
  var text = document.getElementById("job-progress-text");

  function show(state) {
    if (bar && state.total) {
      bar.max = state.total;
      bar.value = state.finished ? state.total : state.done;
      bar.textContent = (state.percent || 0) + "%";
    }
    if (text) text.textContent = state.text;  // worded by the server, as the page was
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.setTimeout(function () { window.location.reload(); }, 600);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 500);
})();
