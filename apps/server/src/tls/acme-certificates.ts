/**
 * The HTTPS certificate from an ACME server (Let's Encrypt by default) for `--ssl.type auto`: obtained through http-01
 * challenges answered by the plain-HTTP listener, kept with the account key under `--ssl.acme-location`, and renewed
 * in the background when it expires within `--ssl.acme-renew-before`, without a restart (the listener's secure
 * context is swapped). The ACME client library loads only in this mode.
 */
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { joinPem, readIfPresent, type ServerCertificate, splitPem, writePrivateFile } from './certificate-files';

export interface AcmeOptions {
  directoryUrl: string;
  /** DNS names of the certificate; the first is its common name and names the files. */
  names: readonly string[];
  email?: string;
  /** Account key and certificates live here (created 0700; keys 0600). */
  location: string;
  /** Renew when the certificate expires within this many seconds. */
  renewBeforeSeconds: number;
  /** PEM CA bundle trusted for the ACME directory (a private ACME server). */
  directoryCa?: string;
  log: { info(message: string): void; warn(message: string): void };
  now?: () => Date;
}

/** Pending http-01 challenges: token → key authorization, answered at `/.well-known/acme-challenge/<token>`. */
export type ChallengeResponses = ReadonlyMap<string, string>;

const CHECK_EVERY_MS = 12 * 3600 * 1000;
const RETRY_FIRST_MS = 60 * 1000;

export class AcmeCertificates {
  readonly challenges = new Map<string, string>();
  private readonly options: AcmeOptions;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_FIRST_MS;
  private running: Promise<boolean> | undefined;
  private closed = false;
  private install: (certificate: ServerCertificate) => void = () => undefined;

  constructor(options: AcmeOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  private get files() {
    const base = this.options.names[0] ?? 'certificate';
    return {
      account: join(this.options.location, 'account.key'),
      /** Key and chain in one file, so a crash can never leave a certificate beside another key. */
      certificate: join(this.options.location, `${base}.pem`),
    };
  }

  /** The certificate kept from an earlier run, when it still covers every name. */
  async stored(): Promise<ServerCertificate | undefined> {
    const pem = await readIfPresent(this.files.certificate);
    const { cert, key } = pem ? splitPem(pem) : {};
    if (!cert || !key) return undefined;
    const x509 = new X509Certificate(cert);
    if (!this.options.names.every((name) => x509.checkHost(name, { subject: 'never' }) === name)) return undefined;
    return { cert, key, notAfter: new Date(x509.validTo) };
  }

  /** Whether the stored certificate is missing, no longer covers the names, or expires within the renewal window. */
  async due(): Promise<boolean> {
    const stored = await this.stored();
    if (!stored?.notAfter) return true;
    return stored.notAfter.getTime() - this.now().getTime() <= this.options.renewBeforeSeconds * 1000;
  }

  /**
   * Obtains a certificate when one is due and hands it to the installer given to `start`; true when a new one was
   * issued. Concurrent calls share one order.
   */
  renewIfDue(): Promise<boolean> {
    this.running ??= (async () => {
      try {
        if (!(await this.due())) return false;
        const certificate = await this.order();
        if (this.closed) return false;
        this.install(certificate);
        return true;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Hands every new certificate to `install`; checks at once, then twice a day. A failed order is retried sooner,
   * backing off up to the regular check.
   */
  start(install: (certificate: ServerCertificate) => void): void {
    this.install = install;
    const tick = () => {
      this.renewIfDue()
        .then((renewed) => {
          this.retryMs = RETRY_FIRST_MS;
          if (renewed) this.options.log.info(`ACME certificate for ${this.options.names.join(', ')} installed`);
          this.schedule(tick, CHECK_EVERY_MS);
        })
        .catch((error: unknown) => {
          const wait = this.retryMs;
          this.retryMs = Math.min(this.retryMs * 2, CHECK_EVERY_MS);
          this.options.log.warn(
            `ACME certificate for ${this.options.names.join(', ')} not obtained (${describe(error)}); ` +
              `next try in ${Math.round(wait / 1000)} s`,
          );
          this.schedule(tick, wait);
        });
    };
    tick();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(tick: () => void, ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(tick, ms);
    this.timer.unref();
  }

  private async order(): Promise<ServerCertificate> {
    const acme = await import('acme-client');
    if (this.options.directoryCa) {
      acme.axios.defaults.httpsAgent = new Agent({ ca: this.options.directoryCa, keepAlive: false });
    }
    const files = this.files;
    let accountKey = await readIfPresent(files.account);
    if (!accountKey) {
      accountKey = (await acme.crypto.createPrivateEcdsaKey()).toString();
      await writePrivateFile(files.account, accountKey);
    }
    const client = new acme.Client({ directoryUrl: this.options.directoryUrl, accountKey });
    const key = (await acme.crypto.createPrivateEcdsaKey()).toString();
    const [, csr] = await acme.crypto.createCsr(
      { commonName: this.options.names[0] as string, altNames: [...this.options.names] },
      key,
    );
    const cert = await client.auto({
      csr,
      ...(this.options.email ? { email: this.options.email } : {}),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The ACME server checks from outside; a self-check from here fails behind NAT without hairpinning.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        this.challenges.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        this.challenges.delete(challenge.token);
      },
    });
    await writePrivateFile(files.certificate, joinPem(key, cert));
    return { cert, key, notAfter: new Date(new X509Certificate(cert).validTo) };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
