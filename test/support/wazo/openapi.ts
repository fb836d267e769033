// Test-time access to the Wazo services' own OpenAPI (Swagger 2.0) specs, kept as test fixtures in
// fixtures/wazo-openapi (GPL, Wazo's; see its README; never in the npm package). Each service's fragments are merged into one document; requests
// are validated against it (path template, method, parameters, security, body schema via ajv) and
// responses are generated from its response schemas.

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

/** The repository's root: the nearest folder above this file with the project's package.json. */
function repositoryRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'fixtures'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

export const SPEC_ROOT = path.join(repositoryRoot(__dirname), 'fixtures', 'wazo-openapi');

/** URL prefix under /api/ → spec directory. */
export const SPEC_SERVICES: Record<string, string> = {
  'auth/0.1': 'auth',
  'calld/1.0': 'calld',
  'confd/1.1': 'confd',
  'dird/0.1': 'dird',
  'agentd/1.0': 'agentd',
  'call-logd/1.0': 'call-logd',
  'chatd/1.0': 'chatd',
};

export interface MergedSpec {
  service: string;
  basePath: string;
  security: Json[] | undefined;
  securityDefinitions: Record<string, Json>;
  paths: Record<string, Record<string, Json>>;
  definitions: Record<string, Json>;
  parameters: Record<string, Json>;
  responses: Record<string, Json>;
}

export interface Operation {
  service: string;
  template: string;
  method: string;
  op: Json;
  params: Json[];
}

export interface IncomingRequest {
  method: string;
  /** Path after the service prefix, e.g. `/users/me/calls` (still percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

// Some upstream files indent the continuation lines of a quoted scalar less than YAML allows (PyYAML
// accepts it); re-indent those lines before parsing.
function relaxQuotedScalars(src: string): string {
  const lines = src.split('\n');
  const open = (rest: string) => !rest.replace(/''/g, '').includes("'");
  let inside = false;
  let indent = '';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (!inside) {
      const m = /^(\s*)[\w$-]+:\s+'(.*)$/.exec(line);
      if (m && open(m[2])) {
        inside = true;
        indent = `${m[1]}  `;
      }
    } else {
      if (line.trim()) lines[i] = indent + line.trimStart();
      if (!open(line)) inside = false;
    }
  }
  return lines.join('\n');
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (entry.name === 'api.yml') out.push(full);
  }
  return out.sort();
}

const specCache = new Map<string, MergedSpec>();

export function loadSpec(service: string): MergedSpec {
  const cached = specCache.get(service);
  if (cached) return cached;
  const spec: MergedSpec = { service, basePath: '', security: undefined, securityDefinitions: {}, paths: {}, definitions: {}, parameters: {}, responses: {} };
  for (const file of yamlFiles(path.join(SPEC_ROOT, service))) {
    const doc = YAML.parse(relaxQuotedScalars(fs.readFileSync(file, 'utf8')), { uniqueKeys: false }) as Json | null;
    if (!doc) continue;
    if (typeof doc.basePath === 'string') spec.basePath = doc.basePath;
    if (Array.isArray(doc.security)) spec.security = doc.security as Json[];
    Object.assign(spec.securityDefinitions, doc.securityDefinitions ?? {});
    for (const [p, ops] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
      spec.paths[p] = { ...(spec.paths[p] ?? {}), ...(ops as Record<string, Json>) };
    }
    Object.assign(spec.definitions, doc.definitions ?? {});
    Object.assign(spec.parameters, doc.parameters ?? {});
    Object.assign(spec.responses, doc.responses ?? {});
  }
  for (const erratum of SPEC_ERRATA) if (erratum.service === service) erratum.apply(spec);
  specCache.set(service, spec);
  return spec;
}

/**
 * Places where an upstream spec contradicts its own text or its server; each is patched in the merged
 * copy (never in the files) so the validator checks what the service really accepts.
 */
export const SPEC_ERRATA: Array<{ service: string; why: string; apply: (spec: MergedSpec) => void }> = [
  {
    service: 'auth',
    why: "UserEmailList items require 'addresses' but the property (and wazo-auth's schema) is 'address'",
    apply: (spec) => {
      for (const name of ['UserEmailList', 'AdminUserEmailList']) {
        const items = ((spec.definitions[name]?.properties as Json | undefined)?.emails as Json | undefined)?.items as Json | undefined;
        if (items && Array.isArray(items.required)) items.required = items.required.map((r) => (r === 'addresses' ? 'address' : r));
      }
    },
  },
];

/**
 * Security alternatives a spec documents in prose only: `POST /token` says username/password (Basic)
 * and `refresh_token`/`saml_session_id` are mutually exclusive ways to authenticate.
 */
function proseSecurity(operation: Operation, req: IncomingRequest): boolean {
  if (operation.service !== 'auth' || operation.template !== '/token' || operation.method !== 'post') return false;
  try {
    const body = JSON.parse(req.body.toString('utf8')) as Json;
    return typeof body.refresh_token === 'string' || typeof body.saml_session_id === 'string';
  } catch {
    return false;
  }
}

function deref(spec: MergedSpec, node: Json): Json {
  let current = node;
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i += 1) {
    const [, section, name] = /^#\/(\w+)\/(.+)$/.exec(current.$ref) ?? [];
    const table = (spec as unknown as Record<string, Record<string, Json>>)[section];
    if (!table || !table[name]) throw new Error(`Unresolved $ref ${current.$ref} in ${spec.service}`);
    current = table[name];
  }
  return current;
}

