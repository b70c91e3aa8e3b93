/** Every role an account can have (docs/product.md, "Roles"). */
export const ROLES = ['admin', 'cadre', 'shopkeeper', 'villager', 'auditor', 'town'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that read the whole district: the admin, and the auditor who only reads. */
export const DISTRICT_READERS: readonly Role[] = ['admin', 'auditor'];
