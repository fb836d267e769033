// The domain objects, grouped as the Simple API exposes them (`Wazo.domain.Session`, …).
export { Session, type Authorization } from './session';
export { Profile, LINE_STATE } from './profile';
export { Line, type Extension } from './line';
export { ForwardOption, FORWARD_KEYS, type ForwardKey } from './forward-option';
export { SipLine } from './sip-line';
export { Call, RECORDING_STATE } from './call';
export { Voicemail, type VoicemailFolder } from './voicemail';
export { Relocation } from './relocation';
export { IndirectTransfer } from './indirect-transfer';
export { Contact, BACKEND, type NewContact, type LabelledNumber, type LabelledEmail } from './contact';
export { Agent } from './agent';
export { CallLog, Recording, type CallLogParty } from './call-log';
export { ChatMessage, ChatRoom, type ChatUser } from './chat';