const HTTP_METHODS = ['get', 'post', 'put', 'delete', 'head', 'patch', 'options'];

/** The operation a request hits: among matching templates, the one with the most literal segments. */
export function findOperation(spec: MergedSpec, method: string, requestPath: string): Operation | { error: string } {
  const segments = requestPath.replace(/\/+$/, '').split('/');
  let best: { template: string; score: number } | null = null;
  for (const template of Object.keys(spec.paths)) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    let score = 0;
    let ok = true;
    for (let i = 0; i < parts.length && ok; i += 1) {
      if (/^\{[^}]+\}$/.test(parts[i])) ok = segments[i] !== '';
      else if (parts[i] === decodeURIComponent(segments[i])) score += 1;
      else ok = false;
    }
    if (ok && (!best || score > best.score)) best = { template, score };
  }
  if (!best) return { error: `no path of ${spec.service} matches ${requestPath}` };
  const pathItem = spec.paths[best.template];
  const op = pathItem[method.toLowerCase()];
  if (!op || !HTTP_METHODS.includes(method.toLowerCase())) return { error: `${method} not allowed on ${spec.service} ${best.template}` };
  const params = [...((pathItem.parameters as unknown as Json[] | undefined) ?? []), ...((op.parameters as Json[] | undefined) ?? [])].map((p) => deref(spec, p));
  return { service: spec.service, template: best.template, method: method.toLowerCase(), op, params };
}

// Swagger's `x-nullable` becomes a JSON-schema null type for ajv.
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = toJsonSchema(v);
  if (out['x-nullable'] === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();

function bodyValidator(spec: MergedSpec, key: string, schema: Json): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(toJsonSchema({ definitions: spec.definitions, allOf: [schema] }) as Json);
    validators.set(key, validate);
  }
  return validate;
}

