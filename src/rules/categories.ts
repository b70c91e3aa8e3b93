export const CATEGORIES = [
  { code: 'industry', name: '产业致富' },
  { code: 'kindness', name: '善行义举' },
  { code: 'environment', name: '环境卫生' },
  { code: 'integrity', name: '诚实守信' },
  { code: 'family', name: '家庭美德' },
] as const;

export type CategoryCode = (typeof CATEGORIES)[number]['code'];
export const CATEGORY_CODES = CATEGORIES.map((c) => c.code) as CategoryCode[];
