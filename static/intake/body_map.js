/* Body map for the intake form (templates/intake/_body_map.html).
 *
 * The form's pain_sites checkboxes are the real data and the no-JavaScript fallback; this
 * script only mirrors them on the figure:
 *  - clicking (or Space/Enter on) a region ticks its checkbox; ticking a checkbox highlights
 *    every region with that code, in both views;
 *  - it fills the running counts #bm-wpi, #bm-regions (ACR 2016) and #bm-sites.
 * It does nothing on pages without an editable map, and binds nothing in read-only mode.
 * Content Security Policy: state is set with classes and ARIA attributes, never with inline
 * styles or handlers.
 */
(() => {
  "use strict";

  const CHECKBOXES = 'input[type="checkbox"][name="pain_sites"]';

  function findCheckboxes(root) {
    // The map is normally inside the intake form; fall back to the whole page.
    const form = root.closest("form");
    let found = form ? form.querySelectorAll(CHECKBOXES) : [];
    if (!found.length) found = document.querySelectorAll(CHECKBOXES);
    const boxes = new Map();
    for (const box of found) {
      if (!boxes.has(box.value)) boxes.set(box.value, box);
    }
    return boxes;
  }

  function setOutput(root, id, value) {
    const out = root.querySelector(`#${id}`);
    const text = String(value);
    // Only write on change so the live region announces real changes only.
    if (out && out.textContent !== text) out.textContent = text;
  }

  function focusedByKeyboard(el) {
    try {
      return el.matches(":focus-visible");
    } catch {
      return true; // a browser without :focus-visible
    }
  }

  function init(root) {
    if (root.dataset.bmMode !== "edit" || root.dataset.bmReady) return;
    const boxes = findCheckboxes(root);
    if (!boxes.size) return; // nothing to link to: leave the figure as a picture

    const regionsByCode = new Map();
    const siteInfo = new Map();
    const tabStops = new Set();
    for (const region of root.querySelectorAll(".bm-region[data-site]")) {
      const code = region.dataset.site;
      if (!boxes.has(code)) continue; // no tick-box for it on this page: not interactive
      if (!regionsByCode.has(code)) regionsByCode.set(code, []);
      regionsByCode.get(code).push(region);
      siteInfo.set(code, {
        wpi: region.dataset.wpi === "1",
        region: region.dataset.region || "none",
      });
      const title = region.querySelector("title");
      region.setAttribute("role", "checkbox");
      region.setAttribute("aria-label", title ? title.textContent.trim() : code);
      // One tab stop per site: its first view (front, or back for back-only sites).
      region.setAttribute("tabindex", tabStops.has(code) ? "-1" : "0");
      tabStops.add(code);
    }
    if (!regionsByCode.size) return;

    for (const svg of root.querySelectorAll("svg.bm-svg")) {
      const caption = svg.closest("figure")?.querySelector(".bm-caption-title");
      svg.removeAttribute("aria-hidden");
      svg.setAttribute("role", "group");
      svg.setAttribute("aria-label", `Body map, ${(caption?.textContent || "").trim()} view`);
    }

    let pointerCode = null;
    let focusCode = null;

    function paintHot() {
      for (const [code, regions] of regionsByCode) {
        const hot = code === pointerCode || code === focusCode;
        for (const region of regions) region.classList.toggle("is-hot", hot);
      }
    }

    function sync() {
      let wpi = 0;
      let sites = 0;
      const bodyRegions = new Set();
      for (const [code, box] of boxes) {
        const on = box.checked;
        for (const region of regionsByCode.get(code) || []) {
          region.classList.toggle("is-selected", on);
          region.setAttribute("aria-checked", on ? "true" : "false");
          if (box.disabled) region.setAttribute("aria-disabled", "true");
          else region.removeAttribute("aria-disabled");
        }
        if (!on) continue;
        sites += 1;
        const info = siteInfo.get(code);
        if (info?.wpi) wpi += 1;
        if (info && info.region !== "none") bodyRegions.add(info.region);
      }
      setOutput(root, "bm-wpi", wpi);
      setOutput(root, "bm-regions", bodyRegions.size);
      setOutput(root, "bm-sites", sites);
    }

    function toggle(code) {
      const box = boxes.get(code);
      // click() fires the checkbox's own click/input/change events and respects disabled.
      if (box && !box.disabled) box.click();
    }

    function regionOf(target) {
      return target instanceof Element ? target.closest(".bm-region[role='checkbox']") : null;
    }

    root.addEventListener("click", (event) => {
      const region = regionOf(event.target);
      if (region) toggle(region.dataset.site);
    });

    root.addEventListener("keydown", (event) => {
      const region = regionOf(event.target);
      if (!region || (event.key !== " " && event.key !== "Enter")) return;
      event.preventDefault(); // no page scroll on Space, no form submit on Enter
      if (!event.repeat) toggle(region.dataset.site);
    });

    root.addEventListener("pointerover", (event) => {
      const region = regionOf(event.target);
      pointerCode = region ? region.dataset.site : null;
      paintHot();
    });
    root.addEventListener("pointerleave", () => {
      pointerCode = null;
      paintHot();
    });

    root.addEventListener("focusin", (event) => {
      // Keyboard focus only: after a mouse click the hover feedback is enough.
      const region = regionOf(event.target);
      focusCode = region && focusedByKeyboard(region) ? region.dataset.site : null;
      paintHot();
    });
    root.addEventListener("focusout", () => {
      focusCode = null;
      paintHot();
    });

    for (const [code, box] of boxes) {
      box.addEventListener("change", sync);
      if (!regionsByCode.has(code)) continue;
      // Pointing at or focusing a tick-box shows where its site is on the figure.
      box.addEventListener("focus", () => {
        focusCode = focusedByKeyboard(box) ? code : null;
        paintHot();
      });
      box.addEventListener("blur", () => {
        focusCode = null;
        paintHot();
      });
      for (const el of [box, ...(box.labels || [])]) {
        el.addEventListener("pointerenter", () => {
          pointerCode = code;
          paintHot();
        });
        el.addEventListener("pointerleave", () => {
          pointerCode = null;
          paintHot();
        });
      }
    }

    const forms = new Set([...boxes.values()].map((box) => box.form).filter(Boolean));
    for (const form of forms) {
      // Reset restores the checkboxes after the event: sync on the next task.
      form.addEventListener("reset", () => setTimeout(sync, 0));
    }
    // Back/forward cache: the browser may restore ticked boxes without change events.
    window.addEventListener("pageshow", sync);

    for (const el of root.querySelectorAll("[data-bm-nojs]")) el.hidden = true;
    for (const el of root.querySelectorAll("[data-bm-js]")) el.hidden = false;
    root.dataset.bmReady = "1";
    root.classList.add("is-interactive");
    sync();
  }

  function start() {
    for (const root of document.querySelectorAll("[data-bm-root]")) init(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
