import type { ConnectivityStatus, ErrorKey, NotificationKey } from './catalogue';
import type { TransportName } from '../transport';

/**
 * Where a notification or error came from. Its shape depends on the transport (the 2014 document says
 * so): `protocol` names it, and the rest are that transport's raw details (SIP status, NOTIFY headers…).
 */
export interface KazooSource {
  protocol: TransportName | 'engine';
  [detail: string]: unknown;
}

/** The `{key, message, source}` shape every onNotified/onError argument has (source included: the document promises it). */
export interface KazooEvent<K extends string> {
  key: K;
  message: string;
  source: KazooSource;
}

export interface VoicemailCounts {
  /** `Messages-Waiting: yes` */
  messagesWaiting: boolean;
  /** `Message-Account` URI, when the body has one */
  account?: string;
  newMessages: number;
  oldMessages: number;
  urgentNewMessages: number;
  urgentOldMessages: number;
}

export interface ConnectivityRecord { status: ConnectivityStatus; time: Date }

export interface VoicemailNotification extends KazooEvent<'voicemail_notification'>, VoicemailCounts {}
export interface ConnectivityNotification extends KazooEvent<'connectivity_notification'> {
  status: ConnectivityStatus;
  time: Date;
  history: ConnectivityRecord[];
}
export interface ReconnectingNotification extends KazooEvent<'reconnecting_notification'> { attempt: number }

export type KazooNotification =
  | VoicemailNotification
  | ConnectivityNotification
  | ReconnectingNotification
  | KazooEvent<Exclude<NotificationKey, 'voicemail_notification' | 'connectivity_notification' | 'reconnecting_notification'>>;

export interface KazooError extends KazooEvent<ErrorKey> {
  /** SIP (or gateway) status code, where there is one */
  code?: number;
  /** the offending parameter, for `missing_parameter` */
  parameter?: string;
}

/** The argument of onCancel: why a call ended before it was answered. */
export interface CancelDetails {
  code?: number;
  message: string;
  /** `rejected`: the callee refused; `cancelled`: the caller gave up; `failed`: no SIP answer (media, network) */
  event: 'rejected' | 'cancelled' | 'failed';
  originator: 'local' | 'remote' | 'system';
  source?: KazooSource;
}
