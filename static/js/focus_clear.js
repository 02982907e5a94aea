/* A control reached with the keyboard is never hidden behind a sticky bar (WCAG 2.2 2.4.11).
   CSS scroll-padding-bottom covers most controls; this covers what it does not (SVG regions
   of the body map, a bar taller than the padding on a narrow screen). */
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var bar = document.querySelector(".form-actions");
    var target = event.target;
    if (!bar || !target.getBoundingClientRect || bar.contains(target)) return;
    if (getComputedStyle(bar).position !== "sticky") return;
    var box = target.getBoundingClientRect();
    var barTop = bar.getBoundingClientRect().top;
    if (box.bottom > barTop - 8 && box.top < window.innerHeight) {
      window.scrollBy(0, box.bottom - barTop + 16);
    }
  });
})();
