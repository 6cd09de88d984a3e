import { webcrypto } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The PEM files the hub serves TLS with: its own CA, and a server certificate the CA signed. */
export interface HubCertificates {
  /** Path of the CA certificate that devices and service clients trust. */
  readonly caPath: string;
  /** The CA certificate, PEM. */
  readonly ca: string;
  /** The server certificate (SAN localhost and 127.0.0.1), PEM. */
  readonly cert: string;
  /** The server certificate's private key, PKCS#8 PEM. */
  readonly key: string;
}

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

const FILES = {
  ca: 'ca.pem',
  caKey: 'ca.key.pem',
  cert: 'server.pem',
  key: 'server.key.pem',
} as const;

function pem(label: string, der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** Makes a CA and a server certificate for localhost and 127.0.0.1, both valid for ten years. */
async function makeCertificates(): Promise<Omit<HubCertificates, 'caPath'> & { caKey: string }> {
  // @peculiar/x509 needs the Reflect metadata polyfill before it loads; only a first start loads either
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + TEN_YEARS_MS);
  const caKeys = await generateKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=os hub development CA',
    keys: caKeys,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await generateKeys();
  const server = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    ca: ca.toString('pem'),
    caKey: await exportKey(caKeys.privateKey),
    cert: server.toString('pem'),
    key: await exportKey(serverKeys.privateKey),
  };
}

/**
 * The hub's certificates in `dataDir`: read when a previous start made them, made and written (keys with mode
 * 0600) otherwise, so that devices keep trusting the same CA across restarts.
 */
export async function hubCertificates(dataDir: string): Promise<HubCertificates> {
  const path = (name: keyof typeof FILES): string => join(dataDir, FILES[name]);
  const caPath = path('ca');
  if (!(existsSync(caPath) && existsSync(path('cert')) && existsSync(path('key')))) {
    const made = await makeCertificates();
    writeFileSync(path('caKey'), made.caKey, { mode: 0o600 });
    writeFileSync(path('key'), made.key, { mode: 0o600 });
    writeFileSync(path('cert'), made.cert);
    writeFileSync(caPath, made.ca);
  }
  return {
    caPath,
    ca: readFileSync(caPath, 'utf8'),
    cert: readFileSync(path('cert'), 'utf8'),
    key: readFileSync(path('key'), 'utf8'),
  };
}
