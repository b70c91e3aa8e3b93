/**
 * CHECK constraints, one expression each, shared by the entities (`@Check`) and the migration
 * that creates them, so both name them the same and the schema-drift test compares like with like.
 */
export const CHECKS = {
  /** Points of a rule or deed: a non-zero integer within ±1000 (docs/product.md, "The flow"). */
  points: '"points" <> 0 AND "points" BETWEEN -1000 AND 1000',
  stock: '"stock" >= 0',
  pointsPrice: '"points_price" > 0',
  quantity: '"quantity" > 0',
  unitPrice: '"unit_price" > 0',
  total: '"total" > 0',
} as const;
