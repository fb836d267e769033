// wazo-calld (`calld/1.0`): the user's calls, transfers, voicemails, switchboards, faxes and relocates.
// `listMessages`, `sendMessage` and `updatePresence` call endpoints calld removed in 19.04/19.05 (chat
// and presence moved to chatd); they are kept for old engines because the seed lists them.

import type { ApiRequester } from '../http/api-requester';
import { successResponseParser } from '../http/parse';
import { route, toQueryString } from '../http/url';
import type { RequestBody } from '../http/types';
import { Call } from '../domain/call';
import { ChatMessage } from '../domain/chat';
import { IndirectTransfer } from '../domain/indirect-transfer';
import { Relocation } from '../domain/relocation';
import { Voicemail } from '../domain/voicemail';
import type { CtidNgApi, LegacyPresence } from './ctid-ng';
import type { ListResponse, Raw, UUID } from './types';

export interface CallResponse extends Raw {
  call_id?: string;
}

export interface RelocateContact {
  lineId?: number | null;
  contact?: string | null;
}

export default function calldApi(client: ApiRequester, base: string, ctidNg: CtidNgApi) {
  const call = (id: string) => `${base}/${route`users/me/calls/${id}`}`;
  const switchboard = (uuid: UUID) => `${base}/${route`switchboards/${uuid}`}`;
  const lineQuery = (lineId?: number | null) => toQueryString({ line_id: lineId });
  const ok = successResponseParser;

  return {
    getConferenceParticipantsAsUser(conferenceId: string | number): Promise<ListResponse> {
      return client.get(`${base}/${route`users/me/conferences/${conferenceId}/participants`}`);
    },

    answerSwitchboardQueuedCall(switchboardUuid: UUID, callId: string, lineId?: number | null): Promise<CallResponse> {
      return client.put(`${switchboard(switchboardUuid)}/${route`calls/queued/${callId}/answer`}${lineQuery(lineId)}`);
    },

    answerSwitchboardHeldCall(switchboardUuid: UUID, callId: string, lineId?: number | null): Promise<CallResponse> {
      return client.put(`${switchboard(switchboardUuid)}/${route`calls/held/${callId}/answer`}${lineQuery(lineId)}`);
    },

    holdSwitchboardCall(switchboardUuid: UUID, callId: string): Promise<boolean> {
      return client.put(`${switchboard(switchboardUuid)}/${route`calls/held/${callId}`}`, null, null, ok);
    },

    fetchSwitchboardHeldCalls(switchboardUuid: UUID): Promise<ListResponse> {
      return client.get(`${switchboard(switchboardUuid)}/calls/held`);
    },

    fetchSwitchboardQueuedCalls(switchboardUuid: UUID): Promise<ListResponse> {
      return client.get(`${switchboard(switchboardUuid)}/calls/queued`);
    },

    cancelCall(callId: string): Promise<boolean> {
      return client.delete(call(callId), null, null, ok);
    },

    async listCalls(): Promise<Call[]> {
      return Call.parseMany(await client.get(`${base}/users/me/calls`));
    },

    /** Starts a call from the user's line (or mobile). Resolves to calld's answer (`{call_id, …}`). */
    makeCall(extension: string, fromMobile = false, lineId?: number | null, allLines = false): Promise<CallResponse> {
      const body: Record<string, unknown> = { from_mobile: fromMobile, extension };
      if (lineId) body.line_id = lineId;
      if (allLines) body.all_lines = true;
      return client.post(`${base}/users/me/calls`, body);
    },

    mute(callId: string): Promise<boolean> {
      return client.put(`${call(callId)}/mute/start`, null, null, ok);
    },

    unmute(callId: string): Promise<boolean> {
      return client.put(`${call(callId)}/mute/stop`, null, null, ok);
    },

    hold(callId: string): Promise<boolean> {
      return client.put(`${call(callId)}/hold/start`, null, null, ok);
    },

    resume(callId: string): Promise<boolean> {
      return client.put(`${call(callId)}/hold/stop`, null, null, ok);
    },

    sendDTMF(callId: string, digits: string): Promise<boolean> {
      return client.put(`${call(callId)}/dtmf${toQueryString({ digits })}`, null, null, ok);
    },

    /** calld transfer of the user's call `callId` to `number` (attended: the user talks to it first). */
    async transferCall(callId: string, number: string, flow: 'attended' | 'blind' = 'attended'): Promise<IndirectTransfer> {
      return IndirectTransfer.parseFromApi(await client.post(`${base}/users/me/transfers`, { initiator_call: callId, exten: number, flow }));
    },

    confirmCallTransfer(transferId: string): Promise<boolean> {
      return client.put(`${base}/${route`users/me/transfers/${transferId}/complete`}`, null, null, ok);
    },

    cancelCallTransfer(transferId: string): Promise<boolean> {
      return client.delete(`${base}/${route`users/me/transfers/${transferId}`}`, null, null, ok);
    },

    async relocateCall(callId: string, destination: 'line' | 'mobile' | string, lineId?: number | null, contact?: string | null): Promise<Relocation> {
      const body: Record<string, unknown> = { completions: ['answer'], destination, initiator_call: callId, auto_answer: true };
      if (lineId || contact) {
        const location: Record<string, unknown> = {};
        if (lineId) location.line_id = lineId;
        if (contact) location.contact = contact;
        body.location = location;
      }
      return Relocation.parse(await client.post(`${base}/users/me/relocates`, body));
    },

    async listVoicemails(): Promise<Voicemail[]> {
      return Voicemail.parseMany(await client.get(`${base}/users/me/voicemails`));
    },

    deleteVoicemail(voicemailId: string): Promise<boolean> {
      return client.delete(`${base}/${route`users/me/voicemails/messages/${voicemailId}`}`, null, null, ok);
    },

    /** A URL an `<audio>` element can play: calld accepts the token as a query parameter there. */
    getVoicemailUrl(voicemail: { id: string }): string {
      const path = `${base}/${route`users/me/voicemails/messages/${voicemail.id}/recording`}`;
      return `${client.baseUrl}/${path}${toQueryString({ token: client.token })}`;
    },

    /** Sends a PDF. The body goes out raw with `Content-Type: application/pdf`. */
    sendFax(extension: string, fax: RequestBody, callerId?: string | null): Promise<Raw> {
      const query = toQueryString({ extension, caller_id: callerId || undefined });
      return client.post(`${base}/users/me/faxes${query}`, fax, { 'Content-Type': 'application/pdf' });
    },

    /** Legacy calld chat (removed in engine 19.05; chatd replaces it). */
    async listMessages(participantUuid?: UUID | null, limit?: number | null): Promise<ChatMessage[]> {
      const query = { participant_user_uuid: participantUuid || undefined, limit: limit ?? undefined };
      return ChatMessage.parseMany(await client.get(`${base}/users/me/chats`, query));
    },

    /** Legacy calld chat (removed in engine 19.05; chatd replaces it). */
    sendMessage(alias: string, msg: string, toUserId: UUID): Promise<boolean> {
      return client.post(`${base}/users/me/chats`, { alias, msg, to: toUserId }, null, ok);
    },

    /** Legacy calld presence (removed in engine 19.04; chatd replaces it). */
    updatePresence(presence: string): Promise<boolean> {
      return client.put(`${base}/users/me/presences`, { presence }, null, ok);
    },

    /** Legacy: lives under `ctid-ng/1.0` (as `client.ctidNg.getPresence`), never existed in calld. */
    getPresence(contactUuid: UUID): Promise<LegacyPresence> {
      return ctidNg.getPresence(contactUuid);
    },

    /** Legacy: lives under `ctid-ng/1.0` (as `client.ctidNg.getStatus`), never existed in calld. */
    getStatus(lineUuid: UUID | number): Promise<LegacyPresence> {
      return ctidNg.getStatus(lineUuid);
    },
  };
}

export type CalldApi = ReturnType<typeof calldApi>;
