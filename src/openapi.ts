import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AuditEvent } from './audit/audit-event.entity';
import { Objection } from './evaluations/objection.entity';
import { LedgerEntry } from './ledger/ledger-entry.entity';
import { PublicBoardDto } from './evaluations/evaluations.dto';
import { StockMovement } from './store/store.entity';
import { RosterImportReportDto } from './roster/roster.dto';
import { CounterRedemptionDto, CounterVillagerDto } from './store/counter.dto';
import { SESSION_COOKIE } from './auth/session';
import { CONFLICT_CODES, LIMIT_CODES, ROSTER_INVALID, type ConflictCode } from './common/refusals';

/**
 * The OpenAPI document of the API, as served at /api/docs-json and written to web/openapi.json
 * (from which the web app's typed client is generated).
 *
 * Nest's plugin derives paths, parameters, bodies and most 2xx schemas from the code. What it
 * cannot see is filled in here, one table keyed by operationId: the summary, the 2xx schema of
 * routes that return pages or plain objects, and the business refusals (409 codes). The error
 * answers every operation can give (400, 401, 403, 404, 413) follow from its shape. With `strict`
 * (scripts/openapi.ts, so `npm run openapi` and `npm run lint`) an operation without a summary, a
 * 2xx schema or its error answers makes the build of the document throw: a new route cannot be
 * left undocumented. (Under ts-jest the Nest plugin does not run, so the served document of the
 * tests lacks the inferred schemas; it is never strict there.)
 */