function header(req: IncomingRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function checkScalar(param: Json, raw: string, where: string): string[] {
  const type = param.type;
  const problems: string[] = [];
  const values = type === 'array' ? raw.split(param.collectionFormat === 'multi' ? /$^/ : ',') : [raw];
  const itemType = type === 'array' ? ((param.items as Json | undefined)?.type as string | undefined) : (type as string | undefined);
  const allowed = (type === 'array' ? (param.items as Json | undefined)?.enum : param.enum) as unknown[] | undefined;
  for (const value of values) {
    if (itemType === 'integer' && !/^-?\d+$/.test(value)) problems.push(`${where} ${param.name}=${value} is not an integer`);
    if (itemType === 'number' && Number.isNaN(Number(value))) problems.push(`${where} ${param.name}=${value} is not a number`);
    if (itemType === 'boolean' && !/^(true|false)$/i.test(value)) problems.push(`${where} ${param.name}=${value} is not a boolean`);
    if (allowed && !allowed.map(String).includes(value)) problems.push(`${where} ${param.name}=${value} not in ${JSON.stringify(allowed)}`);
  }
  return problems;
}

/** Every way the request departs from the spec; empty when it conforms. */
export function validateRequest(operation: Operation, spec: MergedSpec, req: IncomingRequest): string[] {
  const problems: string[] = [];
  const label = `${operation.method.toUpperCase()} ${spec.service}${operation.template}`;

  // Path parameters.
  const parts = operation.template.split('/');
  const segments = req.path.replace(/\/+$/, '').split('/');
  parts.forEach((part, i) => {
    const m = /^\{([^}]+)\}$/.exec(part);
    if (!m) return;
    const param = operation.params.find((p) => p.in === 'path' && p.name === m[1]);
    if (!param) problems.push(`${label}: path parameter ${m[1]} is not declared`);
    else problems.push(...checkScalar(param, decodeURIComponent(segments[i]), `${label}: path`));
  });

  // Query parameters: declared ones only, required ones present.
  const declaredQuery = operation.params.filter((p) => p.in === 'query');
  for (const name of new Set(req.query.keys())) {
    const param = declaredQuery.find((p) => p.name === name);
    if (!param) problems.push(`${label}: undeclared query parameter ${name}`);
    else for (const value of req.query.getAll(name)) problems.push(...checkScalar(param, value, `${label}: query`));
  }
  for (const p of declaredQuery) if (p.required === true && !req.query.has(String(p.name))) problems.push(`${label}: missing required query ${p.name}`);

  // Header parameters.
  for (const p of operation.params.filter((x) => x.in === 'header')) {
    const value = header(req, String(p.name));
    if (value === undefined) {
      if (p.required === true) problems.push(`${label}: missing required header ${p.name}`);
    } else problems.push(...checkScalar(p, value, `${label}: header`));
  }

  // Security: one of the alternatives must be satisfied.
  const security = (operation.op.security as Json[] | undefined) ?? spec.security ?? [];
  if (security.length) {
    const satisfied = security.some((alternative) =>
      Object.keys(alternative).every((schemeName) => {
        const scheme = spec.securityDefinitions[schemeName];
        if (!scheme) return false;
        if (scheme.type === 'basic') return /^Basic [A-Za-z0-9+/=]+$/.test(header(req, 'authorization') ?? '');
        if (scheme.type === 'apiKey' && scheme.in === 'header') return !!header(req, String(scheme.name));
        return false;
      }),
    );
    if (!satisfied && !proseSecurity(operation, req)) problems.push(`${label}: security ${JSON.stringify(security)} not satisfied`);
  }

  // Body.
  const bodyParam = operation.params.find((p) => p.in === 'body');
  const hasBody = req.body.length > 0;
  if (!bodyParam) {
    if (hasBody) problems.push(`${label}: sends a body but the operation defines none`);
    return problems;
  }
  if (!hasBody) {
    if (bodyParam.required === true) problems.push(`${label}: missing required body`);
    return problems;
  }
  const schema = deref(spec, (bodyParam.schema ?? {}) as Json);
  const contentType = header(req, 'content-type') ?? '';
  if (schema.type === 'string' && (schema.format === 'binary' || !schema.format)) {
    const consumes = (operation.op.consumes as string[] | undefined) ?? [];
    if (consumes.length && !consumes.some((c) => contentType.startsWith(c))) problems.push(`${label}: content-type ${contentType} not in ${consumes.join(', ')}`);
    return problems;
  }
  if (!/^application\/json\b/.test(contentType)) problems.push(`${label}: JSON body sent as ${contentType || 'no content-type'}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch {
    problems.push(`${label}: body is not JSON`);
    return problems;
  }
  const validate = bodyValidator(spec, `${spec.service} ${label}`, (bodyParam.schema ?? {}) as Json);
  if (!validate(parsed)) problems.push(`${label}: body ${ajv.errorsText(validate.errors)}`);
  return problems;
}

/**
 * Every way a served answer departs from the spec: an undocumented status, or a JSON body that does
 * not match the documented schema (used to keep the Wazo dev engine from drifting from Wazo).
 */
export function validateResponse(operation: Operation, spec: MergedSpec, status: number, body: unknown): string[] {
  const label = `${operation.method.toUpperCase()} ${spec.service}${operation.template} -> ${status}`;
  const responses = (operation.op.responses ?? {}) as Record<string, Json>;
  const documented = responses[String(status)] ?? responses.default;
  // Every Wazo service answers 401 to a missing or bad credential on an operation that requires one;
  // most specs leave that status implied by `security`.
  const security = (operation.op.security as Json[] | undefined) ?? spec.security ?? [];
  if (!documented && status === 401 && security.length > 0) return [];
  if (!documented) return [`${label}: status not documented (${Object.keys(responses).join(', ')})`];
  const resolved = deref(spec, documented);
  if (!resolved.schema || body === null || body === undefined) return [];
  const validate = bodyValidator(spec, `${spec.service} ${label} response`, resolved.schema as Json);
  return validate(body) ? [] : [`${label}: body ${ajv.errorsText(validate.errors)}`];
}

/** The documented success status and a sample body generated from its schema (null: no body). */
export function sampleResponse(spec: MergedSpec, operation: Operation): { status: number; body: unknown } {
  const responses = (operation.op.responses ?? {}) as Record<string, Json>;
  for (const code of ['200', '201', '202', '204']) {
    const response = responses[code];
    if (!response) continue;
    const resolved = deref(spec, response);
    if (code === '204' || !resolved.schema) return { status: Number(code), body: code === '204' ? null : {} };
    return { status: Number(code), body: sample(spec, resolved.schema as Json) };
  }
  return { status: 204, body: null };
}

/** A value that satisfies `schema` (examples first; arrays get two items so they are seen as arrays). */
export function sample(spec: MergedSpec, schema: Json, depth = 0, name = 'value'): unknown {
  const node = deref(spec, schema);
  if (node.example !== undefined && depth > 0) return node.example;
  if (Array.isArray(node.allOf)) {
    return Object.assign({}, ...node.allOf.map((part) => sample(spec, part as Json, depth + 1, name)));
  }
  if (Array.isArray(node.enum) && node.enum.length) return node.enum[0];
  const type = node.type ?? (node.properties ? 'object' : node.items ? 'array' : undefined);
  switch (type) {
    case 'object': {
      const out: Json = {};
      if (depth > 6) return out;
      for (const [key, prop] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
        out[key] = sample(spec, prop, depth + 1, key);
      }
      return out;
    }
    case 'array':
      return depth > 6 || !node.items ? [] : [0, 1].map((i) => sample(spec, node.items as Json, depth + 1, `${name}${i}`));
    case 'integer':
      return 7;
    case 'number':
      return 12.5;
    case 'boolean':
      return true;
    case 'string':
      if (node.format === 'date-time' || /(_at|_time|^start|^end|^answer|date)$/.test(name)) return '2024-05-01T10:00:00.123456+00:00';
      if (node.format === 'date') return '2024-05-01';
      if (node.format === 'uuid' || /uuid$/.test(name)) return '0b1b5d8e-6f1a-4c1e-9a55-3d8c1f7e2a10';
      return `${name}-sample`;
    default:
      return node.properties || node.additionalProperties ? {} : null;
  }
}

/** The generated answer of `method path` of a service (what the mock server replies by default). */
export function sampleFor(service: string, method: string, requestPath: string): unknown {
  const spec = loadSpec(service);
  const operation = findOperation(spec, method, requestPath);
  if ('error' in operation) throw new Error(operation.error);
  return sampleResponse(spec, operation).body;
}
