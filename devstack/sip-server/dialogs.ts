// Counts established INVITE dialogs so their number can be capped. The proxy needs no dialog state to
// route (Record-Route + Contact aliases carry it), so this is only bookkeeping: a dialog is added on
// the 2xx to an initial INVITE, removed on BYE, and forgotten after `idleMs` without any in-dialog
// request (a client that vanished without BYE).

export class DialogTracker {
  private readonly dialogs = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  static key(callId: string, tagA: string | undefined, tagB: string | undefined): string {
    const [a, b] = [tagA ?? '', tagB ?? ''].sort();
    return `${callId}|${a}|${b}`;
  }

  get size(): number {
    return this.dialogs.size;
  }

  get full(): boolean {
    return this.dialogs.size >= this.max;
  }

  add(key: string): void {
    if (this.dialogs.has(key) || !this.full) this.dialogs.set(key, this.now());
  }

  touch(key: string): void {
    if (this.dialogs.has(key)) this.dialogs.set(key, this.now());
  }

  remove(key: string): void {
    this.dialogs.delete(key);
  }

  sweep(): void {
    const limit = this.now() - this.idleMs;
    for (const [key, seen] of this.dialogs) if (seen < limit) this.dialogs.delete(key);
  }

  clear(): void {
    this.dialogs.clear();
  }
}
