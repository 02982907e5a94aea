// The criteria table (templates/admin/intake/criteriaset/criteria_table.html): when a row's
// kind changes, show the fields of the new kind (an urgency for a red flag, a message for a
// caveat) and hide the others. Without this script the page still works: the server shows
// the right fields once the row is saved, and clears an urgency that no longer applies.
(function () {
  "use strict";

  function showFieldsOf(row, kind) {
    row.querySelectorAll("[data-kinds]").forEach(function (element) {
      element.hidden = element.dataset.kinds.split(" ").indexOf(kind) === -1;
    });
    row.querySelectorAll("[data-kinds-not]").forEach(function (element) {
      element.hidden = element.dataset.kindsNot.split(" ").indexOf(kind) !== -1;
    });
  }

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches('tr.criteria-row select[name$="-kind"]')) {
      return;
    }
    showFieldsOf(select.closest("tr.criteria-row"), select.value);
  });
})();
