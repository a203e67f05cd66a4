// Comment bank on the scoring screen: show the comments of the level picked
// for each criterion, insert one into that criterion's note on click (or
// Enter/Space on the focused button), and jump to a row's comments with B.
(function () {
  "use strict";
  function showLevel(criterion, level) {
    var box = document.querySelector('[data-bank-for="' + criterion + '"]');
    if (!box) { return; }
    var lists = box.querySelectorAll("[data-bank-level]");
    var shown = false;
    Array.prototype.forEach.call(lists, function (list) {
      var match = list.dataset.bankLevel === String(level);
      list.hidden = !match;
      shown = shown || match;
    });
    var empty = box.querySelector("[data-bank-empty]");
    if (empty) { empty.hidden = shown; }
  }
  function insert(button) {
    var form = button.closest("form");
    var note = form && form.querySelector(
      'textarea[name="' + button.dataset.insert + '"]');
    if (!note) { return; }
    var text = button.dataset.text;
    note.value = note.value.trim() ? note.value.replace(/\s+$/, "") + "\n\n" + text
      : text;
    note.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function syncFromRadio(input) {
    showLevel(input.name.slice("level-".length), input.value);
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches('[data-sheet] input[type="radio"][name^="level-"]')) {
      syncFromRadio(e.target);
    }
  });
  // scoring.js picks levels with number keys without a change event.
  document.addEventListener("keyup", function (e) {
    if (!/^[1-9]$/.test(e.key)) { return; }
    var row = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-sheet] tr.criterion") : null;
    var picked = row && row.querySelector('input[type="radio"]:checked');
    if (picked) { syncFromRadio(picked); }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-insert]");
    if (button) { insert(button); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "b" && e.key !== "B") { return; }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var row = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-sheet] tr.criterion") : null;
    if (!row) { return; }
    var box = document.querySelector(
      '[data-bank-for="' + row.dataset.criterion + '"]');
    var first = box && box.querySelector("ul:not([hidden]) [data-insert]");
    if (first) { first.focus(); e.preventDefault(); }
  });
})();
