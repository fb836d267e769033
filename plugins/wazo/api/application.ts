// calld applications (`calld/1.0/applications`): Stasis applications driven over REST.
// Where calld defines no request body (answer, node membership) none is sent (the original sent `{}`).

import type { ApiRequester } from '../http/api-requester';
import { successResponseParser } from '../http/parse';
import { route } from '../http/url';
import { str, obj } from '../util/json';
import type { ListResponse, Raw, UUID } from './types';

export default function applicationApi(client: ApiRequester, base: string) {
  const app = (uuid: UUID) => `${base}/${route`${uuid}`}`;

  const api = {
    calls(applicationUuid: UUID): Promise<ListResponse> {
      return client.get(`${app(applicationUuid)}/calls`);
    },

    hangupCall(applicationUuid: UUID, callId: string): Promise<boolean> {
      return client.delete(`${app(applicationUuid)}/${route`calls/${callId}`}`, null, null, successResponseParser);
    },

    /**
     * Answers a call. The seed lists `(app, callId, context, exten, autoanswer)`, but calld's answer takes
     * no destination (the original SDK ignores the extra arguments too): use `bridgeCall` to connect the
     * call to an extension.
     */
    answerCall(applicationUuid: UUID, callId: string): Promise<boolean> {
      return client.put(`${app(applicationUuid)}/${route`calls/${callId}/answer`}`, null, null, successResponseParser);
    },

    /** Puts the call in a new node, then dials `exten@context` into that node. */
    async bridgeCall(
      applicationUuid: UUID,
      callId: string,
      context: string,
      exten: string,
      autoanswer = false,
      displayedCallerIdNumber?: string | null,
    ): Promise<{ nodeUuid: string; data: Raw }> {
      const node = await api.createNewNodeWithCall(applicationUuid, [{ id: callId }]);
      const nodeUuid = str(obj(node).uuid);
      const data = await api.addNewCallNodes(applicationUuid, nodeUuid, context, exten, autoanswer, displayedCallerIdNumber);
      return { nodeUuid, data };
    },

    createNewNodeWithCall(applicationUuid: UUID, calls: Array<{ id: string }>): Promise<Raw> {
      return client.post(`${app(applicationUuid)}/nodes`, { calls });
    },

    addNewCallNodes(
      applicationUuid: UUID,
      nodeUuid: UUID,
      context: string,
      exten: string,
      autoanswer = false,
      displayedCallerIdNumber?: string | null,
    ): Promise<Raw> {
      const body: Record<string, unknown> = { context, exten, autoanswer };
      if (displayedCallerIdNumber) body.displayed_caller_id_number = displayedCallerIdNumber;
      return client.post(`${app(applicationUuid)}/${route`nodes/${nodeUuid}/calls`}`, body);
    },

    listNodes(applicationUuid: UUID): Promise<ListResponse> {
      return client.get(`${app(applicationUuid)}/nodes`);
    },

    listCallsNodes(applicationUuid: UUID, nodeUuid: UUID): Promise<Raw> {
      return client.get(`${app(applicationUuid)}/${route`nodes/${nodeUuid}`}`);
    },

    removeCallNodes(applicationUuid: UUID, nodeUuid: UUID, callId: string): Promise<boolean> {
      return client.delete(`${app(applicationUuid)}/${route`nodes/${nodeUuid}/calls/${callId}`}`, null, null, successResponseParser);
    },

    addCallNodes(applicationUuid: UUID, nodeUuid: UUID, callId: string): Promise<boolean> {
      return client.put(`${app(applicationUuid)}/${route`nodes/${nodeUuid}/calls/${callId}`}`, null, null, successResponseParser);
    },

    /** Plays a sound (`uri`, e.g. `sound:tt-weasels`) on a call; resolves to the playback. */
    startPlaybackCall(applicationUuid: UUID, callId: string, language: string, uri: string): Promise<Raw> {
      return client.post(`${app(applicationUuid)}/${route`calls/${callId}/playbacks`}`, { language, uri });
    },

    /** The seed's name for `startPlaybackCall`. */
    playCall(applicationUuid: UUID, callId: string, language: string, uri: string): Promise<Raw> {
      return api.startPlaybackCall(applicationUuid, callId, language, uri);
    },

    stopPlaybackCall(applicationUuid: UUID, playbackUuid: UUID): Promise<boolean> {
      return client.delete(`${app(applicationUuid)}/${route`playbacks/${playbackUuid}`}`, null, null, successResponseParser);
    },
  };
  return api;
}

export type ApplicationApi = ReturnType<typeof applicationApi>;
