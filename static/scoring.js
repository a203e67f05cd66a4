// Scoring screen: insert the standard feedback of the chosen level,
// keyboard shortcuts (1-9 pick a level in the focused row, J/K move rows,
// Ctrl+S saves a draft) and the gentle feedback check while the mentor
// types. The form works without this script.
(function () {
  "use strict";
  // The check's rules live on the server (the form's data-check-url, the
  // same function that draws the page after a save); this only asks and
  // shows the answer in each note's live region. It never holds up saving.
  var sheet = document.querySelector("form[data-check-url]");
  var timer = null;
  var asked = 0;
  function showChecks(warnings) {
    var regions = sheet.querySelectorAll("[data-check-for]");
    Array.prototype.forEach.call(regions, function (region) {
      var found = warnings[region.dataset.checkFor] || [];
      var shown = Array.prototype.map.call(
        region.querySelectorAll("p"), function (p) { return p.textContent; });
      if (shown.join("\n") === found.join("\n")) { return; }
      region.textContent = "";
      found.forEach(function (text) {
        var line = document.createElement("p");
        line.textContent = text;
        region.appendChild(line);
      });
    });
  }
  // Each answer carries a renewed launch token: the page's forms take it,
  // so a mentor who keeps typing keeps the session until the hard cap.
  function renewToken(response) {
    var fresh = response.headers.get("Pathmark-Launch-Token");
    if (!fresh) { return; }
    var fields = document.querySelectorAll('input[type="hidden"][name="lt"]');
    Array.prototype.forEach.call(fields, function (field) { field.value = fresh; });
  }
  // A 401 means the session has ended: say so where the mentor looks,
  // before they press save, and stop asking.
  var ended = false;
  function sessionEnded() {
    ended = true;
    var status = document.querySelector("[data-session-ended]");
    if (status) { status.hidden = false; }
  }
  function check() {
    var ticket = ++asked;
    fetch(sheet.dataset.checkUrl, {
      method: "POST", body: new FormData(sheet), credentials: "omit",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      renewToken(response);
      if (response.status === 401) { sessionEnded(); return null; }
      return response.ok ? response.json() : null;
    }).then(function (reply) {
      if (reply && reply.warnings && ticket === asked) {
        showChecks(reply.warnings);
      }
    }).catch(function () { /* the check is advice; the form still saves */ });
  }
  function checkSoon() {
    if (!sheet || ended || !window.fetch || !window.FormData) { return; }
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  }
  if (sheet) {
    sheet.addEventListener("input", function (e) {
      if (e.target.matches('textarea[name^="note-"]')) { checkSoon(); }
    });
  }
  function showStandard(input) {
    var crit = input.name.slice("level-".length);
    var form = input.form;
    var target = form && form.querySelector('[data-standard-for="' + crit + '"]');
    if (target) { target.textContent = input.dataset.standard; }
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches('input[type="radio"][name^="level-"]')) {
      showStandard(e.target);
      if (sheet && e.target.form === sheet) { checkSoon(); }
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
        if (sheet && radio.form === sheet) { checkSoon(); }
        e.preventDefault();
      }
    } else if (e.key === "j" || e.key === "ArrowDown") {
      if (rows[index + 1]) { rows[index + 1].focus(); e.preventDefault(); }
    } else if (e.key === "k" || e.key === "ArrowUp") {
      if (rows[index - 1]) { rows[index - 1].focus(); e.preventDefault(); }
    }
  });
})();
