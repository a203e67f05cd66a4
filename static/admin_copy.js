// Copy buttons on the admin page: copy the value next to the button.
// Where the clipboard API is missing (plain http other than localhost) or
// refused, the value is selected instead and the button says to copy it.
(function () {
  "use strict";
  function say(button, text) {
    button.textContent = text;
    setTimeout(function () { button.textContent = "Copy"; }, 2500);
  }
  function selectForCopy(button, source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say(button, "Selected: press Ctrl+C");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    if (!navigator.clipboard) { selectForCopy(button, source); return; }
    navigator.clipboard.writeText(source.textContent).then(function () {
      say(button, "Copied");
    }, function () { selectForCopy(button, source); });
  });
})();
