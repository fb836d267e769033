import { createDuplexPair } from '../../test/support/rtmp/duplex-pair';
import { RtmpClient, RtmpClientOptions } from './rtmp-client';
import { ConnectDecision, RtmpServerSession, RtmpServerSessionOptions } from './rtmp-server-session';
import { RtmpCallError } from './transactions';
import { RtmpProtocolError } from './errors';
import { MessageType } from './message';
import { UserControlEvent, decodeControlMessage, setPeerBandwidthMessage, userControlMessage, windowAckSizeMessage } from './control-messages';
import { encodeG711AudioMessage } from './audio-tag';
import { RawPeer } from '../../test/support/rtmp/raw-peer';
import { hex } from '../../test/support/rtmp/hex';

const URL = 'rtmp://127.0.0.1/sip/alice@example.com';
const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function pair(serverOptions: Partial<RtmpServerSessionOptions> = {}, clientOptions: RtmpClientOptions = {}) {
  const [a, b] = createDuplexPair();
  const server = new RtmpServerSession(b, { onConnect: () => ({ accept: true }), ...serverOptions });
  const client = new RtmpClient(a, clientOptions);
  return { client, server };
}

async function connected(serverOptions: Partial<RtmpServerSessionOptions> = {}, clientOptions: RtmpClientOptions = {}) {
  const sides = pair(serverOptions, clientOptions);
  await sides.client.connect(URL, 'alice', 'secret', 'Alice', 'narrowband');
  return sides;
}

describe('connect', () => {
  test('accept: the server sees app, tcUrl and the extra arguments; the client gets the info object', async () => {
    const requests: unknown[] = [];
    const { client, server } = pair({ onConnect: (request) => (requests.push(request), { accept: true, info: { data: 'x' } }) });
    const result = await client.connect(URL, 'alice', 'secret', 'Alice', 'narrowband');
    expect(result.info).toMatchObject({ level: 'status', code: 'NetConnection.Connect.Success', data: 'x' });
    expect(result.properties).toMatchObject({ fmsVer: expect.any(String), capabilities: 31 });
    expect(requests[0]).toMatchObject({ app: 'sip/alice@example.com', tcUrl: URL, objectEncoding: 0, args: ['alice', 'secret', 'Alice', 'narrowband'] });
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    expect(server.connectRequest?.app).toBe('sip/alice@example.com');
    client.close();
  });

  test('reject after an async decision (siprtmp waits for REGISTER): Connect.Rejected, then closed', async () => {
    const { client, server } = pair({
      onConnect: () => new Promise<ConnectDecision>((resolve) => setTimeout(() => resolve({ accept: false, description: '403 Forbidden' }), 20)),
    });
    const closed = new Promise((resolve) => server.once('close', resolve));
    const error = await client.connect(URL, 'alice', 'wrong').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RtmpCallError);
    expect((error as RtmpCallError).info).toMatchObject({ level: 'error', code: 'NetConnection.Connect.Rejected', description: '403 Forbidden' });
    await closed;
    expect(client.state).toBe('closed');
  });

  test('a throwing decision rejects too', async () => {
    const { client } = pair({
      onConnect: () => {
        throw new Error('boom');
      },
    });
    await expect(client.connect(URL)).rejects.toMatchObject({ info: { code: 'NetConnection.Connect.Rejected', description: 'boom' } });
  });

  test('invoke while the connect is decided reaches the client before the rejection (siprtmp: unauthorized, then reject)', async () => {
    const [a, b] = createDuplexPair();
    const server: RtmpServerSession = new RtmpServerSession(b, {
      onConnect: () => {
        server.invoke('unauthorized', '401 Unauthorized');
        return { accept: false, description: '401 Unauthorized' };
      },
    });
    server.invoke('early'); // no connect yet: nothing to call
    const client = new RtmpClient(a);
    const calls: string[] = [];
    client.on('command', ({ name, args }) => calls.push(`${name}(${args.join(', ')})`));
    await expect(client.connect(URL)).rejects.toMatchObject({ info: { code: 'NetConnection.Connect.Rejected' } });
    expect(calls).toEqual(['unauthorized(401 Unauthorized)']);
  });

  test('the server sends Window Ack Size, Set Peer Bandwidth and Set Chunk Size before _result, commands on csid 3', async () => {
    const [a, b] = createDuplexPair();
    new RtmpServerSession(b, { onConnect: () => ({ accept: true }), chunkSize: 1000 });
    const peer = new RawPeer(a, 'client');
    peer.sendCommand('connect', 1, { app: 'sip', tcUrl: 'rtmp://x/sip', objectEncoding: 0 });
    await peer.waitForCommand('_result');
    expect(peer.messages.map((m) => [m.typeId, m.csid])).toEqual([
      [MessageType.WindowAckSize, 2],
      [MessageType.SetPeerBandwidth, 2],
      [MessageType.SetChunkSize, 2],
      [MessageType.CommandAmf0, 3],
    ]);
    expect(decodeControlMessage(peer.messages[2])).toEqual({ kind: 'set-chunk-size', size: 1000 });
    peer.close();
  });

  test('objectEncoding 3: the server answers in type 17, and our client reads it', async () => {
    const [a, b] = createDuplexPair();
    new RtmpServerSession(b, { onConnect: () => ({ accept: true }) });
    const peer = new RawPeer(a, 'client');
    peer.sendCommand('connect', 1, { app: 'sip', tcUrl: 'rtmp://x/sip', objectEncoding: 3 });
    const reply = await peer.waitFor((m) => m.typeId === MessageType.CommandAmf3);
    expect(reply.payload[0]).toBe(0);
    peer.close();
    const { client } = await connected({ onCommand: () => 'ok' }, { commandObject: { objectEncoding: 3 } });
    await expect(client.call('x')).resolves.toMatchObject({ args: ['ok'] });
    client.close();
  });

  test('a server that never answers the handshake: connect rejects after connectTimeoutMs', async () => {
    const [a] = createDuplexPair();
    const client = new RtmpClient(a, { connectTimeoutMs: 30 });
    await expect(client.connect(URL)).rejects.toMatchObject({ code: 'timeout', info: { code: 'NetConnection.Connect.Failed' } });
    expect(client.state).toBe('closed');
  });

  test('no connect in time: the server closes with a timeout error', async () => {
    const [, b] = createDuplexPair();
    const server = new RtmpServerSession(b, { onConnect: () => ({ accept: true }), connectTimeoutMs: 30 });
    const event = await new Promise<{ error?: Error }>((resolve) => server.once('close', resolve));
    expect(event.error).toBeInstanceOf(RtmpProtocolError);
    expect((event.error as RtmpProtocolError).code).toBe('timeout');
  });
});

