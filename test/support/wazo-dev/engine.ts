// One Wazo dev engine per test file on 127.0.0.1 (free port), its log lines captured, and a Wazo API
// client whose every exchange is checked against the OpenAPI specs.

import { WazoApiClient } from '../../../plugins/wazo/api/wazo-api-client';
import { createWazoDevServer, type WazoDevInfo, type WazoDevOptions, type WazoDevServer } from '../../../devstack/wazo-dev/index';
import { specCheckedFetch, type SpecCheckedFetch } from './spec-fetch';

export interface TestEngine {
  engine: WazoDevServer;
  info: WazoDevInfo;
  logs: string[];
  specs: SpecCheckedFetch;
  client(clientId?: string): WazoApiClient;
}

export async function startTestEngine(options: WazoDevOptions = {}): Promise<TestEngine> {
  const logs: string[] = [];
  const engine = createWazoDevServer({
    host: '127.0.0.1', port: 0, logLevel: 'trace', logSink: (line) => {
      if (logs.length < 50_000) logs.push(line);
    },
    ...options,
  });
  const info = await engine.start();
  const specs = specCheckedFetch(info.certificate);
  return {
    engine, info, logs, specs,
    client: (clientId) => new WazoApiClient({ server: info.server, clientId, fetch: specs.fetch, requestTimeout: 5000 }),
  };
}
