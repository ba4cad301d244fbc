import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../../docs/api-docs.decorators.js';
import { DOSSIER, EVENTS } from '../../docs/examples.js';
import { CurrentPrincipal, type Principal, Roles } from '../../access/principal.js';
import { UnitScope } from '../../access/unit-scope.js';
import { CLOCK, type Clock } from '../../common/clock.js';
import { AppError, validationFailed } from '../../common/errors.js';
import { assertId } from '../../common/validation.js';
import { Inject } from '@nestjs/common';
import { DossierRepository, fold } from '../pipeline/dossier-repository.js';
import { toView } from '../application/dossier-view.js';
import { dossierNotFound, requireVisible } from '../application/dossier-visibility.js';
import { INSTANT } from '../integrator-commands/dossier.dto.js';
import { instant } from '../integrator-commands/request-context.js';

/**
 * A dossier read from its own stream: always current (so `minPosition` is satisfied at once),
 * and, for auditors, as known at any past instant. A key limited to some units reads dossiers
 * received by, handled at or held by a unit within them; any other answers as a missing one.
 */
@ApiTags('dossier reads')
@ApiKeyRequired()
@Controller('dossiers')
export class DossierReadsController {
  constructor(
    private readonly repository: DossierRepository,
    private readonly scope: UnitScope,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':id')
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({ summary: 'Read a dossier: its state now, or as known at a past instant (auditors)' })
  @ApiAnswer(200, 'the dossier (with `asOf` when asked as of an instant)', DOSSIER)
  @ApiProblems('VALIDATION_FAILED', 'NOT_FOUND')
  @ApiQuery({ name: 'asOf', required: false, description: 'auditors: the dossier as known at this instant (events recorded by then)' })
  @ApiQuery({ name: 'minPosition', required: false })
  async get(
    @Param('id') id: string,
    @CurrentPrincipal() who: Principal,
    @Query('asOf') asOf?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    assertId(id, 'dossierId');
    checkMinPosition(minPosition);
    let recordedBy: number | undefined;
    if (asOf !== undefined) {
      if (who.role !== 'auditor' && who.role !== 'admin') throw new AppError('FORBIDDEN', 'as-of views are for auditors');
      if (!INSTANT.test(asOf)) throw validationFailed([{ field: 'asOf', message: 'asOf must be an ISO 8601 instant with an offset' }]);
      recordedBy = instant(asOf, 'asOf');
    }
    const events = await this.repository.readEvents(id);
    // The scope is decided on the whole history first: under asOf too, so that no instant tells
    // an out-of-scope dossier from a missing one (dossier-visibility.ts).
    const current = requireVisible(this.scope, who, id, fold(events), asOf);
    if (recordedBy === undefined) return toView(current, this.clock.now().getTime());
    const then = fold(events, recordedBy);
    if (then.status === 'none') throw dossierNotFound(id, asOf);
    return { ...toView(then, recordedBy), asOf: new Date(recordedBy).toISOString() };
  }

  @Get(':id/events')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: "Read a dossier's full history of events (auditors)" })
  @ApiAnswer(200, 'its events in order', EVENTS)
  @ApiProblems('VALIDATION_FAILED', 'NOT_FOUND')
  async events(@Param('id') id: string, @CurrentPrincipal() who: Principal, @Query('minPosition') minPosition?: string) {
    assertId(id, 'dossierId');
    checkMinPosition(minPosition);
    const events = await this.repository.readEvents(id);
    requireVisible(this.scope, who, id, fold(events));
    return events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata, revision: e.revision, position: e.position }));
  }
}

function checkMinPosition(minPosition: string | undefined): void {
  if (minPosition !== undefined && !/^\d{1,16}$/.test(minPosition)) {
    throw validationFailed([{ field: 'minPosition', message: 'minPosition must be a non-negative integer' }]);
  }
}
