import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EdgeHubSettings } from './settings.js';

/** What the edge hub serves leaves with, and the CA they trust. */
export interface EdgeCertificates {
  /** The edge hub's certificate chain (its certificate, then the edge CA), PEM. */
  readonly chain: string;
  /** Its private key, PKCS#8 PEM. */
  readonly key: string;
  /** The edge CA certificate leaves trust, PEM. */
  readonly ca: string;
  /** Where the quickstart CA lies, when the gateway made one (else undefined: the settings name the CA). */
  readonly quickstartCaPath: string | undefined;
}

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** IoT Edge's quickstart Edge CA is valid for 90 days; so is this one (made again when it runs out). */
const QUICKSTART_DAYS = 90;
/** The edge hub's certificate, issued at each start. */
const SERVER_DAYS = 30;

type X509 = typeof import('@peculiar/x509');

async function x509Library(): Promise<X509> {
  // @peculiar/x509 needs the Reflect metadata polyfill before it loads
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto);
  return x509;
}

function pem(label: string, der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** The quickstart CA in `folder`: read while valid, made (key mode 0600) when missing or expired. */
async function quickstartCa(x509: X509, folder: string): Promise<{ certificate: string; key: string; path: string }> {
  const path = join(folder, 'edge-ca.pem');
  const keyPath = join(folder, 'edge-ca.key.pem');
  if (existsSync(path) && existsSync(keyPath)) {
    const certificate = readFileSync(path, 'utf8');
    if (new x509.X509Certificate(certificate).notAfter.getTime() > Date.now() + DAY_MS)
      return { certificate, key: readFileSync(keyPath, 'utf8'), path };
  }
  const keys = await keyPair();
  const notBefore = new Date(Date.now() - 60_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=os gateway quickstart Edge CA',
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore,
    notAfter: new Date(notBefore.getTime() + QUICKSTART_DAYS * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  writeFileSync(keyPath, key, { mode: 0o600 });
  writeFileSync(path, ca.toString('pem'));
  return { certificate: ca.toString('pem'), key, path };
}

/** Imports a PEM private key (PKCS#8 or SEC1 EC) for signing with ECDSA P-256. */
async function signingKey(text: string): Promise<webcrypto.CryptoKey> {
  const { createPrivateKey } = await import('node:crypto');
  const der = createPrivateKey(text).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

/**
 * The edge hub's TLS material: a server certificate for `settings.hostName` (and 127.0.0.1), issued at each start by
 * the edge CA the settings name, or by a quickstart CA made in `certsFolder` on the first start (IoT Edge's quickstart
 * Edge CA does the same for development; a production gateway names its own). The CA's key stays on the host: no
 * component gets it. Runs in the realm it is called in: {@link edgeCertificates} calls it in a worker thread.
 */
export async function makeEdgeCertificates(settings: EdgeHubSettings, certsFolder: string): Promise<EdgeCertificates> {
  const x509 = await x509Library();
  const quickstart = settings.ca === undefined ? await quickstartCa(x509, certsFolder) : undefined;
  const ca = settings.ca ?? (quickstart as { certificate: string; key: string });
  const caCertificate = new x509.X509Certificate(ca.certificate);
  let caKey: webcrypto.CryptoKey;
  try {
    caKey = await signingKey(ca.key);
  } catch (error) {
    throw new Error(
      `the edge CA's key cannot sign (ECDSA P-256 expected): ${error instanceof Error ? error.message : error}`,
    );
  }
  const keys = await keyPair();
  const notBefore = new Date(Date.now() - 60_000);
  const server = await x509.X509CertificateGenerator.create({
    subject: `CN=${settings.hostName}`,
    issuer: caCertificate.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore,
    notAfter: new Date(Math.min(notBefore.getTime() + SERVER_DAYS * DAY_MS, caCertificate.notAfter.getTime())),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: settings.hostName },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
    ],
  });
  return {
    chain: `${server.toString('pem')}\n${caCertificate.toString('pem')}\n`,
    key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    ca: caCertificate.toString('pem'),
    quickstartCaPath: quickstart?.path,
  };
}

/**
 * {@link makeEdgeCertificates} in a worker thread of its own: @peculiar/x509 needs the Reflect metadata polyfill, which
 * cannot install itself in a realm that SES has locked down (as `os run` does before it loads a system).
 */
export async function edgeCertificates(settings: EdgeHubSettings, certsFolder: string): Promise<EdgeCertificates> {
  const worker = new Worker(new URL('./edge-certificates-worker.js', import.meta.url), {
    workerData: { settings, certsFolder },
  });
  try {
    const [answer] = (await once(worker, 'message')) as [{ certificates?: EdgeCertificates; error?: string }];
    if (answer.certificates === undefined) throw new Error(answer.error ?? 'the certificate worker answered nothing');
    return answer.certificates;
  } finally {
    await worker.terminate();
  }
}
