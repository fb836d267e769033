// The Simple API's REST client: one WazoApiClient for the current host, kept across `setHost`, with
// plain state (no globals, no fallback-merging of settings: clearing a token really clears it).

import { WazoApiClient, type WazoApiClientOptions } from '../api/wazo-api-client';

export type SimpleClientOptions = Pick<WazoApiClientOptions, 'fetch' | 'agent' | 'requestTimeout'>;

export class SimpleApiClients {
  private current: WazoApiClient | null = null;
  private readonly others = new Map<string, WazoApiClient>();
  private options: SimpleClientOptions = {};
  host: string | null = null;

  /** Called on every client this registry creates (wires refresh callbacks). */
  constructor(private readonly setup: (client: WazoApiClient) => void) {}

  setHost(host: string): void {
    this.host = host;
    if (this.current) this.current.updateParameters({ server: host });
  }

  setOptions(options: SimpleClientOptions): void {
    this.options = { ...this.options, ...options };
    for (const client of this.all()) this.apply(client);
  }

  /** The client of the current host, or of `server` when given. */
  get(server?: string | null): WazoApiClient {
    if (server && server !== this.host) {
      let other = this.others.get(server);
      if (!other) {
        other = this.create(server);
        this.others.set(server, other);
      }
      return other;
    }
    if (!this.current) this.current = this.create(this.host ?? '');
    return this.current;
  }

  all(): WazoApiClient[] {
    return [...(this.current ? [this.current] : []), ...this.others.values()];
  }

  private create(server: string): WazoApiClient {
    const client = new WazoApiClient({ server });
    this.apply(client);
    this.setup(client);
    return client;
  }

  private apply(client: WazoApiClient): void {
    if (this.options.fetch !== undefined) client.client.setFetch(this.options.fetch ?? null);
    if (this.options.agent !== undefined) client.updateParameters({ agent: this.options.agent });
    if (this.options.requestTimeout !== undefined) client.setRequestTimeout(this.options.requestTimeout);
  }
}
