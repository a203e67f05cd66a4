// Scoring screen: insert the standard feedback of the chosen level, and
// keyboard shortcuts (1-9 pick a level in the focused row, J/K move rows,
// Ctrl+S saves a draft). The form works without this script.
(function () {
  "use strict";
  function showStandard(input) {
    var crit = input.name.slice("level-".length);
    var form = input.form;
    var target = form && form.querySelector('[data-standard-for="' + crit + '"]');
    if (target) { target.textContent = input.dataset.standard; }
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches('input[type="radio"][name^="level-"]')) {
      showStandard(e.target);
    }
  });
  document.addEventListener("keydown", function (e) {
    var row = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("tr.criterion") : null;
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      var draft = document.querySelector("[data-save-draft]");
      if (draft) { e.preventDefault(); draft.click(); }
      return;
    }
    if (!row || e.target.matches("textarea")) { return; }
    var rows = Array.prototype.slice.call(
      row.closest("table").querySelectorAll("tr.criterion"));
    var index = rows.indexOf(row);
    if (/^[1-9]$/.test(e.key)) {
      var radios = row.querySelectorAll('input[type="radio"]');
      var radio = radios[Number(e.key) - 1];
      if (radio) {
        radio.checked = true;
        showStandard(radio);
        e.preventDefault();
      }
    } else if (e.key === "j" || e.key === "ArrowDown") {
      if (rows[index + 1]) { rows[index + 1].focus(); e.preventDefault(); }
    } else if (e.key === "k" || e.key === "ArrowUp") {
      if (rows[index - 1]) { rows[index - 1].focus(); e.preventDefault(); }
    }
  });
})();
