import { parseRemoteParty, parseStatusText } from './sip-text';
import { rtmpEndpoints } from './endpoints';
import { rtmpSupported } from './support';

test('remote parties from siprtmp addresses', () => {
  expect(parseRemoteParty('"Alice \\"A\\" Smith" <sip:2000@lab.test;transport=udp>')).toEqual({ uri: 'sip:2000@lab.test;transport=udp', name: 'Alice "A" Smith', number: '2000' });
  expect(parseRemoteParty('Bob <sip:%2B15551234@lab.test>')).toEqual({ uri: 'sip:%2B15551234@lab.test', name: 'Bob', number: '+15551234' });
  expect(parseRemoteParty('sip:2001@lab.test')).toEqual({ uri: 'sip:2001@lab.test', name: undefined, number: '2001' });
  expect(parseRemoteParty('')).toEqual({ uri: '', name: undefined, number: '' });
});

test('status texts', () => {
  expect(parseStatusText('486 Busy Here')).toEqual({ code: 486, reason: 'Busy Here' });
  expect(parseStatusText('404')).toEqual({ code: 404, reason: '404' });
  expect(parseStatusText('Registration required before making a call')).toEqual({ reason: 'Registration required before making a call' });
  expect(parseStatusText(null)).toEqual({ reason: '' });
});

test('endpoints from rtmpUrl', () => {
  expect(rtmpEndpoints('rtmp://gw.example.com/sip', 'sip:1001@lab.test', undefined, false)).toEqual({
    connectUrl: 'rtmp://gw.example.com/sip/1001@lab.test', host: 'gw.example.com', port: 1935, protocol: 'rtmp',
    webSocketUrl: 'ws://gw.example.com:1936/rtmp', rtmptUrl: 'http://gw.example.com:1936',
  });
  const secure = rtmpEndpoints('rtmp://gw:2935/sip/', 'sip:1001@lab.test', undefined, true);
  expect(secure.connectUrl).toBe('rtmp://gw:2935/sip/1001@lab.test');
  expect(secure.webSocketUrl).toBe('wss://gw:1936/rtmp');
  expect(secure.rtmptUrl).toBe('https://gw:1936');
  const explicit = rtmpEndpoints('rtmp://gw/sip', 'sip:1001@lab.test', 'wss://page.example.com/rtmp-tunnel', false);
  expect(explicit.webSocketUrl).toBe('wss://page.example.com/rtmp-tunnel');
  expect(explicit.rtmptUrl).toBe('https://page.example.com');
  expect(rtmpEndpoints('rtmpt://gw:8080/sip', 'sip:1@r', undefined, false).rtmptUrl).toBe('http://gw:8080');
});

test('rtmpSupported needs a carrier, AudioWorklet and getUserMedia', () => {
  const fn = function () { /* constructor stand-in */ };
  const full = { WebSocket: fn, AudioContext: fn, AudioWorkletNode: fn, navigator: { mediaDevices: { getUserMedia: fn } } };
  expect(rtmpSupported(full)).toBe(true);
  expect(rtmpSupported({ ...full, WebSocket: undefined, fetch: fn })).toBe(true);
  expect(rtmpSupported({ ...full, WebSocket: undefined })).toBe(false);
  expect(rtmpSupported({ ...full, AudioWorkletNode: undefined })).toBe(false);
  expect(rtmpSupported({ ...full, navigator: {} })).toBe(false);
  expect(rtmpSupported({})).toBe(false);
});
