// JsSIP ships no typings for its Parser module (it is internal to the UA); this is the part the
// server's parser adapter uses. Kept next to the adapter so nothing else depends on JsSIP internals.
declare module 'jssip/lib/Parser.js' {
  import type { URI } from 'jssip/lib/URI.js';
  import type { NameAddrHeader } from 'jssip/lib/NameAddrHeader.js';

  export interface JsSipIncomingMessage {
    method?: string;
    ruri?: URI | null;
    status_code?: number;
    reason_phrase?: string;
    from?: NameAddrHeader;
    to?: NameAddrHeader;
    from_tag?: string;
    to_tag?: string;
    call_id?: string;
    cseq?: number;
    hasHeader(name: string): boolean;
    getHeader(name: string): string | undefined;
    parseHeader(name: string, idx?: number): unknown;
  }

  export function parseMessage(data: string, ua: unknown): JsSipIncomingMessage | undefined;
}
