// The newsroom's small helpers, no framework: a live preview rendered by the server (the same
// renderer as the public page), image upload into the body or as the cover, and confirmations.
// The rich-text editor (editor.js, built from editor/) keeps the body textarea current.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });

  var body = document.getElementById('body');
  if (!body) return;
  var target = document.querySelector(body.getAttribute('data-preview'));
  var titleInput = document.querySelector('input[name="title"]');
  var titleOut = document.getElementById('preview-title-text');
  var timer = null;
  var seq = 0;

  function refresh() {
    var mine = ++seq;
    var form = new URLSearchParams();
    form.set('body', body.value);
    form.set('format', body.getAttribute('data-format') || 'markdown');
    fetch('/admin/preview', {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      credentials: 'same-origin',
    }).then(function (r) {
      // Refusals (too deep, too long, server busy) come as plain text that says why.
      if (!r.ok) {
        return r.text().then(function (t) {
          var plain = (r.headers.get('Content-Type') || '').indexOf('text/plain') === 0;
          throw new Error('预览失败（' + r.status + '）' + (plain ? '：' + t : ''));
        });
      }
      return r.text();
    }).then(function (html) {
      // Sanitized on the server, exactly as the public page shows it.
      if (mine === seq) target.innerHTML = html;
    }).catch(function (err) {
      if (mine === seq) target.textContent = String(err.message || err);
    });
  }
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  body.addEventListener('input', soon);
  if (titleInput && titleOut) {
    titleInput.addEventListener('input', function () { titleOut.textContent = titleInput.value; });
  }
  refresh();

  var status = document.getElementById('upload-status');

  // Uploads an image; resolves with the server's answer ({url, markdown, …}).
  function uploadImage(file) {
    var data = new FormData();
    data.append('file', file);
    status.textContent = '正在上传…';
    return fetch('/admin/images', {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrf, 'Accept': 'application/json' },
      body: data,
      credentials: 'same-origin',
    }).then(function (r) {
      // A proxy in front (nginx's client_max_body_size) answers with its own HTML page.
      var isJson = (r.headers.get('Content-Type') || '').indexOf('application/json') === 0;
      if (!isJson) {
        throw new Error(r.status === 413
          ? '上传失败：文件超过了服务器允许的大小（413）'
          : '上传失败（HTTP ' + r.status + '）');
      }
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || ('上传失败（' + r.status + '）'));
        return j;
      });
    });
  }

  // The rich-text editor uploads pasted and dropped pictures (screenshots) the same way.
  window.newsdeskUploadImage = uploadImage;

  // An upload goes where the editor chose — the body or the cover, never both (an image in both
  // places showed twice on the article page).
  var upload = document.getElementById('editor-upload');
  if (upload) {
    upload.addEventListener('change', function () {
      var file = upload.files && upload.files[0];
      if (!file) return;
      uploadImage(file).then(function (j) {
        var rich = window.newsdeskEditor;
        if (!(rich && rich.insertImage(j.url, ''))) {
          var at = body.selectionStart || body.value.length;
          var text = '\n\n' + j.markdown + '\n\n';
          body.value = body.value.slice(0, at) + text + body.value.slice(at);
        }
        status.textContent = '已插入图片 ' + j.url;
        upload.value = '';
        refresh();
      }).catch(function (err) {
        status.textContent = String(err.message || err);
      });
    });
  }
  var coverUpload = document.getElementById('cover-upload');
  if (coverUpload) {
    coverUpload.addEventListener('change', function () {
      var file = coverUpload.files && coverUpload.files[0];
      if (!file) return;
      uploadImage(file).then(function (j) {
        var cover = document.querySelector('input[name="cover_image"]');
        if (cover) cover.value = j.url;
        status.textContent = '已设为封面 ' + j.url;
        coverUpload.value = '';
      }).catch(function (err) {
        status.textContent = String(err.message || err);
      });
    });
  }
})();
