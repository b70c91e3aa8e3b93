import {
  canonicalRequest,
  isUniqueViolation,
  isValidIdempotencyKey,
  replayDecision,
  requestHash,
} from './idempotency';

const base = {
  villagerId: 7,
  storeId: 2,
  items: [
    { goodsId: 1, quantity: 2 },
    { goodsId: 4, quantity: 1 },
  ],
};

describe('request hash: same request, same hash', () => {
  it.each([
    ['identical body', base],
    ['lines in another order', { ...base, items: [...base.items].reverse() }],
    [
      'a line split in two',
      {
        ...base,
        items: [
          { goodsId: 1, quantity: 1 },
          { goodsId: 4, quantity: 1 },
          { goodsId: 1, quantity: 1 },
        ],
      },
    ],
    ['keys in another order', { items: base.items, storeId: 2, villagerId: 7 }],
  ])('%s', (_, other) => {
    expect(requestHash(other)).toBe(requestHash(base));
  });
});

describe('request hash: any real difference changes it', () => {
  it.each([
    ['another villager', { ...base, villagerId: 8 }],
    ['another store', { ...base, storeId: 3 }],
    ['another quantity', { ...base, items: [{ goodsId: 1, quantity: 3 }, base.items[1]] }],
    ['another goods', { ...base, items: [{ goodsId: 2, quantity: 2 }, base.items[1]] }],
    ['a line fewer', { ...base, items: [base.items[0]] }],
  ])('%s', (_, other) => {
    expect(requestHash(other)).not.toBe(requestHash(base));
  });

  it('is 64 hex characters over a canonical JSON form', () => {
    expect(requestHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalRequest(base)).toBe('{"villagerId":7,"storeId":2,"items":[[1,2],[4,1]]}');
  });
});

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

describe('isUniqueViolation', () => {
  it.each([
    [{ driverError: { code: '23505' } }, true],
    [{ driverError: { code: 'SQLITE_CONSTRAINT_UNIQUE' } }, true],
    [{ code: '23505' }, true],
    [{ driverError: { code: '23503' } }, false], // foreign key
    [{ driverError: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } }, false],
    [new Error('boom'), false],
    [null, false],
  ])('%j → %s', (err, unique) => {
    expect(isUniqueViolation(err)).toBe(unique);
  });
});
