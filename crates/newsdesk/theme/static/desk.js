// The article list's bulk actions: "全选本页" ticks every row, and the channel and tag fields show
// only for the action that needs them.
(function () {
  'use strict';
  var form = document.getElementById('bulk');
  if (!form) return;
  var all = document.getElementById('bulk-all');
  var action = document.getElementById('bulk-action');
  var boxes = function () { return document.querySelectorAll('input[form="bulk"][name="id"]'); };
  all.addEventListener('change', function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
  });
  var channel = form.querySelector('.bulk-channel');
  var tag = form.querySelector('.bulk-tag');
  var show = function () {
    channel.hidden = action.value !== 'move';
    tag.hidden = action.value !== 'tag';
  };
  action.addEventListener('change', show);
  show();
  form.addEventListener('submit', function (e) {
    var ticked = Array.prototype.some.call(boxes(), function (b) { return b.checked; });
    if (!ticked) {
      e.preventDefault();
      window.alert('请先勾选要操作的文章');
    } else if (action.value === 'trash' && !window.confirm('确定把勾选的文章移入回收站吗？30 天内可以恢复。')) {
      e.preventDefault();
    }
  });
})();
