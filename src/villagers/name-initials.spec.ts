import { nameInitials } from './name-initials';

describe('nameInitials', () => {
  it.each([
    ['周祖辉', 'zzh'],
    ['李秋菊', 'lqj'],
    ['欧阳修', 'oyx'],
    // A surname read as a surname first, the everyday reading after it.
    ['单雄信', 'sxx dxx'],
    ['曾国藩', 'zgf cgf'],
    ['仇英', 'qy cy'],
    // Spaces and punctuation dropped, other scripts kept in lower case.
    ['李 明', 'lm'],
    ['Anna', 'anna'],
    ['张三2', 'zs2'],
    ['·', ''],
  ])('%s → %s', (name, initials) => {
    expect(nameInitials(name)).toBe(initials);
  });

  it('stays within the column for the longest name', () => {
    expect(nameInitials('单'.repeat(50)).length).toBeLessThanOrEqual(101);
  });
});