describe('calls in both directions', () => {
  test('client → server: _result, _error from a throw, Method not found, timeout', async () => {
    const { client, server } = await connected(
      {
        onCommand: (command) => {
          if (command.name === 'fail') throw new Error('486 Busy Here');
          if (command.name === 'slow') return new Promise(() => undefined);
          if (command.name === 'nothing') return undefined;
          return `${command.name}:${String(command.args[0])}`;
        },
      },
      { callTimeoutMs: 50 },
    );
    const seen: string[] = [];
    server.on('command', (c) => seen.push(c.name));
    await expect(client.call('invite', 'sip:bob@example.com')).resolves.toMatchObject({ commandObject: null, args: ['invite:sip:bob@example.com'] });
    await expect(client.call('nothing')).resolves.toMatchObject({ args: [null] });
    await expect(client.call('fail')).rejects.toMatchObject({ code: 'error-reply', info: { code: 'NetConnection.Call.Failed', description: '486 Busy Here' } });
    await expect(client.call('slow')).rejects.toMatchObject({ code: 'timeout' });
    client.notify('bye');
    await tick();
    expect(seen).toEqual(['invite', 'nothing', 'fail', 'slow', 'bye']);
    client.close();
  });

  test('no onCommand on the server: _error "Method not found"', async () => {
    const { client } = await connected();
    await expect(client.call('transfer', 'sip:x')).rejects.toMatchObject({ info: { description: 'Method not found (transfer).' } });
    client.close();
  });

  test('server → client: invoke (events) and call (answered by onCommand)', async () => {
    const { client, server } = await connected({}, { onCommand: (c) => (c.name === 'getVersion' ? '1.0' : undefined) });
    const events: unknown[] = [];
    client.on('command', (c) => events.push([c.name, c.transactionId, ...c.args]));
    server.invoke('invited', 'sip:bob@example.com', 'sip:alice@example.com');
    server.invoke('accepted');
    await expect(server.call('getVersion')).resolves.toMatchObject({ args: ['1.0'] });
    await expect(server.call('unknownOnClient')).resolves.toMatchObject({ args: [null] });
    expect(events).toEqual([
      ['invited', 0, 'sip:bob@example.com', 'sip:alice@example.com'],
      ['accepted', 0],
      ['getVersion', 2],
      ['unknownOnClient', 3],
    ]);
    client.close();
  });

  test('pending calls fail with "closed" when the connection goes', async () => {
    const { client, server } = await connected({ onCommand: () => new Promise(() => undefined) });
    const pending = client.call('hang');
    await tick();
    server.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    expect(client.state).toBe('closed');
  });

  test('ping both ways', async () => {
    const { client, server } = await connected();
    await expect(client.ping()).resolves.toBeGreaterThanOrEqual(0);
    await expect(server.ping()).resolves.toBeGreaterThanOrEqual(0);
    client.close();
  });
});

