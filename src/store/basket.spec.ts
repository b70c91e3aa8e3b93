import { MAX_INT, mergeLines, priceLines, stockBounds } from './basket';

describe('mergeLines', () => {
  it.each([
    ['one line', [{ goodsId: 3, quantity: 2 }], [{ goodsId: 3, quantity: 2 }]],
    [
      'repeated goods are summed',
      [
        { goodsId: 3, quantity: 2 },
        { goodsId: 3, quantity: 5 },
      ],
      [{ goodsId: 3, quantity: 7 }],
    ],
    [
      'lines come out in goodsId order (the lock order)',
      [
        { goodsId: 9, quantity: 1 },
        { goodsId: 2, quantity: 1 },
        { goodsId: 10, quantity: 1 },
      ],
      [
        { goodsId: 2, quantity: 1 },
        { goodsId: 9, quantity: 1 },
        { goodsId: 10, quantity: 1 },
      ],
    ],
    [
      'merged and sorted together',
      [
        { goodsId: 5, quantity: 1 },
        { goodsId: 1, quantity: 4 },
        { goodsId: 5, quantity: 2 },
      ],
      [
        { goodsId: 1, quantity: 4 },
        { goodsId: 5, quantity: 3 },
      ],
    ],
  ])('%s', (_, input, expected) => {
    expect(mergeLines(input)).toEqual(expected);
  });
});

describe('priceLines', () => {
  const goods = new Map([
    [1, { name: '洗衣粉', pointsPrice: 30 }],
    [2, { name: '食用油', pointsPrice: 120 }],
    [3, { name: '贵', pointsPrice: 1_000_000 }],
  ]);

  it.each([
    ['one line', [{ goodsId: 1, quantity: 3 }], 90],
    [
      'two lines',
      [
        { goodsId: 1, quantity: 1 },
        { goodsId: 2, quantity: 2 },
      ],
      270,
    ],
    ['a total past the integer column', [{ goodsId: 3, quantity: 10_000 }], 10_000_000_000],
  ])('%s → total %d', (_, lines, total) => {
    expect(priceLines(lines, goods).total).toBe(total);
  });

  it('copies name and unit price into each line', () => {
    expect(priceLines([{ goodsId: 2, quantity: 2 }], goods).lines).toEqual([
      { goodsId: 2, quantity: 2, goodsName: '食用油', unitPrice: 120, amount: 240 },
    ]);
  });

  it('a goods that was not loaded is a programming error', () => {
    expect(() => priceLines([{ goodsId: 99, quantity: 1 }], goods)).toThrow('99');
  });
});

describe('stockBounds: stock + delta stays within 0…MAX_INT', () => {
  it.each([
    [5, 0, MAX_INT - 5],
    [-5, 5, MAX_INT],
    [-1, 1, MAX_INT],
    [1_000_000, 0, MAX_INT - 1_000_000],
  ])('delta %d → stock in %d…%d', (delta, min, max) => {
    expect(stockBounds(delta)).toEqual({ min, max });
  });
});
