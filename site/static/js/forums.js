// Forum thread page: "Reply" under a post fills the reply form's parent and focuses it.
// Without JavaScript the link goes to ?reply_to=<id>#reply, which the server fills the same way.
(function () {
  "use strict";
  var form = document.getElementById("reply-form");
  if (!form) {
    return;
  }
  var parent = document.getElementById("reply-parent");
  var target = document.getElementById("reply-target");
  var body = form.querySelector("textarea");
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".forum-reply-link") : null;
    if (!link) {
      return;
    }
    event.preventDefault();
    parent.value = link.getAttribute("data-post-id") || "";
    if (target) {
      target.querySelector("span").textContent = link.getAttribute("data-author") || "";
      target.hidden = false;
    }
    form.scrollIntoView({ block: "center" });
    if (body) {
      body.focus();
    }
  });
})();
