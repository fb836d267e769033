/**
 * The import rules of issue 11 hold over the whole repository, and the checker itself catches each kind
 * of violation (a checker that accepted everything would make the first test prove nothing).
 */
import path from 'node:path';
import { areaOf, checkRepository, checkSource, productSources, specifiersOf, TEST_SUPPORT_RULE } from './import-rules';

const ROOT = path.resolve(__dirname, '..', '..');

const rulesBroken = (file: string, source: string): string[] => checkSource(file, source).map((v) => v.rule);

test('the repository keeps every import rule', () => {
  const files = productSources(ROOT);
  // the walk found the product folders (an empty walk would pass vacuously)
  for (const top of ['src/', 'entries/', 'transports/', 'protocol/', 'gateway/', 'devstack/', 'plugins/']) {
    expect(files.some((f) => f.startsWith(top))).toBe(true);
  }
  const violations = checkRepository(ROOT).map((v) => `${v.file}: '${v.specifier}' (${v.rule}: ${v.message})`);
  expect(violations).toEqual([]);
});

describe('reading specifiers', () => {
  it('finds static, type-only, re-export, dynamic and require imports, and none in comments or strings', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "import './side-effect';",
      "export { c } from './c';",
      "export * from './d';",
      "const e = await import('./e');",
      "const f = require('./f');",
      'import {',
      '  g,',
      "} from './g';",
      "// import { x } from './commented-out';",
      "const text = \"from './in-a-string'\";",
    ].join('\n');
    expect(specifiersOf(source).sort()).toEqual(['../b', './a', './c', './d', './e', './f', './g', './side-effect']);
  });
});

describe('areas', () => {
  it.each([
    ['src/phone/phone.ts', 'engine'],
    ['entries/index.ts', 'entries'],
    ['transports/rtmp/adapter/node.ts', 'transports'],
    ['protocol/sip/parser.ts', 'protocol'],
    ['gateway/call/call.ts', 'gateway'],
    ['devstack/sip-server/server.ts', 'devstack'],
    ['plugins/wazo/index.ts', 'plugins'],
    ['test/support/rtmp/prng.ts', 'test-support'],
    ['transports/rtmp/adapter/test-support/stand-in.ts', 'test-support'],
    ['plugins/wazo/testing/tls.ts', 'test-support'],
    ['test/e2e/rtmp.e2e.test.ts', 'tests'],
    ['protocol/rtmp/fuzz.test.ts', 'tests'],
    ['bench/rtmp/codec.mjs', 'other'],
  ])('%s is in %s', (file, area) => {
    expect(areaOf(file)).toBe(area);
  });
});

