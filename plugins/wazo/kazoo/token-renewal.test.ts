// When the Wazo token is renewed: at 80 % of its remaining life, again after each renewal, and what a
// failure reports (fake timers: no waiting).
import { TokenRenewal } from './token-renewal';

beforeEach(() => jest.useFakeTimers({ now: 0 }));
afterEach(() => jest.useRealTimers());

function renewal(renew: () => Promise<string | null>) {
  let expiresAt = new Date(10_000);
  const failures: Array<[unknown, boolean]> = [];
  const r = new TokenRenewal({
    expiresAt: () => expiresAt,
    renew: async () => {
      const token = await renew();
      if (token) expiresAt = new Date(Date.now() + 10_000); // what Wazo.Auth's refresh does to the session
      return token;
    },
    onFailure: (e, expired) => failures.push([e, expired]),
  });
  return { r, failures };
}

test('renews at 80 % of the remaining life, then again from the new expiry; stop() ends it', async () => {
  const renew = jest.fn(async () => 'new');
  const { r, failures } = renewal(renew);
  r.start();
  await jest.advanceTimersByTimeAsync(7_999);
  expect(renew).toHaveBeenCalledTimes(0);
  await jest.advanceTimersByTimeAsync(1);
  expect(renew).toHaveBeenCalledTimes(1);
  await jest.advanceTimersByTimeAsync(8_000);
  expect(renew).toHaveBeenCalledTimes(2);
  r.stop();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(renew).toHaveBeenCalledTimes(2);
  expect(failures).toEqual([]);
});

test('a failed renewal is reported and tried again halfway to the expiry; at the expiry it says expired and stops', async () => {
  const renew = jest.fn(async (): Promise<string | null> => { throw new Error('down'); });
  const { r, failures } = renewal(renew);
  r.start();
  await jest.advanceTimersByTimeAsync(8_000); // 2 s left → again in 1 s
  expect(failures).toEqual([[new Error('down'), false]]);
  await jest.advanceTimersByTimeAsync(1_000); // 1 s left: expired
  expect(failures.map(([, expired]) => expired)).toEqual([false, true]);
  await jest.advanceTimersByTimeAsync(60_000);
  expect(renew).toHaveBeenCalledTimes(2);
});

test('without a refresh token: said once, no retry', async () => {
  const renew = jest.fn(async () => null);
  const { r, failures } = renewal(renew);
  r.start();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(renew).toHaveBeenCalledTimes(1);
  expect(failures).toHaveLength(1);
  expect(String(failures[0][0])).toContain('no refresh token');
});
