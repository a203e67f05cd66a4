// LTI Client Side postMessages (platform storage): put or get one value in
// the platform's storage frame, answering only to the platform's origin.
(function () {
  "use strict";

  function targetWindow(name) {
    if (name === "_parent") { return window.parent; }
    try { return window.parent.frames[name] || window.parent; }
    catch (e) { return window.parent; }
  }

  window.pathmarkStorage = function (subject, target, origin, payload, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var id = "pm-" + Math.random().toString(36).slice(2);
      var timer = setTimeout(function () {
        window.removeEventListener("message", listen);
        reject(new Error("no answer from the platform"));
      }, timeoutMs || 3000);
      function listen(event) {
        if (event.origin !== origin) { return; }
        var data = event.data || {};
        if (data.message_id !== id || data.subject !== subject + ".response") { return; }
        clearTimeout(timer);
        window.removeEventListener("message", listen);
        if (data.error) { reject(new Error(data.error.code || "platform error")); }
        else { resolve(data); }
      }
      window.addEventListener("message", listen);
      var message = Object.assign({ subject: subject, message_id: id }, payload);
      targetWindow(target).postMessage(message, origin);
    });
  };
})();
