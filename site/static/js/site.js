// The site's frame: the small-screen navigation toggle and the account menu.
// Without JavaScript the navigation stays open and the menu is a native <details>.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  var narrow = window.matchMedia("(max-width: 48rem)");

  function setOpen(open) {
    if (!toggle || !nav) return;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.setAttribute("data-collapsed", open ? "false" : "true");
  }

  function sync() {
    if (!toggle || !nav) return;
    if (narrow.matches) {
      toggle.hidden = false;
      setOpen(false);
    } else {
      toggle.hidden = true;
      nav.removeAttribute("data-collapsed");
      toggle.setAttribute("aria-expanded", "true");
    }
  }

  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    if (narrow.addEventListener) {
      narrow.addEventListener("change", sync);
    } else if (narrow.addListener) {
      narrow.addListener(sync);
    }
    sync();
  }

  // Close the account menu on Escape or a click elsewhere.
  var menu = document.querySelector("[data-account-menu]");
  if (menu) {
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
      }
    });
  }
})();
