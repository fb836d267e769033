// How the survival benches print (bench/survival-webrtc.mjs): per event a title line with what happened
// and how many runs, then one line per target of issue 13: the target, kazoo-js's median (and of how
// many runs), raw JsSIP's result on the same event in the same run, and whether kazoo-js met the goal.
import { median } from '../browser-bench.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or `onTimeout()`'s value after `ms` (its timer cleared either way: nothing left to wait for) */
export async function withTimeout(promise, ms, onTimeout) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((resolve, reject) => { timer = setTimeout(() => { try { resolve(onTimeout()); } catch (e) { reject(e); } }, ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** the finite values of `xs` as "<median> ms (k/n)", or "none (0/n)" */
export function ms(xs, n = xs.length) {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? `${median(ok).toFixed(0)} ms (${ok.length}/${n})` : `none (0/${n})`;
}

/** the median of the finite values of `xs`, "<median> ms" ("n/a" when none) */
export function msOnly(xs) {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? `${median(ok).toFixed(0)} ms` : 'n/a';
}

/** the runs of a row that produced a result (a failed one is null) */
export const ok = (runs) => runs.filter(Boolean);

/** how many of `xs` hold, "k/n" */
export const count = (xs) => `${xs.filter(Boolean).length}/${xs.length}`;

/** a median (finite values only) is at most `goalMs`, in every run that had one, and every run had one */
export function within(xs, goalMs) {
  const ok = xs.filter(Number.isFinite);
  return ok.length === xs.length && ok.length > 0 && median(ok) <= goalMs;
}

/** "goal …: met" / "not met" */
export const verdict = (goal, met) => `goal ${goal}: ${met ? 'met' : 'NOT met'}`;

export function title(text, n) {
  console.log(`${text} (median of ${n}; raw JsSIP with its defaults on the same event, same run)`);
}

export function line(target, ours, raw, goalText) {
  console.log(`  ${target.padEnd(48)} kazoo-js ${ours.padEnd(28)} raw JsSIP ${raw.padEnd(42)} ${goalText}`.trimEnd());
}
