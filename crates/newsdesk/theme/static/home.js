// 焦点图 on the home page: progressive enhancement of a carousel that already works without script
// (a scroll-snapping row of slides and numbered links). Adds previous/next buttons, marks the
// current slide's number and scrolls only the row when a number is followed. Honours
// prefers-reduced-motion; never advances by itself.
(function () {
  "use strict";
  var focus = document.querySelector(".focus");
  var row = focus && focus.querySelector(".slides");
  if (!row) return;
  var slides = row.querySelectorAll(".slide");
  var dots = focus.querySelectorAll(".slide-dots a");
  if (slides.length < 2) return;
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");

  function current() {
    return Math.max(0, Math.min(slides.length - 1, Math.round(row.scrollLeft / row.clientWidth)));
  }
  function go(i) {
    var n = (i + slides.length) % slides.length;
    // Slides are as wide as the row.
    row.scrollTo({ left: n * row.clientWidth, behavior: still.matches ? "auto" : "smooth" });
  }
  function mark() {
    var c = current();
    for (var i = 0; i < dots.length; i++) {
      if (i === c) dots[i].setAttribute("aria-current", "true");
      else dots[i].removeAttribute("aria-current");
    }
  }
  function button(cls, label, text, step) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "slide-nav " + cls;
    b.setAttribute("aria-controls", row.id);
    b.setAttribute("aria-label", label);
    b.textContent = text;
    b.addEventListener("click", function () { go(current() + step); });
    focus.appendChild(b);
  }
  button("prev", "上一张", "‹", -1);
  button("next", "下一张", "›", 1);
  Array.prototype.forEach.call(dots, function (d, i) {
    d.addEventListener("click", function (e) {
      e.preventDefault();
      go(i);
    });
  });
  var pending = 0;
  row.addEventListener("scroll", function () {
    if (pending) return;
    pending = window.requestAnimationFrame(function () { pending = 0; mark(); });
  }, { passive: true });
  mark();
})();
