import { HANDSHAKE_PACKET_SIZE, HandshakeEnvironment } from './handshake';
import { ClientHandshake } from './client-handshake';
import { ServerHandshake } from './server-handshake';
import { RtmpProtocolError } from './errors';
import { concatBytes } from './concat-bytes';

const env: HandshakeEnvironment = {
  now: () => 0x01020304,
  random: (length) => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff),
};

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

describe('client handshake', () => {
  test('C0+C1 in one write: version 3, time, zero in bytes 4–7 (simple scheme)', () => {
    const c0c1 = new ClientHandshake(env).start();
    expect(c0c1).toHaveLength(1 + HANDSHAKE_PACKET_SIZE);
    expect(c0c1[0]).toBe(3);
    expect(Array.from(c0c1.subarray(1, 9))).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
  });

  test('accepts rtmplite\'s all-zero S1/S2 and echoes S1 in C2', () => {
    const client = new ClientHandshake(env);
    client.start();
    const s1 = new Uint8Array(HANDSHAKE_PACKET_SIZE);
    s1.set([0, 0, 0, 9], 0);
    s1[100] = 0xaa;
    const step = client.feed(concat(new Uint8Array([3]), s1, new Uint8Array(HANDSHAKE_PACKET_SIZE), new Uint8Array([0xc2, 0xff])));
    expect(step.done).toBe(true);
    expect(step.output).not.toBeNull();
    const c2 = step.output!;
    expect(Array.from(c2.subarray(0, 8))).toEqual([0, 0, 0, 9, 1, 2, 3, 4]); // peer time, our read time
    expect(c2[100]).toBe(0xaa);
    expect(Array.from(step.rest)).toEqual([0xc2, 0xff]); // the first chunk bytes are handed on
  });

  test('works when the server\'s bytes arrive one at a time', () => {
    const client = new ClientHandshake(env);
    client.start();
    const input = concat(new Uint8Array([3]), new Uint8Array(2 * HANDSHAKE_PACKET_SIZE));
    let outputs = 0;
    for (let i = 0; i < input.length; i++) {
      const step = client.feed(input.subarray(i, i + 1));
      if (step.output) outputs++;
      expect(step.done).toBe(i === input.length - 1);
    }
    expect(outputs).toBe(1);
  });

  test('refuses a server version other than 3', () => {
    const client = new ClientHandshake(env);
    client.start();
    expect(() => client.feed(concat(new Uint8Array([6]), new Uint8Array(HANDSHAKE_PACKET_SIZE)))).toThrow(RtmpProtocolError);
  });
});

describe('server handshake', () => {
  test('answers S0+S1+S2 together, S2 echoing C1 (npm rtmp-client checks it)', () => {
    const client = new ClientHandshake({ ...env, random: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff) });
    const c0c1 = client.start();
    const server = new ServerHandshake(env);
    const step = server.feed(c0c1);
    expect(step.done).toBe(false);
    const out = step.output!;
    expect(out).toHaveLength(1 + 2 * HANDSHAKE_PACKET_SIZE);
    expect(out[0]).toBe(3);
    const s2 = out.subarray(1 + HANDSHAKE_PACKET_SIZE);
    expect(s2.subarray(8)).toEqual(c0c1.subarray(9)); // random echoed
    expect(s2.subarray(0, 4)).toEqual(c0c1.subarray(1, 5)); // C1 time echoed
    // The client side completes against it, and C2 completes the server.
    const clientStep = client.feed(out);
    expect(clientStep.done).toBe(true);
    const done = server.feed(concat(clientStep.output!, new Uint8Array([1, 2, 3])));
    expect(done.done).toBe(true);
    expect(Array.from(done.rest)).toEqual([1, 2, 3]);
  });

  test('answers version 3 to an unknown version below 32', () => {
    const server = new ServerHandshake(env);
    const step = server.feed(concat(new Uint8Array([6]), new Uint8Array(HANDSHAKE_PACKET_SIZE)));
    expect(step.output![0]).toBe(3);
  });

  test.each([['GET ', 0x47], ['<policy-file-request/>', 0x3c], ['0xff', 0xff]])('refuses text/garbage (%s)', (_name, first) => {
    const server = new ServerHandshake(env);
    expect(() => server.feed(new Uint8Array([first, 0x45, 0x54]))).toThrow(RtmpProtocolError);
  });
});
