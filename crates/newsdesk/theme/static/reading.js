/* Article page tools: A- / A+ font size (remembered in localStorage for every article) and
   copying the page's link. Without this script the page reads the same; the buttons stay hidden. */
(function () {
  "use strict";
  var KEY = "newsdesk.fontSize";
  var MIN = -1, MAX = 3;
  var root = document.documentElement;
  function stored() {
    try { return parseInt(localStorage.getItem(KEY) || "0", 10) || 0; } catch (e) { return 0; }
  }
  function apply(step) {
    step = Math.max(MIN, Math.min(MAX, step));
    if (step === 0) root.removeAttribute("data-font-size");
    else root.setAttribute("data-font-size", String(step));
    try { localStorage.setItem(KEY, String(step)); } catch (e) { /* private mode: this page only */ }
    return step;
  }
  var step = stored();
  if (step) apply(step);
  function ready() {
    var smaller = document.querySelector(".font-smaller");
    var larger = document.querySelector(".font-larger");
    var copy = document.querySelector(".copy-link");
    var status = document.querySelector(".copy-status");
    if (smaller && larger) {
      smaller.hidden = false;
      larger.hidden = false;
      smaller.addEventListener("click", function () { step = apply(step - 1); });
      larger.addEventListener("click", function () { step = apply(step + 1); });
    }
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var url = copy.getAttribute("data-url") || location.href.split("#")[0];
        var done = function () { if (status) status.textContent = "链接已复制"; };
        var fallback = function () {
          var field = document.createElement("textarea");
          field.value = url;
          field.setAttribute("readonly", "");
          field.className = "visually-hidden";
          document.body.appendChild(field);
          field.select();
          var ok = false;
          try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
          document.body.removeChild(field);
          if (ok) done(); else if (status) status.textContent = "请复制地址栏中的链接";
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(done, fallback);
        } else {
          fallback();
        }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
