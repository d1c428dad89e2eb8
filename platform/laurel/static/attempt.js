// Save a learner's answers as they choose them. The page works without this
// file: the "Save answers" button posts the same form to the same URL.
(function () {
  "use strict";
  var form = document.querySelector("form[data-save-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("save-status");
  var pending = Promise.resolve();

  function show(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function send(body) {
    return fetch(form.getAttribute("data-save-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": body.get("csrf_token") }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          show("Saved " + data.answered + " of " + data.total + " answers.");
        } else {
          show(data.error || "Saving failed; use the Save answers button.");
        }
      });
    }).catch(function () {
      show("Saving failed; use the Save answers button.");
    });
  }

  // Requests go one after another, so an older save never lands after a newer one.
  form.addEventListener("change", function (event) {
    if (event.target.type !== "radio") {
      return;
    }
    var body = new FormData(form);
    pending = pending.then(function () { return send(body); });
  });
})();