describe('streams', () => {
  test('publish local / play remote; audio both ways byte for byte; closeStream ends the stream', async () => {
    const { client, server } = await connected();
    const published: string[] = [];
    const ended: unknown[] = [];
    server.on('publish', (e) => published.push(`${e.streamId}:${e.name}:${e.type}`));
    server.on('stream-end', (e) => ended.push(e));
    const local = await client.createStream();
    const remote = await client.createStream();
    const userControls: number[] = [];
    remote.on('user-control', ({ event }) => userControls.push(event));
    await expect(local.publish('local')).resolves.toMatchObject({ code: 'NetStream.Publish.Start' });
    await expect(remote.play('remote')).resolves.toMatchObject({ code: 'NetStream.Play.Start' });
    expect(userControls).toEqual([UserControlEvent.StreamBegin]);
    expect(published).toEqual([`${local.streamId}:local:live`]);
    expect([server.publishStreamId, server.playStreamId]).toEqual([local.streamId, remote.streamId]);

    const up: Uint8Array[] = [];
    server.on('audio', (m) => {
      up.push(m.payload);
      expect(m.tag?.codec).toBe('pcmu');
    });
    const down: { timestamp: number; payload: Uint8Array }[] = [];
    remote.on('audio', (m) => down.push(m));
    const frames = [1, 2, 3].map((n) => new Uint8Array(160).fill(n));
    for (const frame of frames) expect(local.sendG711('pcmu', frame)).toBe(true);
    for (const [i, frame] of frames.entries()) expect(server.sendAudio(encodeG711AudioMessage('pcma', frame), 100 + 20 * i)).toBe(true);
    await tick();
    expect(up).toEqual(frames.map((f) => encodeG711AudioMessage('pcmu', f)));
    expect(down.map((m) => m.timestamp)).toEqual([100, 120, 140]);
    expect(down.map((m) => m.payload)).toEqual(frames.map((f) => encodeG711AudioMessage('pcma', f)));

    local.close();
    remote.close();
    await tick();
    expect(ended).toEqual([
      { streamId: local.streamId, reason: 'closeStream' },
      { streamId: remote.streamId, reason: 'closeStream' },
    ]);
    expect(server.sendAudio(new Uint8Array([0x82]), 0)).toBe(false);
    client.close();
  });

  test('audio is dropped, not queued, while the duplex is backed up', async () => {
    const [a, b] = createDuplexPair();
    new RtmpServerSession(b, { onConnect: () => ({ accept: true }) });
    const backedUp = Object.assign(a, { bufferedAmount: 0 });
    const client = new RtmpClient(backedUp, { maxOutputBacklog: 1000 });
    await client.connect(URL);
    const stream = await client.createStream();
    await stream.publish('local');
    expect(stream.sendG711('pcmu', new Uint8Array(160))).toBe(true);
    backedUp.bufferedAmount = 5000;
    expect(stream.sendG711('pcmu', new Uint8Array(160))).toBe(false);
    client.close();
  });

  test('createStream beyond maxStreams is refused; bad publish names get Publish.BadName', async () => {
    const { client } = await connected({ maxStreams: 1 });
    const stream = await client.createStream();
    await expect(client.createStream()).rejects.toBeInstanceOf(RtmpCallError);
    await expect(stream.publish('')).rejects.toMatchObject({ info: { code: 'NetStream.Publish.BadName' } });
    client.close();
  });

  test('disconnect ends active streams and closes client streams', async () => {
    const { client, server } = await connected();
    const stream = await client.createStream();
    await stream.publish('local');
    const ended = new Promise((resolve) => server.once('stream-end', resolve));
    const streamClosed = new Promise((resolve) => stream.once('close', resolve));
    client.close();
    await expect(ended).resolves.toMatchObject({ reason: 'disconnect' });
    await streamClosed;
    expect(stream.state).toBe('closed');
  });
});

