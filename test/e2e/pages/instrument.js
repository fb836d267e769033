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

// test-only: what the RTMP transport plays (its playback worklet), measured by an AnalyserNode tap
(function () {
  var NativeAWN = window.AudioWorkletNode;
  window.__playbackAnalysers = [];
  if (!NativeAWN) return;
  window.AudioWorkletNode = function (context, name, options) {
    var node = new NativeAWN(context, name, options);
    if (name === 'kazoo-rtmp-playback') {
      var analyser = context.createAnalyser();
      node.connect(analyser);
      window.__playbackAnalysers.push(analyser);
    }
    return node;
  };
  window.AudioWorkletNode.prototype = NativeAWN.prototype;
  window.__playbackLevel = function () {
    var a = window.__playbackAnalysers[window.__playbackAnalysers.length - 1];
    if (!a) return 0;
    var buf = new Float32Array(a.fftSize);
    a.getFloatTimeDomainData(buf);
    var sum = 0;
    for (var i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
    return Math.sqrt(sum / buf.length);
  };
})();
