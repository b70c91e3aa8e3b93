import { isValidIdNumber, maskIdNumber, withCheckChar } from './id-number';

describe('resident ID numbers (GB 11643)', () => {
  it.each([
    ['11010519491231002X', true], // the standard's own example
    ['110105194912310021', false], // wrong check character
    ['440524188001010014', false], // born before 1900
    ['11010519490231002X', false], // 31 February
    ['1101051949123100', false], // too short
    ['11010519491231002x', false], // lower-case x
    ['ABCDEFGHIJKLMNOPQR', false],
  ])('%s → %s', (id, valid) => {
    expect(isValidIdNumber(id)).toBe(valid);
  });

  it('a computed check character validates', () => {
    expect(isValidIdNumber(withCheckChar('43010219900307123'))).toBe(true);
  });

  it('masks all but the region and the last four', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskIdNumber(null)).toBeNull();
  });
});
