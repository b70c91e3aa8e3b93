/** A household none of whose members had an approved deed lately: one to visit. */
export class InactiveHouseholdDto {
  householdId!: number;
  householdNo!: string;
  headName!: string;
  /** 村民小组. */
  group!: string;
  /** Members on the roster (active). */
  members!: number;
  /** The day of the members' latest approved deed, or null: never. */
  lastDeedOn!: string | null;
}

export class InactiveHouseholdsDto {
  /** Households without an approved deed on or after this day (three months back). */
  since!: string;
  /** The longest quiet first (never, then the oldest), then by household number. */
  items!: InactiveHouseholdDto[];
}