describe('against a scripted server', () => {
  async function scripted(options: RtmpClientOptions = {}) {
    const [a, b] = createDuplexPair();
    const peer = new RawPeer(b, 'server');
    const client = new RtmpClient(a, options);
    const connecting = client.connect(URL);
    const connect = await peer.waitForCommand('connect');
    // rtmplite's reply shape: null command object, info without fmsVer properties.
    peer.sendCommand('_result', connect.transactionId, null, [{ level: 'status', code: 'NetConnection.Connect.Success', description: 'ok' }]);
    await connecting;
    return { client, peer };
  }

  test('the connect command object (app, tcUrl, objectEncoding 0, G.711 audioCodecs) and Set Chunk Size first', async () => {
    const { client, peer } = await scripted();
    expect(peer.messages[0].typeId).toBe(MessageType.SetChunkSize);
    const connect = peer.commands()[0];
    expect(connect).toMatchObject({ name: 'connect', transactionId: 1, csid: 3 });
    expect(connect.commandObject).toMatchObject({ app: 'sip/alice@example.com', tcUrl: URL, objectEncoding: 0, audioCodecs: 0x180 });
    client.close();
  });

  test('answers pings, Set Peer Bandwidth (with Window Ack Size) and sends acknowledgements', async () => {
    const { client, peer } = await scripted();
    peer.send(userControlMessage(UserControlEvent.PingRequest, 77));
    peer.send(setPeerBandwidthMessage(5_000_000, 2));
    peer.send(windowAckSizeMessage(1000));
    for (let i = 0; i < 10; i++) peer.sendCommand('onBWDone', 0, null, ['x'.repeat(200)]);
    await peer.waitFor((m) => m.typeId === MessageType.Acknowledgement);
    const controls = peer.messages.filter((m) => m.typeId <= 6 && m.typeId !== 1).map((m) => decodeControlMessage(m));
    expect(controls).toContainEqual({ kind: 'user-control', event: UserControlEvent.PingResponse, value: 77 });
    expect(controls).toContainEqual({ kind: 'window-ack-size', size: 5_000_000 });
    const ack = controls.find((c) => c.kind === 'acknowledgement');
    expect(ack && ack.kind === 'acknowledgement' && ack.sequence).toBeGreaterThan(1000);
    client.close();
  });

  test('NMS relays media with message stream id 0: it still reaches the only playing stream', async () => {
    const { client, peer } = await scripted();
    const creating = client.createStream();
    const create = await peer.waitForCommand('createStream');
    peer.sendCommand('_result', create.transactionId, null, [1]);
    const stream = await creating;
    const playing = stream.play('remote');
    await peer.waitForCommand('play');
    peer.sendCommand('onStatus', 0, null, [{ level: 'status', code: 'NetStream.Play.Start' }], 1);
    await playing;
    const got = new Promise<Uint8Array>((resolve) => stream.once('audio', (m) => resolve(m.payload)));
    peer.send({ csid: 4, typeId: 8, streamId: 0, timestamp: 5, payload: hex('82 01 02') });
    await expect(got).resolves.toEqual(hex('82 01 02'));
    // the same inside an aggregate (type 22): one FLV tag, split by the connection
    const aggregated = new Promise<Uint8Array>((resolve) => stream.once('audio', (m) => resolve(m.payload)));
    peer.send({ csid: 4, typeId: 22, streamId: 0, timestamp: 25, payload: hex('08 000003 000000 00 000000 82 03 04 0000000e') });
    await expect(aggregated).resolves.toEqual(hex('82 03 04'));
    client.close();
  });

  test('a method call with a transaction id gets a _result carrying null by default (rtmplite reads its args[0]); _result with tid 0 is ignored', async () => {
    const { client, peer } = await scripted();
    peer.sendCommand('_result', 0, null, []);
    peer.sendCommand('invited', 2, null, ['sip:bob@x', 'sip:alice@x']);
    const reply = await peer.waitForCommand('_result');
    expect(reply).toMatchObject({ transactionId: 2, args: [null] });
    client.close();
  });

  test('a malformed command is dropped with an error event; a chunk-level violation closes with a typed error', async () => {
    const { client, peer } = await scripted();
    const errors: RtmpProtocolError[] = [];
    client.on('error', (e) => errors.push(e));
    const next = new Promise((resolve) => client.once('command', resolve));
    peer.send({ csid: 3, typeId: 20, streamId: 0, timestamp: 0, payload: hex('02 00ff 61') });
    peer.sendCommand('byed', 0, null);
    await expect(next).resolves.toMatchObject({ name: 'byed' });
    expect(errors.map((e) => e.code)).toEqual(['truncated']);
    const closed = new Promise<{ error?: Error }>((resolve) => client.once('close', resolve));
    peer.sendRaw(hex('4a 000000 000001 08 aa')); // type 1 on a chunk stream never seen
    const { error } = await closed;
    expect((error as RtmpProtocolError).code).toBe('chunk-invalid');
  });

  test('"close" from the server disconnects', async () => {
    const { client, peer } = await scripted();
    const closed = new Promise((resolve) => client.once('close', resolve));
    peer.sendCommand('close', 0, null);
    await closed;
    expect(client.state).toBe('closed');
  });
});
