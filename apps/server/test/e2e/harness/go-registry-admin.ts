/**
 * What the Go registry-admin leaves on disk, made here for tests: its embedded SQLite database (the tables and
 * columns its store creates, users with bcrypt hashes, its special owner ids for sharing) and its token certificates
 * in the formats it writes (libtrust: an RSA-2048 key as PKCS#1 PEM and its public key as PKIX PEM, each block with a
 * `keyID` header, and a self-signed CA certificate for the same key).
 */
// @peculiar/x509 needs the reflect-metadata polyfill loaded first.
import 'reflect-metadata';
import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { libtrustKeyId } from '@registry-admin/token-service';
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';

/** Its owner ids: shared with everyone (anonymous too) and with registered users only. */
export const GO_EVERYONE = -1000;
export const GO_REGISTERED = -999;

export interface GoUser {
  id: number;
  login: string;
  password: string;
  role: 'admin' | 'manager' | 'user';
  group: number;
  disabled?: boolean;
}
export interface GoGroup {
  id: number;
  name: string;
  description?: string;
}
export interface GoAccess {
  owner: number;
  isGroup?: boolean;
  repository: string;
  action: string;
  type?: string;
  disabled?: boolean;
  name?: string;
}

/** bcrypt as Go's x/crypto writes it (`$2a$`, cost 10). */
export function goBcrypt(password: string): string {
  return bcrypt.hashSync(password, 10).replace(/^\$2b\$/, '$2a$');
}

/**
 * Writes a database in its schema. `repositories` fills its index table (which the import does not copy).
 *
 * @example
 * await writeGoDatabase(path, { groups: [{ id: 1, name: 'default' }], users: [...], access: [...] });
 */
export function writeGoDatabase(
  path: string,
  data: { groups: GoGroup[]; users: GoUser[]; access: GoAccess[]; repositories?: string[] },
): void {
  const db = new Database(path);
  try {
    db.exec(`
      create table users (id integer primary key autoincrement unique, login text unique, name text, password text,
        role text, user_group integer, disabled integer, description text);
      create table groups (id integer primary key autoincrement unique, name text unique, description text);
      create table access (id integer primary key autoincrement, owner_id integer not null, is_group integer,
        name text, resource_type text, resource_name text, action text, disabled integer,
        unique (owner_id, resource_type, resource_name, action));
      create table repositories (id integer primary key autoincrement,
        repository_name integer not null check (repository_name <> ''), tag text not null check (tag <> ''),
        digest text not null check (digest <> ''), config_digest text not null check (config_digest <> ''),
        size integer, pull_counter integer, timestamp integer, raw text, unique (repository_name, tag));
    `);
    const group = db.prepare('insert into groups (id, name, description) values (?, ?, ?)');
    for (const g of data.groups) group.run(g.id, g.name, g.description ?? '');
    const user = db.prepare(
      'insert into users (id, login, name, password, role, user_group, disabled, description) values (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const u of data.users) {
      user.run(u.id, u.login, u.login, goBcrypt(u.password), u.role, u.group, u.disabled ? 1 : 0, '');
    }
    const access = db.prepare(
      'insert into access (owner_id, is_group, name, resource_type, resource_name, action, disabled) values (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const a of data.access) {
      access.run(
        a.owner,
        a.isGroup ? 1 : 0,
        a.name ?? `${a.repository} ${a.action}`,
        a.type ?? 'repository',
        a.repository,
        a.action,
        a.disabled ? 1 : 0,
      );
    }
    const repository = db.prepare(
      'insert into repositories (repository_name, tag, digest, config_digest, size, pull_counter, timestamp, raw) values (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const name of data.repositories ?? []) {
      const digest = `sha256:${createHash('sha256').update(name).digest('hex')}`;
      repository.run(name, 'latest', digest, digest, 1024, 3, Math.floor(Date.now() / 1000), '{}');
    }
  } finally {
    db.close();
  }
}

function pemWithKeyId(type: string, der: Buffer, keyId: string): string {
  const body =
    der
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n') ?? '';
  return `-----BEGIN ${type}-----\nkeyID: ${keyId}\n\n${body}\n-----END ${type}-----\n`;
}

/**
 * Writes `cert.key`, `cert.pub` and `cert.crt` into `dir` as the Go registry-admin does (its example configs use
 * these names): an RSA-2048 key, its libtrust key id as the certificate's common name, serial 0, a CA certificate
 * for digital signature and certificate signing, valid ten years, with the given SANs.
 */
export async function writeGoCertificates(
  dir: string,
  sans: { dns?: string[]; ip?: string } = {},
): Promise<{ key: string; publicKey: string; ca: string; keyId: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = libtrustKeyId(publicKey);
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const cryptoKeys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  const names = [
    ...(sans.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(sans.ip ? [{ type: 'ip' as const, value: sans.ip }] : []),
  ];
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '00',
      subject: `CN=${keyId}`,
      issuer: `CN=${keyId}`,
      notBefore: new Date(now - 5000),
      notAfter: new Date(now + 10 * 365 * 86_400_000),
      signingAlgorithm: algorithm,
      publicKey: cryptoKeys.publicKey,
      signingKey: cryptoKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
        ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      ],
    },
    webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>,
  );
  const paths = { key: join(dir, 'cert.key'), publicKey: join(dir, 'cert.pub'), ca: join(dir, 'cert.crt') };
  // libtrust writes the key as PKCS#1, the public key as PKIX, each with its key id as a PEM header.
  await writeFile(
    paths.key,
    pemWithKeyId('RSA PRIVATE KEY', privateKey.export({ type: 'pkcs1', format: 'der' }), keyId),
    { mode: 0o600 },
  );
  await writeFile(
    paths.publicKey,
    pemWithKeyId('PUBLIC KEY', publicKey.export({ type: 'spki', format: 'der' }), keyId),
  );
  await writeFile(paths.ca, certificate.toString('pem'));
  return { ...paths, keyId };
}
