/**
 * The token endpoint on plain `node:http`: `GET|POST /auth` goes through token-service's `exchangeToken` with the
 * configured users and rules; `GET /healthz` answers 200. Everything protocol-related is the library's; this file only
 * turns an HTTP request into the exchange's input and its answer back into a response.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Principal } from '@registry-admin/acl';
import {
  exchangeToken,
  type TokenExchangeOptions,
  type TokenExchangeRequest,
  type TokenIssuer,
} from '@registry-admin/token-service';
import type { TokenServerConfig } from './config';
import { createRuleAuthorizer } from './rule-authorizer';
import { createUserDirectory } from './user-directory';

type Params = TokenExchangeRequest['query'];

/** A token request's form is a handful of short fields; anything bigger is refused unread. */
const MAX_FORM_BYTES = 64 * 1024;

export interface TokenServerLog {
  /** One line per failed sign-in, ending with the client address (for fail2ban). */
  authenticationFailed(login: string, address: string): void;
  error(message: string, error: unknown): void;
}

/** Query strings and forms the same way: repeated keys become lists (`scope` may repeat). */
function paramsOf(search: URLSearchParams): Params {
  const params: Params = {};
  for (const [key, value] of search) {
    const current = params[key];
    params[key] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value];
  }
  return params;
}

class BodyTooLarge extends Error {}

async function readForm(request: IncomingMessage): Promise<Params | undefined> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // Without a form the exchange answers "a form body is required", in the protocol's own shape.
  if (type !== 'application/x-www-form-urlencoded') {
    request.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return paramsOf(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(json)),
  });
  response.end(json);
}

export function createTokenServer(config: TokenServerConfig, issuer: TokenIssuer, log: TokenServerLog): Server {
  const options: TokenExchangeOptions<Principal> = {
    service: config.service,
    authenticator: createUserDirectory(config.users, log.authenticationFailed),
    authorizer: createRuleAuthorizer(config.rules),
    issuer,
    realm: 'library-token-server',
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://token-server');
    const address = request.socket.remoteAddress ?? '';
    if (url.pathname === '/healthz') return send(response, 200, {}, { status: 'ok' });
    if (url.pathname !== '/auth')
      return send(response, 404, {}, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    let body: Params | undefined;
    if (request.method === 'POST') {
      try {
        body = await readForm(request);
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        response.setHeader('connection', 'close');
        return send(response, 413, {}, { error: 'invalid_request', error_description: 'form body too large' });
      }
    }
    const result = await exchangeToken(
      { method: request.method ?? 'GET', query: paramsOf(url.searchParams), body, headers: request.headers, address },
      options,
    );
    send(response, result.status, result.headers, result.body);
  }

  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error('token request failed', error);
      if (!response.headersSent) send(response, 500, {}, { errors: [{ code: 'UNKNOWN', message: 'internal error' }] });
      else response.destroy();
    });
  });
}
