// The "Voces" page's recorder: in each prompt's row, Record / Stop, listen back, then
// keep the recording (sent as the upload form would send a file) or record again. The
// server reads what it is sent and says what was wrong with it; nothing here decides.
(function () {
  "use strict";
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  // Opus in Ogg where the browser records it (Firefox), else in WebM (Chromium).
  var types = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/webm"];
  var mimeType = types.find(function (t) { return MediaRecorder.isTypeSupported(t); });
  if (!mimeType) return;

  document.querySelectorAll(".voice-recorder").forEach(function (box) {
    var d = box.dataset;
    var button = function (label, cls) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      if (cls) b.className = cls;
      return b;
    };
    var record = button(d.record, "voice-record");
    var status = document.createElement("p");
    status.className = "voice-recorder-status";
    status.setAttribute("role", "status");
    box.appendChild(record);
    box.appendChild(status);
    var recorder = null, chunks = [], blob = null, preview = null, keep = null;

    function clearTake() {
      if (preview) preview.remove();
      if (keep) keep.remove();
      preview = keep = blob = null;
    }

    record.addEventListener("click", function () {
      if (recorder && recorder.state === "recording") {
        recorder.stop();
        return;
      }
      clearTake();
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream, { mimeType: mimeType });
        recorder.addEventListener("dataavailable", function (e) { if (e.data.size) chunks.push(e.data); });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          record.textContent = d.again;
          record.removeAttribute("aria-pressed");
          blob = new Blob(chunks, { type: mimeType.split(";")[0] });
          preview = document.createElement("audio");
          preview.controls = true;
          preview.className = "voice-preview";
          preview.src = URL.createObjectURL(blob);
          keep = button(d.send, "voice-keep primary");
          keep.addEventListener("click", send);
          box.insertBefore(preview, status);
          box.insertBefore(keep, status);
          status.textContent = "";
        });
        recorder.start();
        record.textContent = d.stop;
        record.setAttribute("aria-pressed", "true");
      }, function () {
        status.textContent = d.denied;
      });
    });

    function send() {
      if (!blob) return;
      keep.disabled = true;
      var form = new FormData();
      form.append("csrf", d.csrf);
      form.append("key", d.key);
      form.append("file", blob, mimeType.indexOf("ogg") >= 0 ? "voice.ogg" : "voice.webm");
      fetch(d.action, { method: "POST", body: form, credentials: "same-origin" }).then(function (response) {
        return response.text().then(function (html) {
          if (response.ok && response.redirected) {
            window.location.assign(response.url);
          } else {
            // The server's page, with its message beside this prompt.
            document.open();
            document.write(html);
            document.close();
          }
        });
      }, function () {
        keep.disabled = false;
        status.textContent = d.failed;
      });
    }
  });
})();
