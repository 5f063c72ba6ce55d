import { describe, expect, it } from 'vitest';
import { errorText } from './error-text';

describe('errorText', () => {
  it('is the message of an Error', () => {
    expect(errorText(new TypeError('boom'))).toBe('boom');
  });

  it('is the message of a plain object that carries one', () => {
    expect(errorText({ message: 'nats said no', code: '503' })).toBe('nats said no');
  });

  it('is the printed value of anything else', () => {
    expect(errorText('just a string')).toBe('just a string');
    expect(errorText(42)).toBe('42');
    expect(errorText(undefined)).toBe('undefined');
    expect(errorText(null)).toBe('null');
  });
});
