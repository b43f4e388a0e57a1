/** Sends mail through the configured SMTP server (nodemailer, loaded with the first mail: most servers send none). */
import type { Transporter } from 'nodemailer';
import type { Config } from '../config/schema';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** undefined when no SMTP server is configured. */
export function createMailer(config: Config): Mailer | undefined {
  const smtp = config.smtp;
  if (!smtp.host) return undefined;
  const host = smtp.host;
  let transport: Promise<Transporter> | undefined;
  const connect = async () => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp['require-tls'],
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    });
  };
  return {
    async send(mail) {
      transport ??= connect();
      await (await transport).sendMail({ from: smtp.from, ...mail });
    },
  };
}
