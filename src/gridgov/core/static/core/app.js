/* gridgov page shell: idle sign-out and confirmation prompts. No external resources. */
(function () {
  "use strict";

  // Idle timeout: the server signs a session out after GRIDGOV_IDLE_TIMEOUT_MINUTES without a
  // request. Reload a little after that moment so the page shows the sign-in form instead of
  // stale (and possibly sensitive) data. Any htmx request counts as activity.
  var minutes = parseInt(document.body.getAttribute("data-idle-minutes") || "0", 10);
  if (minutes > 0) {
    var timer = null;
    var arm = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () { window.location.reload(); }, (minutes * 60 + 5) * 1000);
    };
    arm();
    document.body.addEventListener("htmx:afterRequest", arm);
  }

  // <form data-gg-confirm="Are you sure?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-gg-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
})();
