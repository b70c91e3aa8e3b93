import { isValidIdempotencyKey, replayDecision } from './idempotency';

describe('replayDecision', () => {
  it.each([
    ['abc', 'abc', 'replay'],
    ['abc', 'abd', 'conflict'],
    [null, 'abc', 'conflict'],
  ] as const)('stored %s, incoming %s → %s', (stored, incoming, decision) => {
    expect(replayDecision(stored, incoming)).toBe(decision);
  });
});

describe('isValidIdempotencyKey', () => {
  it.each([
    ['0f8fad5b-d9cb-469f-a165-70867728950e', true],
    ['till-3/receipt#0042', true],
    ['x'.repeat(100), true],
    ['x'.repeat(101), false],
    ['', false],
    ['has space', false],
    ['中文', false],
    ['tab\there', false],
  ])('%j → %s', (key, ok) => {
    expect(isValidIdempotencyKey(key)).toBe(ok);
  });
});
