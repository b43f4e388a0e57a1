// The baseline: a bare Fastify route answering a token-sized JSON object, in its own process.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const body = {
  token: 'x'.repeat(900),
  access_token: 'x'.repeat(900),
  expires_in: 300,
  issued_at: new Date().toISOString(),
};
app.get('/bare', async () => body);
// The same for a form POST (what OAuth2 refresh grants cost before any token work).
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) =>
  done(null, Object.fromEntries(new URLSearchParams(text))),
);
app.post('/bare', async (request) => ({ access_token: body.access_token, expires_in: 300, scope: request.body.scope }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on http://127.0.0.1:${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
