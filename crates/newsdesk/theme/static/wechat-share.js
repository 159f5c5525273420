/* WeChat share card: inside WeChat's browser, ask the server to sign this page for the JS-SDK and
   give WeChat the page's headline, summary and image (from its og: tags). Included only when the
   site has a WeChat official account configured. */
(function () {
  "use strict";
  if (!/MicroMessenger/i.test(navigator.userAgent)) return;
  function meta(p) {
    var m = document.querySelector('meta[property="' + p + '"]');
    return m ? m.getAttribute("content") : "";
  }
  var pageUrl = location.href.split("#")[0];
  fetch("/api/v1/wechat/jssdk-config?url=" + encodeURIComponent(pageUrl))
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (cfg) {
      var s = document.createElement("script");
      s.src = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";
      s.onload = function () {
        var wx = window.wx;
        wx.config({
          debug: false, appId: cfg.appId, timestamp: cfg.timestamp, nonceStr: cfg.nonceStr,
          signature: cfg.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]
        });
        wx.ready(function () {
          var card = {
            title: meta("og:title") || document.title, desc: meta("og:description"),
            link: meta("og:url") || pageUrl, imgUrl: meta("og:image")
          };
          wx.updateAppMessageShareData(card);
          wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
        });
      };
      document.head.appendChild(s);
    })
    .catch(function () { /* Sharing still works, with WeChat's plain link card. */ });
})();
