// runform: the little JavaScript the pages need (no build step).
(function () {
  "use strict";

  // Forms marked data-once are sent once: the button is disabled while the upload runs.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      var busy = form.querySelector("[data-busy]");
      if (busy) busy.hidden = false;
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Comments pinned to the video: a button seeks to its moment, the form takes the
  // player's current time, and marks on a bar show where comments are.
  var player = document.getElementById("annotated");
  document.querySelectorAll("[data-seek]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!player) return;
      player.currentTime = parseFloat(b.getAttribute("data-seek")) || 0;
      player.pause();
      player.scrollIntoView({ block: "nearest" });
    });
  });
  var at = document.querySelector("[data-current-time]");
  if (player && at) {
    player.addEventListener("timeupdate", function () { at.value = player.currentTime.toFixed(2); });
  }
  var line = document.querySelector("[data-timeline]");
  if (player && line) {
    var place = function () {
      if (!player.duration) return;
      line.querySelectorAll(".mark").forEach(function (m) {
        var t = parseFloat(m.getAttribute("data-at")) || 0;
        m.style.left = Math.min(100, 100 * t / player.duration) + "%";
      });
    };
    player.addEventListener("loadedmetadata", place);
    place();
  }

  // The progress card polls the job's small JSON endpoint and reloads when it is over.
  var status = document.querySelector("[data-status-url]");
  if (!status) return;
  var url = status.getAttribute("data-status-url");
  var bar = status.querySelector("progress");
  function show(job) {
    ["state", "stage_label", "detail_label"].forEach(function (name) {
      var el = status.querySelector('[data-field="' + name + '"]');
      if (el) el.textContent = job[name] || "";
    });
    if (bar) { bar.value = job.progress || 0; bar.textContent = Math.round(100 * (job.progress || 0)) + " %"; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 5000); return; }
        show(job);
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
