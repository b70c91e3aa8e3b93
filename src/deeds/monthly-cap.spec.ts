import { capReached } from './monthly-cap';

describe('monthly cap', () => {
  it.each([
    [0, null, false],
    [999, null, false],
    [0, 1, false],
    [1, 1, true],
    [3, 4, false],
    [4, 4, true],
    [5, 4, true],
  ])('%i already, cap %s → reached: %s', (already, cap, reached) => {
    expect(capReached(already, cap)).toBe(reached);
  });
});
