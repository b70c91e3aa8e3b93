import { sha256Hex } from '../common/idempotency';
import { canonicalRedemption, redemptionRequest } from './store.dto';

const requestHash = (body: typeof base) => sha256Hex(canonicalRedemption(redemptionRequest(body)));
const canonicalRequest = (body: typeof base) => canonicalRedemption(redemptionRequest(body));

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
