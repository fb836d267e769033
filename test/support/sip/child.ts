// A CLI under test as a child process (node <script> <args>): its output split into lines, its exit
// code as a promise, and a bounded wait for a line. The caller keeps the list of children to kill.

import { spawn, type ChildProcess } from 'node:child_process';

export interface Run {
  child: ChildProcess;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

export function runNode(script: string, args: string[], children: ChildProcess[]): Run {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => err.push(...d.toString().split('\n').filter(Boolean)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, err, exit };
}

export async function waitForLine(lines: string[], re: RegExp, ms = 10000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const line = lines.find((l) => re.test(l));
    if (line) return line;
    if (Date.now() > end) throw new Error(`no line matching ${re} within ${ms} ms; got ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
