// Authoring form: redraw the learner preview and the messages beside the
// fields while staff type. Requests go to the form's own preview address,
// which carries the launch token (lt), and send no cookies, so this works
// inside an LMS iframe with third-party cookies blocked. Without this
// script the form still works: the Preview button posts it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  var panel = document.querySelector("[data-preview-panel]");
  var status = document.querySelector("[data-preview-status]");
  if (!form || !panel || !window.fetch || !window.FormData) { return; }

  var touched = {};  // fields edited here: their messages follow the typing
  var timer = null;
  var asked = 0;
  var shown = 0;
  var unsaved = false;

  function say(text) {
    if (status && status.textContent !== text) { status.textContent = text; }
  }

  function describedBy(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/)
      .filter(function (x) { return x && x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); }
    else { input.removeAttribute("aria-describedby"); }
  }

  function showProblems(name, problems) {
    // A group's problems have their own place (showGroups).
    if (document.querySelector('[data-errors-for~="' + name + '"]')) { return; }
    var id = "f-" + name.replace(/\./g, "-");
    var input = document.getElementById(id);
    var box = input && input.closest(".field");
    if (!box) { return; }
    var note = document.getElementById(id + "-error");
    if (problems && problems.length) {
      if (!note) {
        note = document.createElement("p");
        note.className = "field-error";
        note.id = id + "-error";
        box.appendChild(note);
      }
      note.textContent = problems.join("; ");
      box.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      describedBy(input, note.id, true);
    } else {
      if (note) { note.remove(); }
      box.classList.remove("has-error");
      input.removeAttribute("aria-invalid");
      describedBy(input, id + "-error", false);
    }
  }

  // Problems with a group of inputs (a criterion's levels, the mastery
  // rule) have one place each, marked with the names they collect.
  function showGroups(errors) {
    var spots = document.querySelectorAll("[data-errors-for]");
    Array.prototype.forEach.call(spots, function (spot) {
      var problems = [];
      spot.dataset.errorsFor.split(" ").forEach(function (name) {
        problems = problems.concat(errors[name] || []);
      });
      spot.textContent = problems.join("; ");
      spot.hidden = !problems.length;
    });
  }

  function refresh() {
    var ticket = ++asked;
    panel.setAttribute("aria-busy", "true");
    fetch(form.dataset.livePreview, {
      method: "POST", body: new FormData(form), credentials: "omit"
    }).then(function (response) {
      if (!response.ok) { throw new Error("preview " + response.status); }
      return response.json();
    }).then(function (reply) {
      if (ticket < shown) { return; }  // an older answer arriving late
      shown = ticket;
      panel.innerHTML = reply.html;
      Object.keys(touched).forEach(function (name) {
        showProblems(name, reply.errors[name]);
      });
      showGroups(reply.errors);
      var waiting = Object.keys(reply.errors).length;
      say(waiting ? "Preview paused: " + waiting + " field(s) to fix."
                  : "Preview updated.");
    }).catch(function () {
      say("The preview could not refresh; the Preview button still works.");
    }).then(function () {
      if (ticket === asked) { panel.removeAttribute("aria-busy"); }
    });
  }

  function edited(e) {
    if (!e.target.name) { return; }
    touched[e.target.name] = true;
    unsaved = true;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("submit", function () { unsaved = false; });
  // Typed text is never lost to a stray click away from the page.
  window.addEventListener("beforeunload", function (e) {
    if (unsaved) { e.preventDefault(); e.returnValue = ""; }
  });
})();
