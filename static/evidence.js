// Pathmark learner evidence page: record in the browser, upload with progress.
// Works without cookies: every request carries the launch token in its URL.
// Recordings go up in chunks that resume after a dropped connection, and wait
// in IndexedDB until the server confirms them, so an expired session or a
// closed tab does not lose a take: the next launch offers to resume it.
(function () {
  "use strict";
  var root = document.getElementById("evidence");
  if (!root) { return; }
  var cfg = root.dataset;
  var submission = parseInt(cfg.submission, 10);
  var statusBox = document.getElementById("status");
  var JSON_HEADERS = { "Accept": "application/json", "X-Requested-With": "pathmark" };
  // Encoded characters of an upload's caption that may ride in its address.
  var MAX_CAPTION_IN_URL = 1500;

  function say(text, isError) {
    statusBox.textContent = text;
    statusBox.classList.toggle("notice-error", !!isError);
  }

  function withParams(url, params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
    });
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + parts.join("&");
  }

  function uploadUrl(id, suffix) {
    var base = cfg.uploadsUrl.split("?");
    return base[0] + "/" + id + (suffix || "") + "?" + base[1];
  }

  // The launch token answers carry, newest first: activity keeps the
  // session alive, so later requests and the reload use the renewed one.
  var renewedToken = null;
  function fresh(url) {
    if (!renewedToken) { return url; }
    return url.replace(/([?&]lt=)[^&#]*/, "$1" + encodeURIComponent(renewedToken));
  }
  function reloadPage() { window.location.replace(fresh(window.location.href)); }

  // One request with upload progress; resolves with the parsed JSON body.
  function send(method, url, body, contentType, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, fresh(url));
      Object.keys(JSON_HEADERS).forEach(function (k) { xhr.setRequestHeader(k, JSON_HEADERS[k]); });
      if (contentType) { xhr.setRequestHeader("Content-Type", contentType); }
      if (onProgress) {
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) { onProgress(e.loaded); } };
      }
      xhr.onload = function () {
        var renewed = xhr.getResponseHeader("Pathmark-Launch-Token");
        if (renewed) { renewedToken = renewed; }
        var data = {};
        try { data = JSON.parse(xhr.responseText || "{}"); } catch (e) { data = {}; }
        if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
        data.status = xhr.status;
        reject(data);
      };
      xhr.onerror = function () { reject({ status: 0, message: "The connection dropped." }); };
      xhr.send(body);
    });
  }

  function explain(err) {
    if (err.error === "session_expired" && err.message) { return err.message; }
    // A refused launch says what to do; a plain upload is not kept or resumed.
    if (err.action) { return err.action; }
    if (err.status === 401) {
      return "Your session has ended. Open the activity again from your course; " +
        "what already arrived is kept and the upload will continue.";
    }
    return err.message || err.title || "Something went wrong; nothing was lost, please try again.";
  }

  function setProgress(el, fraction) {
    var pct = Math.round(fraction * 100);
    el.value = pct;
    el.textContent = pct + "%";
  }

  // Plain uploads: the raw file as the body, so it streams on the server.
  var form = document.getElementById("upload-form");
  if (form && window.XMLHttpRequest) {
    form.addEventListener("submit", function (ev) {
      var input = document.getElementById("upload-file");
      var file = input.files && input.files[0];
      if (!file) { return; }
      ev.preventDefault();
      if (file.size > parseInt(cfg.limit, 10)) {
        say("This file is larger than the activity allows. Nothing was sent.", true);
        return;
      }
      var bar = document.getElementById("upload-progress");
      var caption = document.getElementById("upload-caption").value;
      var params = { submission: submission, kind: form.elements.kind.value };
      var body = file;
      var type = file.type || "application/octet-stream";
      // Servers refuse a long address (gunicorn: 4 kB), so a long caption or
      // transcript goes with the file as a form; the server spools that file
      // to disk before storing it, so short captions keep the raw stream.
      if (encodeURIComponent(caption).length > MAX_CAPTION_IN_URL) {
        body = new FormData();
        body.append("caption", caption);
        body.append("file", file);
        type = null;
      } else {
        params.name = file.name;
        params.caption = caption;
      }
      say("Uploading " + file.name + "…");
      send("POST", withParams(cfg.filesUrl, params), body, type, function (n) {
        setProgress(bar, Math.min(1, n / file.size));
      }).then(function () {
        say("Saved. Reloading…");
        reloadPage();
      }, function (err) { say(explain(err), true); });
    });
  }

  // Text: a live word count.
  var text = document.getElementById("text-body");
  if (text) {
    var counter = document.getElementById("word-count");
    var hint = counter.textContent;
    text.addEventListener("input", function () {
      var words = text.value.trim() ? text.value.trim().split(/\s+/).length : 0;
      counter.textContent = words + " words. " + hint;
    });
  }

  // A submit button pressed twice sends once (the server also makes sure).
  var submitForm = document.getElementById("submit-form");
  if (submitForm) {
    submitForm.addEventListener("submit", function () {
      var button = submitForm.querySelector("button[type=submit]");
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  }

  // Takes not yet confirmed by the server, one per learner and activity.
  // Where the browser refuses storage (some third-party frames), the take
  // lives in memory only, as before.
  var keptTakes = (function () {
    function open() {
      return new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var req = window.indexedDB.open("pathmark-takes", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("takes"); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    function run(mode, action) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction("takes", mode);
          var req = action(tx.objectStore("takes"));
          tx.oncomplete = function () { db.close(); resolve(req.result); };
          tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
        });
      });
    }
    var key = cfg.resumeKey;
    return {
      load: function () {
        if (!key) { return Promise.resolve(null); }
        return run("readonly", function (s) { return s.get(key); })
          .catch(function () { return null; });
      },
      // Resolves true once the take is stored, false where it cannot be.
      save: function (take) {
        if (!key) { return Promise.resolve(false); }
        return run("readwrite", function (s) { return s.put(take, key); })
          .then(function () { return true; }, function () { return false; });
      },
      forget: function () {
        if (!key) { return Promise.resolve(); }
        return run("readwrite", function (s) { return s.delete(key); })
          .catch(function () { return null; });
      }
    };
  })();

  var recorder = document.getElementById("recorder");
  if (!recorder) { return; }
  var startBtn = document.getElementById("rec-start");
  var stopBtn = document.getElementById("rec-stop");
  var keepBtn = document.getElementById("rec-keep");
  var deviceSel = document.getElementById("rec-device");
  var videoBox = document.getElementById("rec-video");
  var meter = document.getElementById("rec-level");
  var timeEl = document.getElementById("rec-time");
  var promptEl = document.getElementById("rec-prompt");
  var preview = document.getElementById("rec-preview");
  var previewVideo = document.getElementById("rec-preview-video");
  var progress = document.getElementById("rec-progress");
  var maxSeconds = parseInt(cfg.maxSeconds, 10) || 0;
  var allowed = (cfg.recordingTypes || "").split(",");
  var videoAllowed = allowed.some(function (t) { return t.indexOf("video/") === 0; });
  var audioAllowed = allowed.some(function (t) { return t.indexOf("audio/") === 0; });
  if (!videoAllowed) { videoBox.closest(".row").hidden = true; }
  if (!audioAllowed) { videoBox.checked = true; videoBox.disabled = true; }

  offerResume();

  if (!navigator.mediaDevices || !window.MediaRecorder) {
    document.getElementById("rec-unsupported").hidden = false;
    startBtn.disabled = true;
    return;
  }

  var stream = null, rec = null, parts = [], take = null, seconds = 0, ticket = null;
  var ticker = null, audioCtx = null, raf = null;

  function chooseType(video) {
    var wanted = allowed.filter(function (t) { return t.indexOf(video ? "video/" : "audio/") === 0; });
    var codecs = video ? ["", ";codecs=vp8,opus", ";codecs=vp9,opus"] : ["", ";codecs=opus"];
    for (var i = 0; i < wanted.length; i++) {
      for (var j = 0; j < codecs.length; j++) {
        if (MediaRecorder.isTypeSupported(wanted[i] + codecs[j])) { return wanted[i] + codecs[j]; }
      }
    }
    return "";
  }

  function listDevices() {
    return navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var current = deviceSel.value;
      deviceSel.textContent = "";
      devices.filter(function (d) { return d.kind === "audioinput"; }).forEach(function (d, i) {
        var opt = document.createElement("option");
        opt.value = d.deviceId;
        opt.textContent = d.label || ("Microphone " + (i + 1));
        deviceSel.appendChild(opt);
      });
      if (current) { deviceSel.value = current; }
    });
  }
  listDevices();

  function showLevel() {
    audioCtx = new (window.AudioContext || window.webkitAudioContext)();
    var analyser = audioCtx.createAnalyser();
    analyser.fftSize = 512;
    audioCtx.createMediaStreamSource(stream).connect(analyser);
    var samples = new Uint8Array(analyser.fftSize);
    (function draw() {
      analyser.getByteTimeDomainData(samples);
      var peak = 0;
      for (var i = 0; i < samples.length; i++) { peak = Math.max(peak, Math.abs(samples[i] - 128) / 128); }
      meter.value = peak;
      meter.textContent = Math.round(peak * 100) + "%";
      raf = window.requestAnimationFrame(draw);
    })();
  }

  function clock() {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    timeEl.textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }

  function revealPrompt() {
    if (cfg.reveal !== "yes") { return Promise.resolve(); }
    return send("POST", withParams(cfg.promptUrl, { submission: submission }), null, null)
      .then(function (data) {
        promptEl.textContent = "Prompt: " + data.prompt;
        promptEl.hidden = false;
      });
  }

  startBtn.addEventListener("click", function () {
    var video = videoBox.checked;
    var constraints = { audio: deviceSel.value ? { deviceId: { exact: deviceSel.value } } : true, video: video };
    startBtn.disabled = true;
    keepBtn.disabled = true;
    ticket = null;
    say("Starting…");
    navigator.mediaDevices.getUserMedia(constraints).then(function (s) {
      stream = s;
      listDevices();
      return revealPrompt();
    }).then(function () {
      // The server's word that this take is made now, in this page.
      var url = withParams(cfg.ticketUrl, { submission: submission });
      return send("POST", url, null, null);
    }).then(function (issued) {
      ticket = issued.ticket;
      var type = chooseType(video);
      rec = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
      parts = [];
      rec.ondataavailable = function (e) { if (e.data && e.data.size) { parts.push(e.data); } };
      rec.onstop = finishTake;
      rec.start(1000);
      seconds = 0;
      clock();
      ticker = window.setInterval(function () {
        seconds += 1;
        clock();
        if (maxSeconds && seconds >= maxSeconds) { stopRecording(); }
      }, 1000);
      showLevel();
      stopBtn.disabled = false;
      stopBtn.focus();
      say("Recording… press Stop when you have finished.");
    }).catch(function (err) {
      startBtn.disabled = false;
      say(err && err.name === "NotAllowedError"
        ? "Pathmark may not use your microphone. Allow it in the browser, or upload a file instead."
        : explain(err || {}), true);
    });
  });

  function stopRecording() {
    if (rec && rec.state !== "inactive") { rec.stop(); }
    window.clearInterval(ticker);
    if (raf) { window.cancelAnimationFrame(raf); }
    if (audioCtx) { audioCtx.close(); }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stopBtn.disabled = true;
  }
  stopBtn.addEventListener("click", stopRecording);

  function finishTake() {
    var type = (rec.mimeType || parts[0] && parts[0].type || "audio/webm");
    take = {
      blob: new Blob(parts, { type: type }), seconds: seconds, type: type,
      ticket: ticket
    };
    var player = type.indexOf("video/") === 0 ? previewVideo : preview;
    player.src = URL.createObjectURL(take.blob);
    player.hidden = false;
    keepBtn.disabled = false;
    startBtn.disabled = false;
    startBtn.textContent = "Record again";
    // Stop is disabled now; keep a keyboard user where the next step is.
    keepBtn.focus();
    var min = parseInt(cfg.minSeconds, 10) || 0;
    say(min && seconds < min
      ? "This take is shorter than the " + min + " s the task needs. Record again, or keep it anyway."
      : "Listen back, then keep this take or record again.");
  }

  function digestOf(blob) {
    if (!window.crypto || !window.crypto.subtle || !blob.arrayBuffer) { return Promise.resolve(null); }
    return blob.arrayBuffer().then(function (buf) {
      return window.crypto.subtle.digest("SHA-256", buf);
    }).then(function (hash) {
      return Array.prototype.map.call(new Uint8Array(hash), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    });
  }

  // Send chunks from the offset the server has; on a drop, ask and resume.
  function sendChunks(upload, blob, tries) {
    var size = blob.size, chunk = upload.chunk_bytes;
    function next(offset) {
      setProgress(progress, offset / size);
      if (offset >= size) { return Promise.resolve(); }
      var piece = blob.slice(offset, Math.min(offset + chunk, size));
      return send("PUT", withParams(uploadUrl(upload.id), { offset: offset }), piece,
        "application/octet-stream", function (n) { setProgress(progress, (offset + n) / size); })
        .then(function (state) { tries = 0; return next(state.received); }, function (err) {
          if (typeof err.received === "number") { return next(err.received); }
          // Only a dropped connection or a server hiccup is worth retrying.
          var dropped = err.status === 0 || err.status >= 500 ||
            err.error === "chunk_cut";
          if (!dropped || ++tries > 8) { throw err; }
          say("Connection lost; trying again…");
          return new Promise(function (r) { window.setTimeout(r, Math.min(30000, 1000 * tries * tries)); })
            .then(function () { return send("GET", uploadUrl(upload.id), null, null); })
            .then(function (state) { return next(state.received); }, function () { return next(offset); });
        });
    }
    return next(upload.received || 0);
  }

  // Announce the take (once), send what the server lacks, finish, forget it.
  function deliver(kept) {
    var begun = kept.uploadId
      ? send("GET", uploadUrl(kept.uploadId), null, null)
      : send("POST", cfg.uploadsUrl, JSON.stringify({
        submission: kept.submission, kind: "recording", size: kept.blob.size,
        sha256: kept.sha256,
        name: "recording." + (kept.type.indexOf("mp4") >= 0 ? "mp4" : "webm"),
        duration: kept.seconds, caption: kept.caption, ticket: kept.ticket
      }), "application/json").then(function (upload) {
        kept.uploadId = upload.id;
        return keptTakes.save(kept).then(function () { return upload; });
      });
    return begun.then(function (upload) {
      if (upload.status === "done") { return null; }
      return sendChunks(upload, kept.blob, 0).then(function () {
        return finishUpload(upload, kept.type, 0);
      });
    }).then(function () { return keptTakes.forget(); });
  }

  // Refusals after which a kept take can never be sent.
  var NEVER_SENDABLE = ["no_takes_left", "upload_closed", "submitted"];

  function offerResume() {
    var box = document.getElementById("rec-resume");
    if (!box) { return; }
    keptTakes.load().then(function (kept) {
      if (!kept || !kept.blob) { return; }
      document.getElementById("rec-resume-text").textContent =
        "You have an unfinished recording from " +
        new Date(kept.savedAt).toLocaleString() + ".";
      box.hidden = false;
      var sendBtn = document.getElementById("rec-resume-send");
      var dropBtn = document.getElementById("rec-resume-discard");
      sendBtn.addEventListener("click", function () {
        sendBtn.disabled = true;
        dropBtn.disabled = true;
        say("Sending your recording…");
        deliver(kept).then(function () {
          say("Your take is saved. Reloading…");
          reloadPage();
        }, function (err) {
          if (NEVER_SENDABLE.indexOf(err.error) >= 0) {
            // The attempt can no longer take it: stop offering it.
            keptTakes.forget().then(function () {
              box.hidden = true;
              say(explain(err) + " The unfinished recording was removed.", true);
            });
            return;
          }
          sendBtn.disabled = false;
          dropBtn.disabled = false;
          say(explain(err), true);
        });
      });
      dropBtn.addEventListener("click", function () {
        keptTakes.forget().then(function () {
          box.hidden = true;
          say("The unfinished recording was discarded.");
        });
      });
    });
  }

  // A late copy of a chunk may still be arriving: the server says "busy".
  function finishUpload(upload, type, tries) {
    return send("POST", uploadUrl(upload.id, "/finish"), JSON.stringify({ type: type }),
      "application/json").catch(function (err) {
        if (err.error !== "busy" || ++tries > 5) { throw err; }
        return new Promise(function (r) { window.setTimeout(r, 1000 * tries); })
          .then(function () { return finishUpload(upload, type, tries); });
      });
  }

  var NOT_KEPT = "Your session in the course has ended, and this browser does not " +
    "let Pathmark keep the recording here. Save it with the link below, open the " +
    "activity again from the course, and upload the saved file.";

  function offerFile(kept) {
    var link = document.getElementById("rec-save-link");
    link.href = URL.createObjectURL(kept.blob);
    link.download = "recording." + (kept.type.indexOf("mp4") >= 0 ? "mp4" : "webm");
    link.closest("p").hidden = false;
    link.focus();
  }

  keepBtn.addEventListener("click", function () {
    if (!take) { return; }
    keepBtn.disabled = true;
    startBtn.disabled = true;
    say("Saving your take…");
    var kept = {
      blob: take.blob, type: take.type, seconds: take.seconds, ticket: take.ticket,
      caption: document.getElementById("rec-caption").value, submission: submission,
      savedAt: Date.now(), uploadId: null, sha256: null
    };
    var stored = false;
    digestOf(take.blob).then(function (sha) {
      kept.sha256 = sha;
      return keptTakes.save(kept);
    }).then(function (saved) {
      stored = saved;
      return deliver(kept);
    }).then(function () {
      say("Your take is saved. Reloading…");
      reloadPage();
    }, function (err) {
      // With the session gone, the take waits on this device for a relaunch,
      // unless the browser refused to store it (a framed page with third-party
      // cookies blocked): then the learner saves it as a file instead.
      var ended = err.error === "session_expired";
      keepBtn.disabled = ended;
      startBtn.disabled = ended;
      if (ended && !stored) {
        offerFile(kept);
        say(NOT_KEPT, true);
        return;
      }
      say(explain(err), true);
    });
  });
})();
