import { fakeClock } from '../../test/support/engine/fake-clock';
import { InboundAudioSilence } from './inbound-audio';

describe('InboundAudioSilence', () => {
  function setup() {
    const clock = fakeClock();
    const state: { packets: number | null; paused: boolean; fail: boolean } = { packets: 0, paused: false, fail: false };
    const silence = new InboundAudioSilence(clock, {
      packetsReceived: async () => {
        if (state.fail) throw new Error('connection closed');
        return state.packets;
      },
      paused: () => state.paused,
    });
    silence.reset();
    return { clock, state, silence };
  }

  test('a growing count is no silence; a still one counts from its last growth', async () => {
    const { clock, state, silence } = setup();
    state.packets = 50;
    clock.advance(200);
    expect(await silence.silentMs()).toBe(0);
    clock.advance(200);
    expect(await silence.silentMs()).toBe(200);
    clock.advance(300);
    expect(await silence.silentMs()).toBe(500);
    state.packets = 60;
    expect(await silence.silentMs()).toBe(0);
  });

  test('no connection to ask, or a reading that fails, counts as silence; a count going back does not count as growth', async () => {
    const { clock, state, silence } = setup();
    state.packets = 100;
    await silence.silentMs();
    state.packets = null;
    clock.advance(300);
    expect(await silence.silentMs()).toBe(300);
    state.fail = true;
    clock.advance(300);
    expect(await silence.silentMs()).toBe(600);
    state.fail = false;
    state.packets = 40; // a new connection's count, below the old one
    clock.advance(300);
    expect(await silence.silentMs()).toBe(900);
  });

  test('on hold, silence is expected: it counts from when the hold ended', async () => {
    const { clock, state, silence } = setup();
    state.paused = true;
    clock.advance(5000);
    expect(await silence.silentMs()).toBe(0);
    state.paused = false;
    clock.advance(400);
    expect(await silence.silentMs()).toBe(400);
  });
});
