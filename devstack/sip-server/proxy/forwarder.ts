// The stateful proxy core (RFC 3261 16.6-16.10) for one request: a branch per target (forking to
// every device of a user), provisional and 2xx answers passed upstream at once, the best final answer
// once every branch has one, CANCEL fanned out to pending branches, and the other branches cancelled
// when one answers. Record-Route is added per branch: two entries when the call crosses transports
// (WebSocket <-> UDP), so each side's first Route names the interface it can reach.

import type { ServerContext } from '../context';
import { DialogTracker } from '../dialogs';
import { newBranch } from '../../../protocol/sip/builder';
import { createResponse } from '../messages';
import type { SipRequest, SipResponse } from '../../../protocol/sip/message';
import type { ClientTxn, ClientTxnHandler } from '../../../protocol/sip/transaction/client';
import type { ServerTxn } from '../../../protocol/sip/transaction/server';
import type { Flow } from '../../../protocol/sip/flow';

export interface BranchTarget {
  uri: string;
  flow: Flow;
}

export interface ForwardOptions {
  recordRoute: boolean;
}

interface BranchState {
  txn: ClientTxn | undefined;
  final: SipResponse | undefined;
}

/** RFC 3261 16.7 step 6, simplified: any 6xx, else the lowest class; within 4xx/5xx a specific answer beats a generic "nobody there". */
function rank(status: number): number {
  if (status >= 600) return 0;
  const generic = status === 408 || status === 480 || status === 503 || status === 430 ? 50 : 0;
  return Math.floor(status / 100) * 100 + generic;
}

export class ProxyContext implements ClientTxnHandler {
  private readonly branches: BranchState[] = [];
  private answered = false;
  private cancelled = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly txn: ServerTxn,
    private readonly request: SipRequest,
    private readonly opts: ForwardOptions,
  ) {}

  private get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }

  /** Fork to `targets` (at most limits.maxForks). */
  start(targets: BranchTarget[]): void {
    if (this.isInvite) {
      this.txn.respond(createResponse(this.request, 100));
      this.txn.onCancel = () => this.cancel();
    }
    for (const target of targets.slice(0, this.ctx.limits.maxForks)) {
      const state: BranchState = { txn: undefined, final: undefined };
      this.branches.push(state);
      state.txn = this.startBranch(target);
      if (!state.txn) state.final = createResponse(this.request, 503, { reason: 'Service Unavailable (transactions)' });
    }
    this.maybeFinish();
  }

  private startBranch(target: BranchTarget): ClientTxn | undefined {
    const { ctx } = this;
    if (ctx.serverTxns.size + ctx.clientTxns.size >= ctx.limits.maxTransactions) return undefined;
    const req = this.request.clone();
    req.uri = target.uri;
    if (this.opts.recordRoute) {
      const inbound = this.txn.flow.transport;
      const outbound = target.flow.transport;
      if (inbound !== outbound) req.prepend('Record-Route', ctx.local.recordRoute(inbound));
      req.prepend('Record-Route', ctx.local.recordRoute(outbound));
    }
    const mf = Number(req.get('max-forwards') ?? '70');
    req.set('Max-Forwards', String(Number.isFinite(mf) ? Math.max(0, mf - 1) : 69));
    const branch = newBranch();
    req.prepend('Via', `${ctx.local.via(target.flow.transport)};branch=${branch}`);
    const txn = ctx.clientTxns.create(req, branch, target.flow, this);
    txn.start();
    return txn;
  }

  cancel(): void {
    if (this.cancelled || this.txn.final) return;
    this.cancelled = true;
    for (const b of this.branches) if (!b.final) b.txn?.cancel();
  }

  onResponse(res: SipResponse, from: ClientTxn): void {
    const branch = this.branches.find((b) => b.txn === from);
    if (!branch) return;
    if (res.status < 200) {
      // 100 is hop-by-hop; other provisionals go upstream while no final was sent.
      if (res.status > 100 && !this.txn.final) this.upstream(res);
      return;
    }
    if (res.status < 300) {
      branch.final ??= res;
      if (this.isInvite) {
        const key = DialogTracker.key(res.core.callId, res.core.fromTag, res.core.toTag);
        this.ctx.dialogs.add(key);
        // Every 2xx to an INVITE goes upstream (RFC 3261 16.7 step 5), retransmissions included.
        this.upstream(res);
        if (!this.answered) {
          this.answered = true;
          for (const b of this.branches) if (b !== branch && !b.final) b.txn?.cancel(this.ctx.proxy.answeredElsewhereHeaders);
        }
      } else if (!this.txn.final) {
        this.upstream(res);
      }
      return;
    }
    if (branch.final) return;
    branch.final = res;
    if (this.isInvite && res.status >= 600) for (const b of this.branches) if (!b.final) b.txn?.cancel();
    this.maybeFinish();
  }

  onTimeout(from: ClientTxn): void {
    const branch = this.branches.find((b) => b.txn === from);
    if (!branch || branch.final) return;
    // Timer C on a ringing INVITE branch: cancel it and count it as "no answer".
    from.cancel();
    branch.final = createResponse(this.request, this.ctx.proxy.noAnswerStatus ?? 408);
    this.maybeFinish();
  }

  onFlowFailure(from: ClientTxn): void {
    const branch = this.branches.find((b) => b.txn === from);
    if (!branch || branch.final) return;
    branch.final = createResponse(this.request, 480, { reason: 'Temporarily Unavailable (connection closed)' });
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.txn.final || this.branches.some((b) => !b.final)) return;
    const finals = this.branches.map((b) => b.final as SipResponse);
    if (finals.length === 0) {
      this.upstream(createResponse(this.request, 480));
      return;
    }
    let best = finals.reduce((a, b) => (rank(b.status) < rank(a.status) ? b : a));
    // The caller cancelled: whatever the devices said, the INVITE ends with 487.
    if (this.cancelled && this.isInvite && best.status < 600 && best.status !== 487) best = createResponse(this.request, 487);
    this.upstream(best);
  }

  /** Every answer sent upstream passes the host's observer first (it may add headers). */
  private upstream(res: SipResponse): void {
    this.ctx.proxy.answering?.(res, this.request);
    this.txn.respond(res);
  }
}
