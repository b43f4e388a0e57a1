import { describe, expect, it } from 'vitest';
import { boundByCallerToken } from './tokens';

describe('boundByCallerToken', () => {
  const in1h = new Date('2030-01-01T01:00:00.000Z');
  const in2h = new Date('2030-01-01T02:00:00.000Z');

  it('leaves a request made with a session or the password as asked', () => {
    expect(boundByCallerToken({ readOnly: false, expiresAt: null }, undefined)).toEqual({
      readOnly: false,
      expiresAt: null,
    });
  });

  it('never lets a token made with a token outlive it', () => {
    const caller = { readOnly: false, expiresAt: in1h.toISOString() };
    expect(boundByCallerToken({ readOnly: false, expiresAt: null }, caller).expiresAt).toEqual(in1h);
    expect(boundByCallerToken({ readOnly: false, expiresAt: in2h }, caller).expiresAt).toEqual(in1h);
    const sooner = new Date('2030-01-01T00:30:00.000Z');
    expect(boundByCallerToken({ readOnly: false, expiresAt: sooner }, caller).expiresAt).toEqual(sooner);
    expect(
      boundByCallerToken({ readOnly: false, expiresAt: in2h }, { readOnly: false, expiresAt: null }).expiresAt,
    ).toEqual(in2h);
  });

  it('never lets a token made with a pull-only token push', () => {
    expect(boundByCallerToken({ readOnly: false, expiresAt: null }, { readOnly: true, expiresAt: null }).readOnly).toBe(
      true,
    );
    expect(boundByCallerToken({ readOnly: true, expiresAt: null }, { readOnly: false, expiresAt: null }).readOnly).toBe(
      true,
    );
  });
});
