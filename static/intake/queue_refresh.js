/* The review queue refreshes its list every minute, keeping its filters (the page's own query
   string; the MRN search lives in the session), and says how many cases arrived since the
   page was opened. The list comes from /review/live/ (the same view's list alone), which does
   not count as activity, so an unattended queue still signs out when idle. A static file: the
   Content Security Policy allows no inline script. Without JavaScript, reload the page. */
(function () {
  "use strict";
  var region = document.getElementById("queue-live");
  var status = document.getElementById("queue-arrivals");
  if (!region || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(region.getAttribute("data-refresh-seconds"), 10) || 60;
  var openedAt = region.getAttribute("data-opened-at");
  var liveUrl = region.getAttribute("data-live-url");

  function url() {
    var query = new URLSearchParams(window.location.search);
    query.set("since", openedAt);
    return liveUrl + "?" + query.toString();
  }

  function say(list) {
    if (!status || !list.hasAttribute("data-arrived")) { return; }
    var count = parseInt(list.getAttribute("data-arrived"), 10);
    var limit = parseInt(list.getAttribute("data-count-limit"), 10);
    var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var text;
    if (count === 0) {
      text = "No new case since you opened this page";
    } else {
      var shown = count > limit ? limit.toLocaleString() + "+" : String(count);
      text = shown + (count === 1 ? " case has" : " cases have") +
        " arrived since you opened this page";
    }
    status.textContent = text + " (list refreshed at " + time + ").";
  }

  function refresh() {
    // Never pull the list from under someone working in it (a focused link, a selection).
    if (region.contains(document.activeElement) && document.activeElement !== document.body) {
      return schedule();
    }
    fetch(url(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        // Signed out (sent to the sign-in page) or an error: stop; a reload shows why.
        if (!response.ok || response.redirected) { throw new Error("not refreshed"); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var list = doc.querySelector(".queue-list");
        if (!list) { throw new Error("no list"); }
        var current = region.querySelector(".queue-list");
        region.replaceChild(document.importNode(list, true), current);
        say(list);
        schedule();
      })
      .catch(function () {
        if (status) {
          status.textContent = "The list is no longer refreshing: reload the page.";
        }
      });
  }

  function schedule() { window.setTimeout(refresh, seconds * 1000); }

  schedule();
})();
