// The messages the development server originates carry its own name (User-Agent / Server).
import { sipMessageBuilder } from '../../protocol/sip/builder';

export const DEV_SERVER_AGENT = 'kazoo-js-dev-sip';

export const { createRequest, createResponse } = sipMessageBuilder(DEV_SERVER_AGENT);
