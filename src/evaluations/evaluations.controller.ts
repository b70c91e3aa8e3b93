import { Controller, Get, Header, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth, Caller, CurrentUser, OptionalAuth } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import {
  BoardQueryDto,
  EvaluationQueryDto,
  ParseMonthPipe,
  PublicBoardIndexDto,
} from './evaluations.dto';
import { EvaluationsService } from './evaluations.service';
import { BOARD_HTML_CSP } from './board';
import { Endpoint, ref } from '../common/api-docs';

@ApiTags('evaluations')
@ApiBearerAuth()
@Controller('villages/:villageId/evaluations')
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationsService) {}

  /** Computes or recomputes the month's draft. */
  @Auth('cadre')
  @Post(':month')
  @Endpoint({
    summary: 'Compute or recompute the month’s draft lists',
    conflicts: ['MONTH_PUBLISHED'],
  })
  compute(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('month', ParseMonthPipe) month: string,
  ) {
    return this.evaluations.compute(caller, villageId, month);
  }

  @Auth('admin', 'cadre')
  @Get(':month')
  @Endpoint({
    summary: 'The month’s lists (latest revision or ?revision=N), draft, in publicity or final',
  })
  get(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('month', ParseMonthPipe) month: string,
    @Query() q: EvaluationQueryDto,
  ) {
    return this.evaluations.get(caller, villageId, month, q.revision);
  }

  /**
   * Freezes the draft (computing it if there is none) and opens the publicity window. A
   * published month is not published again unless an objection against it was upheld.
   */
  @Auth('cadre')
  @Post(':month/publish')
  @Endpoint({
    summary: 'Publish the month’s lists and open the publicity window (公示)',
    conflicts: ['MONTH_PUBLISHED'],
  })
  publish(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('month', ParseMonthPipe) month: string,
  ) {
    return this.evaluations.publish(caller, villageId, month);
  }
}

/**
 * The notice board: published months only, no login; a signed-in user of the village (read from
 * an optional session) or the village's display key sees full names (docs/product.md, "The board
 * online").
 */
@ApiTags('public')
@OptionalAuth()
@Controller('public/villages/:code/boards')
export class BoardsController {
  constructor(private readonly evaluations: EvaluationsService) {}

  @Get()
  @Endpoint({
    summary: 'A village’s public board: the published months, newest first (no login)',
  })
  index(
    @Param('code') code: string,
    @CurrentUser() caller: Caller | undefined,
  ): Promise<PublicBoardIndexDto> {
    return this.evaluations.boardIndex(code, caller);
  }

  @Get(':month')
  // harmless on the other formats; lets the HTML one keep its style
  @Header('Content-Security-Policy', BOARD_HTML_CSP)
  @ApiProduces(
    'application/json',
    'text/csv',
    'text/html',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  )
  @Endpoint({
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
  })
  async board(
    @Param('code') code: string,
    @Param('month', ParseMonthPipe) month: string,
    @Query() q: BoardQueryDto,
    @CurrentUser() caller: Caller | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const { body, fullNames } = await this.evaluations.board(code, month, q.format ?? 'json', {
      caller,
      key: q.key,
      revision: q.revision,
    });
    // full names go to the one screen that asked, never to a shared cache
    if (fullNames) void res.header('Cache-Control', 'private, no-store');
    return body;
  }
}
