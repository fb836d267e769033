// What gateway-bench.mjs and capacity.mjs share on the client side: placing one siprtmp call with an
// RtmpClient, and one timer pacing every call's 20 ms frames.

/**
 * connect (no password: outbound only, no REGISTER), invite `target` offering PCMU, wait for `accepted`;
 * rejects on `rejected` or after `ms`. `onCommand(c)` sees every command the gateway sends.
 */
export async function placeCall(client, { id, target, user = `b${id}`, ms = 15_000, onCommand = () => undefined }) {
  const waiting = new Map();
  client.on('command', (c) => {
    onCommand(c);
    waiting.get(c.name)?.(c);
  });
  const expect = (name) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`call ${id}: no ${name}`)), ms);
      waiting.set(name, (c) => (clearTimeout(timer), resolve(c)));
    });
  await client.connect(`rtmp://127.0.0.1/sip/${user}@bench.test`, user, '', `Bench ${id}`, 'narrowband');
  const accepted = expect('accepted');
  const rejected = expect('rejected').then((c) => Promise.reject(new Error(`call ${id} rejected: ${c.args[0]}`)));
  rejected.catch(() => undefined);
  client.notify('invite', target, 'pcmu');
  await Promise.race([accepted, rejected]);
}

/**
 * One 5 ms tick drives every call of `calls()`: a call sends when its 20 ms slot (`due`) has come, catching
 * up at most 100 ms; calls marked `ended` are skipped.
 */
export function framePacer(calls) {
  let ticker = null;
  return {
    start() {
      ticker = setInterval(() => {
        const now = performance.now();
        for (const call of calls()) {
          if (call.ended) continue;
          if (now - call.due > 100) call.due = now;
          while (now >= call.due) {
            call.send();
            call.due += 20;
          }
        }
      }, 5);
    },
    stop: () => clearInterval(ticker),
  };
}
