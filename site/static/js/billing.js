// The points purchase's done page: ask the payment's status until the provider has confirmed
// it, then reload the page to show the result. Without JavaScript the "Check again" link does
// the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("payment-status");
  if (!box || box.dataset.settled !== "false" || !box.dataset.statusUrl || !window.fetch) {
    return;
  }
  var tries = 0;
  var MAX_TRIES = 60;
  function ask() {
    tries += 1;
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.settled) {
          window.location.reload();
        } else if (tries < MAX_TRIES) {
          window.setTimeout(ask, tries < 10 ? 1500 : 5000);
        }
      })
      .catch(function () {
        if (tries < MAX_TRIES) { window.setTimeout(ask, 5000); }
      });
  }
  window.setTimeout(ask, 1500);
})();
