// The Simple API object (`import Wazo from 'kazoo-js/wazo'`; the seed's `@wazo/sdk/lib/simple`).

import type { WazoApiClient } from '../api/wazo-api-client';
import * as domain from '../domain/index';
import { BadResponse, ServerError } from '../http/errors';
import issueReporter from '../issue-reporter/issue-reporter';
import { SimpleApiClients } from './api-client';
import { SimpleAuth } from './auth';
import { InvalidAuthorization, InvalidSubscription, NoDomainNameError, NoTenantIdError } from './errors';
import { createSimpleWebsocket } from './websocket';
import { createSimplePhone } from '../phone/simple-phone';
import { CallSession } from '../phone/call-session';

const Websocket = createSimpleWebsocket();
// The registry calls back into Auth only when it creates a client, never during construction.
const clients = new SimpleApiClients((client) => Auth.setupClient(client));
const Auth = new SimpleAuth(clients, Websocket);

const getApiClient = (server?: string | null): WazoApiClient => clients.get(server);
const Phone = createSimplePhone({
  getHost: () => Auth.getHost(),
  getSession: () => Auth.getSession(),
  getApiClient: () => getApiClient(),
  websocket: Websocket,
});

const Wazo = {
  Auth,
  Websocket,
  Phone,
  IssueReporter: issueReporter,
  loggerFor: issueReporter.loggerFor.bind(issueReporter),
  getApiClient,
  domain: { ...domain, CallSession, BadResponse, ServerError },

  get api(): WazoApiClient {
    return getApiClient();
  },
  get agentd() {
    return getApiClient().agentd;
  },
  get application() {
    return getApiClient().application;
  },
  get auth() {
    return getApiClient().auth;
  },
  get callLogd() {
    return getApiClient().callLogd;
  },
  get calld() {
    return getApiClient().calld;
  },
  get chatd() {
    return getApiClient().chatd;
  },
  get confd() {
    return getApiClient().confd;
  },
  get dird() {
    return getApiClient().dird;
  },

  InvalidSubscription,
  InvalidAuthorization,
  NoTenantIdError,
  NoDomainNameError,
};

export type WazoSimple = typeof Wazo;
export default Wazo;
