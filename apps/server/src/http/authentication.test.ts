/** The API reads HTTP Basic as the token endpoint does; what it cannot read is undefined (answered 401), never thrown. */
import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from './authentication';

const basic = (text: string | Buffer) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it('splits login and password at the first colon, whatever the scheme case', () => {
    expect(parseBasicAuthorization(basic('alice:s3cret'))).toEqual({ login: 'alice', password: 's3cret' });
    expect(parseBasicAuthorization(basic('alice:a:b:'))).toEqual({ login: 'alice', password: 'a:b:' });
    expect(parseBasicAuthorization(basic('ci:'))?.password).toBe('');
    expect(parseBasicAuthorization(`basic ${Buffer.from('bob:pw').toString('base64')}`)?.login).toBe('bob');
    expect(parseBasicAuthorization(basic('zoë:pässword'))).toEqual({ login: 'zoë', password: 'pässword' });
  });

  it('reads nothing from a header it cannot take for a login and password', () => {
    for (const header of [
      basic(':password'),
      basic('no-colon'),
      basic(Buffer.from([0x61, 0x3a, 0xff, 0xfe])),
      'Basic not*base64',
      'Basic ',
      'Bearer abc.def.ghi',
      'Digest username="alice"',
      `Basic ${'A'.repeat(10_000)}`,
    ]) {
      expect(parseBasicAuthorization(header), header.slice(0, 40)).toBeUndefined();
    }
  });
});
