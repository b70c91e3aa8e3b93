import { ApiExtension } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { ConflictCode } from './refusals';

/**
 * A route's documentation beside the route: its summary, the 2xx schema where the plugin cannot
 * infer it (pages, plain objects), its business refusals and other error answers. src/openapi.ts
 * reads it from the operation (the `x-endpoint` extension) and completes the document; a route
 * without one fails `npm run openapi` and `npm run lint`.
 */
export const ENDPOINT_EXTENSION = 'x-endpoint';
export const Endpoint = (doc: EndpointDoc) => ApiExtension(ENDPOINT_EXTENSION, doc);

export const ref = (name: string): SchemaObject =>
  ({ $ref: `#/components/schemas/${name}` }) as never;

export function page(item: string | SchemaObject): SchemaObject {
  return {
    type: 'object',
    required: ['items', 'total', 'page', 'pageSize'],
    properties: {
      items: { type: 'array', items: typeof item === 'string' ? ref(item) : item },
      total: { type: 'integer', description: 'All matching records' },
      page: { type: 'integer', minimum: 1 },
      pageSize: { type: 'integer', minimum: 1 },
    },
  };
}

/** A deed as create, approve and revoke answer it: with the villager's balance after it. */
export const deedWithBalance: SchemaObject = {
  allOf: [
    ref('Deed'),
    {
      type: 'object',
      required: ['balance'],
      properties: { balance: { type: 'integer', description: 'The villager’s balance after it' } },
    },
  ],
};

/** A points entry with what explains it: its deed (or null) and the trail of audit events. */
export const explainedEntry: SchemaObject = {
  allOf: [
    ref('LedgerEntry'),
    {
      type: 'object',
      required: ['deed', 'trail'],
      properties: {
        deed: {
          oneOf: [
            ref('Deed'),
            { type: 'object', nullable: true, description: 'No deed (a redemption)' },
          ],
        },
        trail: {
          type: 'array',
          items: {
            allOf: [
              ref('AuditEvent'),
              {
                type: 'object',
                required: ['actorName'],
                properties: {
                  actorName: {
                    type: 'string',
                    nullable: true,
                    description: 'The acting account’s username',
                  },
                },
              },
            ],
          },
        },
      },
    },
  ],
};

/** Points that will expire (积分清零), soonest first, by the last day they can be spent. */
export const expiringPoints: SchemaObject = {
  type: 'array',
  description: 'Points that will expire, soonest first, by the last day they can be spent',
  items: {
    type: 'object',
    required: ['on', 'points'],
    properties: { on: { type: 'string', format: 'date' }, points: { type: 'integer' } },
  },
};

/** 户积分: the household, its members and their entries. */
export const householdPoints: SchemaObject = {
  type: 'object',
  required: [
    'householdId',
    'householdNo',
    'headName',
    'villageName',
    'town',
    'total',
    'members',
    'entries',
  ],
  properties: {
    householdId: { type: 'integer' },
    householdNo: { type: 'string' },
    headName: { type: 'string' },
    villageName: { type: 'string' },
    town: { type: 'string' },
    total: { type: 'integer', description: 'The members’ balances summed' },
    members: {
      type: 'array',
      items: {
        type: 'object',
        required: ['villagerId', 'name', 'balance', 'birthYear', 'relation', 'expiring'],
        properties: {
          villagerId: { type: 'integer' },
          name: { type: 'string' },
          balance: { type: 'integer' },
          birthYear: {
            type: 'integer',
            nullable: true,
            description: 'Tells same-name members apart',
          },
          relation: { type: 'string', nullable: true, description: '与户主关系' },
          expiring: expiringPoints,
        },
      },
    },
    entries: page({
      allOf: [
        ref('LedgerEntry'),
        {
          type: 'object',
          required: ['villagerName', 'ruleTitle'],
          properties: {
            villagerName: { type: 'string', description: 'Whose entry, in the household' },
            ruleTitle: {
              type: 'string',
              nullable: true,
              description: 'The rule of the deed behind a deed or reversal entry (the reason)',
            },
          },
        },
      ],
    }),
  },
};

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const EXPORT_CONTENT: Record<string, SchemaObject> = {
  [XLSX]: { type: 'string', format: 'binary' },
  'text/csv': { type: 'string', description: 'UTF-8 with a BOM' },
};

/** What the OpenAPI document says of a route beyond what Nest's plugin infers from the code. */
export interface EndpointDoc {
  summary: string;
  /** The 2xx schema when the plugin cannot infer it (pages, plain objects). */
  ok?: SchemaObject;
  /** The 2xx answer in several media types, each with its schema. */
  okContent?: Record<string, SchemaObject>;
  /** Stable codes of the 409 refusals this operation can answer. */
  conflicts?: ConflictCode[];
  /** Further error statuses with their description. */
  errors?: Record<number, string>;
}
