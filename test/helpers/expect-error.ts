// The one check of a thrown SimdconvError, shared by the bad-input tests.
import { expect } from 'vitest';
import * as sc from '../../src/index.js';

type ErrorClass = abstract new (...args: never[]) => sc.SimdconvError;

/** What a SimdconvError's fields must match (strings exactly, RegExps by test). */
export interface ErrorFields {
  op?: string | RegExp;
  argument?: string | RegExp;
  message?: string | RegExp;
}

/**
 * Calls `fn` and checks that it throws an instance of `cls` (a SimdconvError class; the error's
 * `name` must be its own class's: minifiers rename classes) whose op, argument, expected and got are non-empty, whose
 * message starts with its op, and whose fields match `fields`. Fails when `fn` returns. Returns
 * the error.
 */
export function expectError<E extends sc.SimdconvError>(fn: () => unknown, cls: ErrorClass & { prototype: E }, fields: ErrorFields = {}): E {
  let err: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    err = e;
  }
  expect(threw, `expected a ${cls.name}, but the call returned`).toBe(true);
  expect(err, String(err)).toBeInstanceOf(cls);
  const e = err as E;
  expect(e).toBeInstanceOf(sc.SimdconvError);
  expect(e.name, 'the literal name of its class').toBe((Object.getPrototypeOf(e) as { constructor: { name: string } }).constructor.name);
  for (const field of [e.op, e.argument, e.expected, e.got]) expect(typeof field === 'string' && field.length > 0, e.message).toBe(true);
  expect(e.message.startsWith(`${e.op}:`) || e.op === 'threads', e.message).toBe(true);
  const match = (got: string, want: string | RegExp | undefined, what: string): void => {
    if (want === undefined) return;
    if (typeof want === 'string') expect(got, what).toBe(want);
    else expect(got, what).toMatch(want);
  };
  match(e.op, fields.op, 'op');
  match(e.argument, fields.argument, 'argument');
  match(e.message, fields.message, 'message');
  return e;
}
