// The page editor of an Arabic page: its text fields edit right to left.
// Wagtail lays the admin out in the editor's own language; the content's language is the page's
// locale, given by the #content-language marker (wagtailadmin/pages/_content_direction.html).
// Fields added later (StreamField blocks, rich-text editors) get it too.
(function () {
  "use strict";
  var marker = document.getElementById("content-language");
  if (!marker) {
    return;
  }
  var lang = marker.dataset.lang;
  var dir = marker.dataset.dir;
  var FIELDS = [
    "input[type=text]",
    "input:not([type])",
    "textarea",
    "[contenteditable=true]",
    ".Draftail-Editor",
  ].join(",");
  // Addresses and dates read left to right in every language.
  var SKIP = "[name=slug], [name$=url], [name$=link], [data-controller~=w-date], .w-field--date_field *";

  function mark(element) {
    if (element.hasAttribute("dir") || element.matches(SKIP)) {
      return;
    }
    element.setAttribute("dir", dir);
    element.setAttribute("lang", lang);
  }

  function apply(root) {
    if (root.matches && root.matches(FIELDS)) {
      mark(root);
    }
    root.querySelectorAll(FIELDS).forEach(mark);
  }

  function start() {
    var panels = document.querySelectorAll("#tab-content, #tab-promote");
    panels.forEach(function (panel) {
      apply(panel);
      new MutationObserver(function (mutations) {
        mutations.forEach(function (mutation) {
          mutation.addedNodes.forEach(function (node) {
            if (node.nodeType === Node.ELEMENT_NODE) {
              apply(node);
            }
          });
        });
      }).observe(panel, { childList: true, subtree: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
