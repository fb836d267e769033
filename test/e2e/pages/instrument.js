// Test-only instrumentation, injected before the page's own scripts (Playwright addInitScript): keeps
// every RTCPeerConnection the page makes so a test can ask what the receiving side measured (bytes and
// audio energy of inbound RTP), and records the callbacks the demo's legacy page logs.
(function () {
  var Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (config, constraints) {
    var pc = new Native(config, constraints);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);

  // inbound audio of the newest live connection: bytes, packets, energy
  window.__inboundAudio = async function () {
    var pcs = window.__pcs.filter(function (p) { return p.connectionState !== 'closed'; });
    var pc = pcs[pcs.length - 1];
    if (!pc) return null;
    var report = await pc.getStats();
    var out = { bytesReceived: 0, packetsReceived: 0, totalAudioEnergy: 0, codec: null, state: pc.connectionState };
    report.forEach(function (s) {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.bytesReceived += s.bytesReceived || 0;
        out.packetsReceived += s.packetsReceived || 0;
        out.totalAudioEnergy += s.totalAudioEnergy || 0;
        if (s.codecId && report.get(s.codecId)) out.codec = report.get(s.codecId).mimeType;
      }
    });
    return out;
  };

  window.events = [];
  // demo/legacy.html's callbacks log `console.log('onX', arg)`: that is what the tests read
  var consoleLog = console.log;
  console.log = function (name, arg) {
    if (typeof name === 'string' && /^on[A-Z][A-Za-z]*$/.test(name)) window.record(name, arg);
    return consoleLog.apply(console, arguments);
  };
  window.record = function (name, arg) {
    window.events.push({ name: name, arg: arg === undefined ? null : JSON.parse(JSON.stringify(arg, function (k, v) {
      return v instanceof Date ? v.toISOString() : v;
    })), t: performance.now() });
  };
})();

// test-only: register with recording callbacks and any overrides (for cases the examples do not cover)
window.registerWith = function (params) {
  var names = ['onAccepted', 'onConnected', 'onHangup', 'onCancel', 'onTransfer', 'onNotified', 'onError'];
  var p = Object.assign({}, params);
  names.forEach(function (n) { if (!p[n]) p[n] = function (arg) { record(n, arg); }; });
  if (!p.onIncoming) {
    p.onIncoming = function (call) {
      record('onIncoming', { callerName: call.callerName, callerNumber: call.callerNumber });
      window.__incoming = call;
      if (window.autoAnswer === 'accept') call.accept();
      else if (window.autoAnswer === 'reject') call.reject();
    };
  }
  kazoo.register(p);
};

// test-only: SIP requests this page received over its WebSockets (first line + body), to check what
// reached the far end (DTMF INFO, NOTIFY) without changing the library.
(function () {
  var NativeWS = window.WebSocket;
  window.__sipIn = [];
  window.__sockets = [];
  window.WebSocket = function (url, protocols) {
    var ws = new NativeWS(url, protocols);
    window.__sockets.push(ws);
    ws.addEventListener('message', function (ev) {
      if (typeof ev.data !== 'string') return;
      var firstLine = ev.data.split('\r\n', 1)[0];
      var body = ev.data.split('\r\n\r\n').slice(1).join('\r\n\r\n');
      window.__sipIn.push({ firstLine: firstLine, body: body });
    });
    return ws;
  };
  window.WebSocket.prototype = NativeWS.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { window.WebSocket[k] = NativeWS[k]; });
})();

// test-only: every page's microphone is a sine at the page's own frequency, so a receiver can tell whose
// audio arrived (a crossed leg, an echo or another call's audio shows as the wrong frequency).
// The frequency: window.__toneHz if an earlier init script set it, else ?tone=<hz>, else 440;
// window.__setTone(hz) retunes live microphones too. window.__refuseMicrophone = true makes audio requests
// fail as a user's "Block" does (NotAllowedError). Video requests still get Chromium's fake camera.
(function () {
  var md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  var nativeGetUserMedia = md.getUserMedia.bind(md);
  var query = Number(new URLSearchParams(location.search).get('tone'));
  if (!window.__toneHz) window.__toneHz = query > 0 ? query : 440;
  window.__refuseMicrophone = false;
  var context = null;
  var oscillators = [];
  window.__setTone = function (hz) {
    window.__toneHz = hz;
    oscillators.forEach(function (o) { o.frequency.setValueAtTime(hz, o.context.currentTime); });
  };
  md.getUserMedia = async function (constraints) {
    if (!constraints || !constraints.audio) return nativeGetUserMedia(constraints);
    if (window.__refuseMicrophone) throw new DOMException('Permission denied', 'NotAllowedError');
    if (!context) context = new AudioContext();
    await context.resume().catch(function () {});
    var osc = context.createOscillator();
    osc.frequency.value = window.__toneHz;
    var gain = context.createGain();
    gain.gain.value = 0.3; // about -13 dBFS RMS: loud, far from clipping in any codec
    var out = context.createMediaStreamDestination();
    osc.connect(gain).connect(out);
    osc.start();
    oscillators.push(osc);
    var track = out.stream.getAudioTracks()[0];
    var stopTrack = track.stop.bind(track);
    track.stop = function () {
      osc.stop();
      osc.disconnect();
      oscillators = oscillators.filter(function (o) { return o !== osc; });
      stopTrack();
    };
    var tracks = [track];
    if (constraints.video) tracks = tracks.concat((await nativeGetUserMedia({ video: constraints.video })).getVideoTracks());
    return new MediaStream(tracks);
  };
})();

