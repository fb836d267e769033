// wazo-agentd (`agentd/1.0`): call-center agent state. The `by-number` calls work on every engine; the
// `users/me` ones (engine ≥ 20.17, `loginWithLineId` ≥ 20.11) act on the agent of the token's user.

import type { ApiRequester } from '../http/api-requester';
import { successResponseParser } from '../http/parse';
import { route } from '../http/url';
import { Agent } from '../domain/agent';

export const DEFAULT_PAUSE_REASON = 'songbird_reason';

export default function agentdApi(client: ApiRequester, base: string) {
  const byNumber = (agentNumber: string | number, action: string) => `${base}/${route`agents/by-number/${agentNumber}`}/${action}`;
  const ok = successResponseParser;

  return {
    /** Takes the agent *id* (agentd's path is `agents/by-id/{id}`), despite the seed's argument name. */
    async getAgent(agentId: string | number): Promise<Agent> {
      return Agent.parse(await client.get(`${base}/${route`agents/by-id/${agentId}`}`));
    },

    login(agentNumber: string | number, context: string, extension: string): Promise<boolean> {
      return client.post(byNumber(agentNumber, 'login'), { context, extension }, null, ok);
    },

    logout(agentNumber: string | number): Promise<boolean> {
      return client.post(byNumber(agentNumber, 'logoff'), null, null, ok);
    },

    pause(agentNumber: string | number, reason: string = DEFAULT_PAUSE_REASON): Promise<boolean> {
      return client.post(byNumber(agentNumber, 'pause'), { reason }, null, ok);
    },

    resume(agentNumber: string | number): Promise<boolean> {
      return client.post(byNumber(agentNumber, 'unpause'), null, null, ok);
    },

    loginWithLineId(lineId: number): Promise<boolean> {
      return client.post(`${base}/users/me/agents/login`, { line_id: lineId }, null, ok);
    },

    async getStatus(): Promise<Agent> {
      return Agent.parse(await client.get(`${base}/users/me/agents`));
    },

    staticLogout(): Promise<boolean> {
      return client.post(`${base}/users/me/agents/logoff`, null, null, ok);
    },

    staticPause(reason: string = DEFAULT_PAUSE_REASON): Promise<boolean> {
      return client.post(`${base}/users/me/agents/pause`, { reason }, null, ok);
    },

    staticResume(): Promise<boolean> {
      return client.post(`${base}/users/me/agents/unpause`, null, null, ok);
    },
  };
}

export type AgentdApi = ReturnType<typeof agentdApi>;
