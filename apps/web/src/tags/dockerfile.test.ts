import { describe, expect, it } from 'vitest';
import { dockerfileLine, historyAsDockerfile } from './dockerfile';

describe('history as a Dockerfile', () => {
  it('turns classic and BuildKit steps into instructions', () => {
    expect(dockerfileLine('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
    expect(dockerfileLine('/bin/sh -c #(nop) ADD file:abc in / ')).toBe('ADD file:abc in /');
    expect(dockerfileLine('/bin/sh -c apk add --no-cache curl')).toBe('RUN apk add --no-cache curl');
    expect(dockerfileLine('RUN /bin/sh -c make # buildkit')).toBe('RUN /bin/sh -c make');
    expect(dockerfileLine('ENV PATH=/usr/bin')).toBe('ENV PATH=/usr/bin');
    expect(dockerfileLine('make install')).toBe('RUN make install');
  });

  it('skips steps without a command', () => {
    expect(
      historyAsDockerfile([
        { created: null, createdBy: 'COPY app /app # buildkit', comment: null, emptyLayer: false },
        { created: null, createdBy: null, comment: 'imported', emptyLayer: false },
        { created: null, createdBy: 'ENTRYPOINT ["/app"]', comment: null, emptyLayer: true },
      ]),
    ).toBe('COPY app /app\nENTRYPOINT ["/app"]');
  });
});