describe('each rule fails on a violating file', () => {
  it('src/ imports no transport, entry, gateway, dev server or plugin', () => {
    expect(rulesBroken('src/phone/phone.ts', "import { x } from '../../transports/webrtc';")).toEqual(['engine-stands-alone']);
    expect(rulesBroken('src/facade/kazoo.ts', "import { y } from '../../entries/create';")).toEqual(['engine-stands-alone']);
    expect(rulesBroken('src/sip/uri.ts', "import { z } from '../../gateway/addressing';")).toEqual(['engine-stands-alone']);
    expect(rulesBroken('src/util/logger.ts', "import { w } from '../../devstack/sip-server/logger';")).toEqual(['engine-stands-alone']);
    expect(rulesBroken('src/transport.ts', "import type { V } from '../plugins/wazo';")).toEqual(['engine-stands-alone']);
    expect(rulesBroken('src/phone/phone.ts', "import { EventEmitter } from 'eventemitter3';\nimport type { L } from '../util/logger';")).toEqual([]);
  });

  it('protocol/ imports nothing above it: only protocol/, Node builtins and npm packages (JsSIP)', () => {
    expect(rulesBroken('protocol/sip/digest.ts', "import { md5 } from '../../devstack/sip-server/users';")).toEqual(['protocol-imports-nothing-above']);
    expect(rulesBroken('protocol/rtmp/rtmp-client.ts', "import type { L } from '../../src/util/logger';")).toEqual(['protocol-imports-nothing-above']);
    expect(rulesBroken('protocol/audio/g711.ts', "import { t } from '../../transports/rtmp/index';")).toEqual(['protocol-imports-nothing-above']);
    expect(rulesBroken('protocol/rtmp/x.ts', "import { MINIFY_OPTIONS } from '../../rollup.plugins.mjs';")).toEqual(['protocol-imports-nothing-above']);
    const allowed = "import { createHash } from 'node:crypto';\nimport net from 'net';\nimport * as G from 'jssip/lib/Grammar.js';\nimport { concatBytes } from '../rtmp/concat-bytes';";
    expect(rulesBroken('protocol/sip/parser.ts', allowed)).toEqual([]);
  });

  it('no product file imports test support', () => {
    expect(rulesBroken('protocol/rtmp/index.ts', "export * from '../../test/support/rtmp/duplex-pair';")).toEqual([TEST_SUPPORT_RULE]);
    expect(rulesBroken('gateway/gateway.ts', "import { h } from './test-support/harness';")).toEqual([TEST_SUPPORT_RULE]);
    expect(rulesBroken('plugins/wazo/index.ts', "import { tls } from './testing/tls';")).toEqual([TEST_SUPPORT_RULE]);
    expect(rulesBroken('src/monitors/reconnect.ts', "import { FakeClock } from '../../test/support/engine/fake-clock';")).toEqual([TEST_SUPPORT_RULE]);
    // tests may
    expect(rulesBroken('src/monitors/reconnect.test.ts', "import { FakeClock } from '../../test/support/engine/fake-clock';")).toEqual([]);
  });

  it('the gateway and transports/ import nothing from devstack/', () => {
    expect(rulesBroken('gateway/dialog.ts', "export { md5 } from '../devstack/sip-server/users';")).toEqual(['gateway-on-protocol']);
    expect(rulesBroken('transports/rtmp/adapter/node.ts', "import { s } from '../../../devstack/sip-server';")).toEqual(['transports-below-entries']);
  });

  it('the gateway stands on protocol/ only; transports/ import no entry', () => {
    expect(rulesBroken('gateway/gateway.ts', "import { g711 } from '../transports/rtmp/media/node-audio';")).toEqual(['gateway-on-protocol']);
    expect(rulesBroken('gateway/gateway.ts', "import { concatBytes } from '../protocol/rtmp/concat-bytes';")).toEqual([]);
    expect(rulesBroken('transports/rtmp/index.ts', "import type { O } from '../../entries/on-demand-contract';")).toEqual(['transports-below-entries']);
    expect(rulesBroken('transports/webrtc/index.ts', "import type { TransportFactory } from '../../src/transport';")).toEqual([]);
  });

  it('the RTMP media sit below the adapter that uses them', () => {
    expect(rulesBroken('transports/rtmp/media/browser/browser-media.ts', "import type { C } from '../../adapter/call-audio';")).toEqual(['media-below-adapter']);
    expect(rulesBroken('transports/rtmp/adapter/call-audio.ts', "import type { C } from '../media/call-media';")).toEqual([]);
  });

  it('the dev stack stands on protocol/ (it may run the gateway), never on the engine or a transport', () => {
    expect(rulesBroken('devstack/sip-server/server.ts', "import { p } from '../../src/phone/phone';")).toEqual(['devstack-on-protocol']);
    expect(rulesBroken('devstack/gateway-child.mjs', "const { createRtmpGateway } = await import('../gateway/gateway.ts');")).toEqual([]);
  });

  it('plugins/ use the package through its public entries only', () => {
    expect(rulesBroken('plugins/wazo/index.ts', "import { kazoo } from '../../src/facade/kazoo';")).toEqual(['plugins-use-public-entries']);
    expect(rulesBroken('plugins/wazo/index.ts', "import { g } from '../../protocol/audio/g711';")).toEqual(['plugins-use-public-entries']);
    expect(rulesBroken('plugins/wazo/index.ts', "import { createKazoo } from 'kazoo-js';\nimport { kazoo } from '../../entries/index';")).toEqual([]);
  });
});