export function buildOpenApiDocument(
  app: INestApplication,
  opts: { strict?: boolean } = {},
): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Civility Points · 文明积分')
      .setDescription(
        'Rule catalogue, deeds, points ledger, monthly red/black lists, points store. ' +
          'Authenticate with the bearer token from POST /api/auth/login, or (browsers) with the ' +
          `httpOnly session cookie \`${SESSION_COOKIE}\` it sets.`,
      )
      .setVersion('1')
      .setLicense('UNLICENSED', 'https://spdx.org/licenses/')
      .addServer('/', 'This service')
      .addBearerAuth()
      .addCookieAuth(
        SESSION_COOKIE,
        { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        'session',
      )
      .build(),
    {
      extraModels: [
        LedgerEntry,
        StockMovement,
        PublicBoardDto,
        Objection,
        AuditEvent,
        RosterImportReportDto,
        CounterVillagerDto,
        CounterRedemptionDto,
      ],
    },
  );
  return completeDocument(doc, opts.strict ?? false);
}

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` }) as never;

function page(item: string): SchemaObject {
  return {
    type: 'object',
    required: ['items', 'total', 'page', 'pageSize'],
    properties: {
      items: { type: 'array', items: ref(item) },
      total: { type: 'integer', description: 'All matching records' },
      page: { type: 'integer', minimum: 1 },
      pageSize: { type: 'integer', minimum: 1 },
    },
  };
}

/** A deed as create, approve and revoke answer it: with the villager's balance after it. */
const deedWithBalance: SchemaObject = {
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
const explainedEntry: SchemaObject = {
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

/** 户积分: the household, its members and their entries. */
const householdPoints: SchemaObject = {
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
        required: ['villagerId', 'name', 'balance'],
        properties: {
          villagerId: { type: 'integer' },
          name: { type: 'string' },
          balance: { type: 'integer' },
        },
      },
    },
    entries: page('LedgerEntry'),
  },
};

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const EXPORT_CONTENT: Record<string, SchemaObject> = {
  [XLSX]: { type: 'string', format: 'binary' },
  'text/csv': { type: 'string', description: 'UTF-8 with a BOM' },
};

interface OperationDoc {
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

const OPERATIONS: Record<string, OperationDoc> = {
  HealthController_health: {
    summary: 'Liveness and database check',
    ok: {
      type: 'object',
      required: ['status', 'database'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        database: { type: 'string', enum: ['sqlite', 'postgres'] },
      },
    },
    errors: { 503: 'The database is unreachable' },
  },
  AuthController_login: {
    summary: 'Log in: a bearer token, and the session cookie for browsers',
    errors: {
      401: 'Wrong username or password (用户名或密码错误)',
      429: 'Too many failed logins (LOGIN_THROTTLED, with retryAfterSeconds): for this account from this address, from this address, or for this account from a client it has not logged in from',
    },
  },
  AuthController_logout: {
    summary: 'Log out: clears the session cookie',
    errors: { 403: 'A cross-origin request with the session cookie' },
  },
  AuthController_session: { summary: 'The account of the current session, or null (never 401)' },
  AuthController_me: { summary: 'The caller’s own account' },
  AuthController_createUser: { summary: 'Create an account', conflicts: ['USERNAME_TAKEN'] },
  AuthController_changePassword: {
    summary: 'Change one’s own password (other sessions end; a new token for this one)',
    errors: {
      403: 'currentPassword is wrong',
      429: 'Too many wrong current passwords, limited as logins are (LOGIN_THROTTLED)',
    },
  },
  AuthController_updateUser: {
    summary: 'Disable, re-enable, reset the password of, or rescope an account (ends its sessions)',
    conflicts: ['USERNAME_TAKEN', 'CANNOT_DISABLE_SELF', 'CANNOT_DEMOTE_SELF'],
  },
  AuthController_listUsers: { summary: 'List accounts', ok: page('UserResponseDto') },
  VillagesController_create: { summary: 'Create a village', conflicts: ['VILLAGE_CODE_TAKEN'] },
  VillagesController_list: { summary: 'List the villages the caller may see', ok: page('Village') },
  VillagesController_get: { summary: 'One village' },
  VillagesController_update: { summary: 'Change a village’s name, town or settings' },
  VillagesController_createHousehold: {
    summary: 'Create a household in a village',
    conflicts: ['HOUSEHOLD_NO_TAKEN'],
  },
  VillagesController_updateHousehold: {
    summary: 'Correct a household’s number, head or 村民小组',
    conflicts: ['HOUSEHOLD_NO_TAKEN'],
  },
  VillagesController_listHouseholds: {
    summary: 'List a village’s households',
    ok: page('Household'),
  },
  VillagersController_create: { summary: 'Register a villager', conflicts: ['ID_NUMBER_TAKEN'] },
  VillagersController_list: {
    summary: 'Search and list villagers',
    ok: page('VillagerResponseDto'),
  },
  VillagersController_get: { summary: 'One villager' },
  VillagersController_update: {
    summary: 'Change a villager’s details or status',
    conflicts: ['ID_NUMBER_TAKEN'],
  },
  RulesController_categories: {
    summary: 'The five rule categories',
    ok: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'name'],
        properties: {
          code: {
            type: 'string',
            enum: ['industry', 'kindness', 'environment', 'integrity', 'family'],
          },
          name: { type: 'string', example: '环境卫生' },
        },
      },
    },
  },
  RulesController_list: { summary: 'List the rules in force for the caller', ok: page('Rule') },
  RulesController_create: { summary: 'Create a rule', conflicts: ['RULE_CODE_TAKEN'] },
  RulesController_update: {
    summary: 'Change or deactivate a rule (history is not rewritten)',
    conflicts: ['RULE_CODE_TAKEN'],
  },
  LedgerController_points: {
    summary: 'A villager’s balance and ledger entries, newest first, each with its trail',
    ok: {
      type: 'object',
      required: ['villagerId', 'balance', 'entries'],
      properties: {
        villagerId: { type: 'integer' },
        balance: { type: 'integer' },
        entries: {
          ...page('LedgerEntry'),
          properties: {
            ...page('LedgerEntry').properties,
            items: { type: 'array', items: explainedEntry },
          },
        },
      },
    },
  },
  DeedsController_create: {
    summary: 'Record a deed (cadre: approved at once) or self-report one (villager)',
    ok: deedWithBalance,
    conflicts: [
      'VILLAGER_NOT_ACTIVE',
      'RULE_INACTIVE',
      'MONTHLY_CAP_REACHED',
      'IDEMPOTENCY_KEY_REUSED',
      'BALANCE_LIMIT',
    ],
  },
  DeedsController_bulk: {
    summary: 'Award one rule to many villagers of the village at once (批量记分)',
    conflicts: ['RULE_INACTIVE', 'IDEMPOTENCY_KEY_REUSED'],
  },
  DeedsController_list: { summary: 'List deeds', ok: page('Deed') },
  DeedsController_get: { summary: 'One deed' },
  DeedsController_approve: {
    summary: 'Approve a self-reported deed (posts its points)',
    ok: deedWithBalance,
    conflicts: ['INVALID_TRANSITION', 'RULE_INACTIVE', 'MONTHLY_CAP_REACHED', 'BALANCE_LIMIT'],
  },
  DeedsController_reject: {
    summary: 'Reject a self-reported deed with a reason',
    conflicts: ['INVALID_TRANSITION'],
  },
  DeedsController_revoke: {
    summary: 'Revoke an approved deed (posts a reversal; the balance may go below zero)',
    ok: deedWithBalance,
    conflicts: ['INVALID_TRANSITION', 'BALANCE_LIMIT'],
  },
  EvaluationsController_compute: {
    summary: 'Compute or recompute the month’s draft lists',
    conflicts: ['MONTH_PUBLISHED'],
  },
  EvaluationsController_get: {
    summary: 'The month’s lists (latest revision or ?revision=N), draft, in publicity or final',
  },
  EvaluationsController_publish: {
    summary: 'Publish the month’s lists and open the publicity window (公示)',
    conflicts: ['MONTH_PUBLISHED'],
  },
  ObjectionsController_file: {
    summary: 'File an objection during publicity (a villager, or a cadre for a walk-in)',
    conflicts: ['NOT_IN_PUBLICITY'],
  },
  ObjectionsController_list: {
    summary: 'The month’s objections (a villager sees their own)',
    ok: page('Objection'),
  },
  ObjectionsController_resolve: {
    summary: 'Dismiss or uphold an objection with a reason (an upheld one reopens the month)',
    conflicts: ['ALREADY_RESOLVED'],
  },
  HouseholdsController_points: {
    summary: 'A household’s points (户积分): members, their balances and entries',
    ok: householdPoints,
  },
  HouseholdsController_issueCard: {
    summary: 'Issue or reissue a household’s card (older cards stop working)',
  },
  HouseholdsController_issueCards: {
    summary:
      'Issue fresh cards for chosen households or the whole village, for printing (older cards stop working)',
  },
  HouseholdsController_card: {
    summary: 'The household of a scanned card (active members only), for the counter',
    ok: householdPoints,
    errors: { 429: 'Too many card lookups; wait a minute' },
  },
  PhotosController_upload: {
    summary: 'Upload a photo as evidence (JPEG, PNG or WebP, at most 2 MB, judged by its bytes)',
    ok: {
      type: 'object',
      required: ['id', 'contentType', 'width', 'height', 'size'],
      properties: {
        id: { type: 'integer', description: 'For a deed’s photoIds' },
        contentType: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] },
        width: { type: 'integer' },
        height: { type: 'integer' },
        size: { type: 'integer', description: 'Bytes' },
      },
    },
    errors: {
      413: 'The file is larger than 2 MB',
      415: 'Not a multipart/form-data body',
      429: 'Too many photos today',
    },
  },
  PhotosController_get: {
    summary: 'A photo, for whoever may see its deed',
    okContent: Object.fromEntries(
      ['image/jpeg', 'image/png', 'image/webp'].map((t) => [
        t,
        { type: 'string', format: 'binary' },
      ]),
    ),
  },
  AuditController_list: {
    summary: 'The audit trail, newest first (admins: the district; cadres: their village)',
    ok: page('AuditEvent'),
  },
  MetricsController_metricsText: {
    summary: 'Metrics in the Prometheus text format (admins or the METRICS_TOKEN)',
    errors: { 401: 'No or a wrong token', 403: 'Not an administrator' },
  },
  BoardsController_index: {
    summary: 'A village’s public board: the published months, newest first (no login)',
  },
  BoardsController_board: {
    summary: 'A published month of the public board as JSON, CSV, XLSX or printable HTML',
    okContent: {
      'application/json': ref('PublicBoardDto'),
      'text/csv': { type: 'string', description: 'UTF-8 with a BOM' },
      'text/html': { type: 'string', description: 'A printable A4 page' },
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
        type: 'string',
        format: 'binary',
      },
    },
  },
  StoresController_create: { summary: 'Create a points store' },
  StoresController_list: {
    summary: 'List the stores the caller may see',
    ok: page('StoreResponseDto'),
  },
  StoresController_get: { summary: 'One store' },
  StoresController_update: { summary: 'Change a store or the villages it serves' },
  StoresController_createGoods: { summary: 'Add goods to a store' },
  StoresController_listGoods: { summary: 'List a store’s goods', ok: page('Goods') },
  GoodsController_update: { summary: 'Change goods (name, price, active)' },
  GoodsController_addStockMovement: {
    summary: 'Restock or correct the stock of goods',
    ok: {
      allOf: [
        ref('StockMovement'),
        {
          type: 'object',
          required: ['stockAfter'],
          properties: { stockAfter: { type: 'integer' } },
        },
      ],
    },
    conflicts: ['OUT_OF_STOCK', 'STOCK_LIMIT'],
  },
  GoodsController_listStockMovements: {
    summary: 'List the stock movements of goods, newest first',
    ok: page('StockMovement'),
  },
  RedemptionsController_redeem: {
    summary: 'Redeem goods for points (idempotent with an Idempotency-Key)',
    conflicts: [
      'INSUFFICIENT_POINTS',
      'OUT_OF_STOCK',
      'VILLAGE_NOT_SERVED',
      'GOODS_INACTIVE',
      'VILLAGER_NOT_ACTIVE',
      'PRICE_CHANGED',
      'IDEMPOTENCY_KEY_REUSED',
    ],
  },
  RosterController_template: {
    summary:
      'The roster (花名册) template: an .xlsx with the Chinese headers, the ID column as text',
    okContent: { [XLSX]: { type: 'string', format: 'binary' } },
  },
  RosterController_import: {
    summary:
      'Import a roster (花名册): ?dryRun=true reports every problem by row and column; otherwise all rows or none',
    okContent: {
      'application/json': ref('RosterImportReportDto'),
      [XLSX]: {
        type: 'string',
        format: 'binary',
        description: 'With ?format=xlsx: the uploaded rows with a 错误说明 column (IDs masked)',
      },
    },
    errors: {
      413: 'The file is larger than 5 MB',
      415: 'Not a multipart/form-data request',
      422: 'A row has a problem: nothing imported; the body is the report (code ROSTER_INVALID)',
      429: 'Too many ID numbers registered in other villages were tried today',
    },
  },
  ExportsController_village: {
    summary: 'Export a village’s roster or a month of its ledger as XLSX or CSV (streamed)',
    okContent: EXPORT_CONTENT,
  },
  ExportsController_district: {
    summary: 'Export every village’s roster or a month of their ledgers (administrators)',
    okContent: EXPORT_CONTENT,
  },
  ExportsController_redemptions: {
    summary: 'Export a month of a store’s redemptions as XLSX or CSV (streamed)',
    okContent: EXPORT_CONTENT,
  },
  CounterController_villagers: {
    summary: 'Find active villagers of the villages a store serves by name, for the counter',
    ok: page('CounterVillagerDto'),
  },
  CounterController_today: {
    summary: 'A store’s redemptions of today with names, newest first',
    ok: page('CounterRedemptionDto'),
  },
  RedemptionsController_list: { summary: 'List redemptions', ok: page('RedemptionResponseDto') },
  RedemptionsController_get: { summary: 'One redemption (the receipt)' },
  RedemptionsController_cancel: {
    summary: 'Cancel a redemption with a reason (refunds and restocks once)',
    conflicts: ['ALREADY_CANCELLED'],
  },
};

/** Operations that cannot fail on the client's side (no input, open to anyone). */
const NO_ERRORS = new Set(['AuthController_session']);

const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'message'],
  description: 'Every error: Nest’s shape, plus a stable `code` for business refusals (409)',
  properties: {
    statusCode: { type: 'integer', example: 400 },
    message: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      description: 'What is wrong, naming the field',
    },
    error: { type: 'string', example: 'Bad Request' },
    code: {
      oneOf: [ref('ConflictCode'), ref('LimitCode'), { type: 'string', enum: [ROSTER_INVALID] }],
      description: 'A stable code: business refusals (409), limits (429), the roster report (422)',
    },
  },
};

const TAGS: Record<string, string> = {
  health: 'Liveness',
  auth: 'Login, session and accounts',
  villages: 'Villages and households',
  villagers: 'The roster',
  rules: 'The rule catalogue (积分细则)',
  ledger: 'The append-only points ledger',
  deeds: 'Deeds (事迹): record, self-report, review',
  evaluations: 'Monthly red and black lists (一月一评比)',
  public: 'The public board (no login)',
  store: 'Points stores, goods, stock and redemptions (积分超市)',
  roster: 'Roster import (花名册导入)',
  exports: 'Spreadsheet exports (XLSX / CSV)',
  photos: 'Photo evidence for deeds',
};

function errorResponse(description: string): ResponseObject {
  return {
    description,
    content: { 'application/json': { schema: ref('ErrorResponse') } },
  };
}

function completeDocument(doc: OpenAPIObject, strict: boolean): OpenAPIObject {
  doc.components ??= {};
  doc.components.schemas = {
    ...doc.components.schemas,
    ErrorResponse: ERROR_SCHEMA,
    ConflictCode: { type: 'string', enum: [...CONFLICT_CODES] },
    LimitCode: { type: 'string', enum: [...LIMIT_CODES] },
  };
  const problems: string[] = [];
  const usedTags = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op: OperationObject | undefined = item[method];
      if (!op) continue;
      const id = op.operationId ?? `${method} ${path}`;
      const extra = OPERATIONS[id];
      const isPublic = (op as unknown as Record<string, unknown>)['x-public'] === true;
      delete (op as unknown as Record<string, unknown>)['x-public'];
      if (extra) op.summary = extra.summary;
      (op.tags ?? []).forEach((t) => usedTags.add(t));

      const responses = op.responses as Record<string, ResponseObject>;
      const okStatus = Object.keys(responses).find((s) => s.startsWith('2'));
      if (extra?.okContent && okStatus) {
        responses[okStatus] = {
          description: responses[okStatus].description || 'OK',
          content: Object.fromEntries(
            Object.entries(extra.okContent).map(([type, schema]) => [type, { schema }]),
          ),
        };
      }
      if (extra?.ok && okStatus) {
        responses[okStatus] = {
          description: responses[okStatus].description || 'OK',
          content: { 'application/json': { schema: extra.ok } },
        };
      }

      op.security = isPublic ? [] : [{ bearer: [] }, { session: [] }];
      const hasInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
      if (hasInput)
        responses['400'] ??= errorResponse('Invalid input; the message names the field');
      if (op.requestBody) responses['413'] ??= errorResponse('Request body too large');
      if (!isPublic) {
        responses['401'] ??= errorResponse('No valid bearer token or session cookie');
        if (id !== 'AuthController_me') {
          responses['403'] ??= errorResponse('The caller’s role or scope does not allow this');
        }
      }
      if (path.includes('{'))
        responses['404'] ??= errorResponse('Not found (or not in the caller’s scope)');
      if (extra?.conflicts?.length) {
        responses['409'] = errorResponse(
          `Refused by a business rule; \`code\` is one of ${extra.conflicts.map((c) => `\`${c}\``).join(', ')}`,
        );
      }
      for (const [status, description] of Object.entries(extra?.errors ?? {})) {
        responses[status] = errorResponse(description);
      }

      if (!op.summary) problems.push(`${id}: no summary`);
      const ok = Object.entries(responses).filter(([s]) => s.startsWith('2'));
      if (!ok.length) problems.push(`${id}: no 2xx response`);
      for (const [s, r] of ok) {
        if (s !== '204' && !r.content) problems.push(`${id}: ${s} has no schema`);
        const schema = r.content?.['application/json']?.schema as SchemaObject | undefined;
        if (schema && schema.type === 'object' && !schema.properties && !schema.allOf) {
          problems.push(`${id}: ${s} schema is an empty object`);
        }
      }
      if (!Object.keys(responses).some((s) => /^[45]/.test(s)) && !NO_ERRORS.has(id)) {
        problems.push(`${id}: no error responses`);
      }
    }
  }
  doc.tags = [...usedTags].sort().map((name) => ({ name, description: TAGS[name] ?? name }));
  if (strict && problems.length) {
    throw new Error(`OpenAPI document incomplete:\n  ${problems.join('\n  ')}`);
  }
  return doc;
}