// test-only: what the page RECEIVES, as the dominant frequency and level of the newest live remote audio:
// WebRTC (each peer connection's remote audio track) or RTMP (the transport's playback worklet, tapped in
// the AudioWorkletNode patch above). window.__hearTone(probes) → {via, hz, peakDb, rms, probes: {hz: dB}}
// or null when nothing is being received.
(function () {
  var taps = [];
  var hearContext = null;
  window.__addToneTap = function (via, analyser, alive) {
    analyser.fftSize = 16384; // ~0.34 s at 48 kHz: 3 Hz bins, refined below
    analyser.smoothingTimeConstant = 0;
    taps.push({ via: via, analyser: analyser, alive: alive });
  };
  var NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config, constraints) {
    var pc = new NativePC(config, constraints);
    pc.addEventListener('track', function (ev) {
      if (ev.track.kind !== 'audio') return;
      var stream = new MediaStream([ev.track]);
      // Chromium hands remote WebRTC audio to WebAudio only while a media element consumes it
      var sink = new Audio();
      sink.muted = true;
      sink.srcObject = stream;
      sink.play().catch(function () {});
      if (!hearContext) hearContext = new AudioContext();
      hearContext.resume().catch(function () {});
      var analyser = hearContext.createAnalyser();
      hearContext.createMediaStreamSource(stream).connect(analyser);
      window.__addToneTap('webrtc', analyser, function () {
        return pc.connectionState !== 'closed' && pc.signalingState !== 'closed' && ev.track.readyState === 'live';
      });
    });
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePC.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, NativePC);

  var NativeAWN = window.AudioWorkletNode;
  if (NativeAWN) {
    window.AudioWorkletNode = function (context, name, options) {
      var node = new NativeAWN(context, name, options);
      if (name === 'kazoo-rtmp-playback') {
        var analyser = context.createAnalyser();
        node.connect(analyser);
        window.__addToneTap('rtmp', analyser, function () { return context.state !== 'closed'; });
        window.__playbackAnalysers.push(analyser);
      }
      return node;
    };
    window.AudioWorkletNode.prototype = NativeAWN.prototype;
  }
  // RMS (0…1) of what the RTMP transport plays now
  window.__playbackAnalysers = [];
  window.__playbackLevel = function () {
    var a = window.__playbackAnalysers[window.__playbackAnalysers.length - 1];
    if (!a) return 0;
    var buf = new Float32Array(a.fftSize);
    a.getFloatTimeDomainData(buf);
    var sum = 0;
    for (var i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
    return Math.sqrt(sum / buf.length);
  };

  // 'output': what the phone's own output element (#kazooAudioRemote, transports/webrtc/remote-audio.ts)
  // plays now, i.e. the call the user hears when several are up (one held, one talking). One analyser,
  // fed by whichever stream the element plays; made on the first ask.
  var output = null;
  function outputTap() {
    if (!hearContext) hearContext = new AudioContext();
    hearContext.resume().catch(function () {});
    if (!output) {
      output = { analyser: hearContext.createAnalyser(), stream: null, source: null };
      window.__addToneTap('output', output.analyser, function () { return !!(output.stream && output.stream.getAudioTracks().some(function (t) { return t.readyState === 'live'; })); });
    }
    var el = document.getElementById('kazooAudioRemote');
    var stream = el && el.srcObject;
    if (stream !== output.stream) {
      if (output.source) output.source.disconnect();
      output.stream = stream || null;
      output.source = stream && stream.getAudioTracks().length ? hearContext.createMediaStreamSource(stream) : null;
      if (output.source) output.source.connect(output.analyser);
    }
  }

  // `via` (optional): only taps of that kind ('webrtc', 'rtmp', 'output')
  window.__hearTone = function (probes, via) {
    if (via === 'output') outputTap();
    var live = taps.filter(function (t) { return t.alive() && (!via || t.via === via); });
    var tap = live[live.length - 1];
    if (!tap) return null;
    var a = tap.analyser;
    var binHz = a.context.sampleRate / a.fftSize;
    var db = new Float32Array(a.frequencyBinCount);
    a.getFloatFrequencyData(db);
    var samples = new Float32Array(a.fftSize);
    a.getFloatTimeDomainData(samples);
    var sum = 0;
    for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    // the telephone band: above hum and DC, below what G.711 can carry
    var lo = Math.ceil(100 / binHz);
    var hi = Math.min(db.length - 2, Math.floor(3800 / binHz));
    var k = lo;
    for (var j = lo; j <= hi; j++) if (db[j] > db[k]) k = j;
    // parabolic interpolation over the peak's neighbours: well under a bin's width
    var l = db[k - 1], c = db[k], r = db[k + 1];
    var d = l - 2 * c + r;
    var offset = d < 0 && isFinite(d) ? (0.5 * (l - r)) / d : 0;
    var atProbe = {};
    (probes || []).forEach(function (hz) {
      var b = Math.round(hz / binHz);
      var m = -Infinity;
      for (var n = Math.max(0, b - 2); n <= Math.min(db.length - 1, b + 2); n++) m = Math.max(m, db[n]);
      atProbe[hz] = isFinite(m) ? m : -200;
    });
    return { via: tap.via, hz: (k + offset) * binHz, peakDb: isFinite(c) ? c : -200, rms: Math.sqrt(sum / samples.length), probes: atProbe };
  };
})();
