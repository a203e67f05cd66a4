// Tell the platform that Dynamic Registration is over (LTI DR 1.0, 3.6):
// it then closes the frame or window it opened Pathmark in.
(function () {
  "use strict";
  // The message carries no secret, and the platform's page may be on
  // another origin than its configuration URL, so any origin may read it.
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) {
    target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
})();
