// A throwaway self-signed certificate for 127.0.0.1, made with openssl in a temp dir at test time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  cert: string;
  key: string;
}

let cached: TestCertificate | null = null;

export function testCertificate(): TestCertificate {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-wazo-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    cached = { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
