import { Body, Controller, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiExampleBody, ApiKeyRequired, ApiProblems, BODY_PROBLEMS } from '../docs/api-docs.decorators.js';
import * as ex from '../docs/examples.js';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { assertId } from '../common/validation.js';
import { validationFailed } from '../common/errors.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { listedYears, localDateOf, yearView } from '../calendar/index.js';
import { CatalogService } from './catalog.service.js';
import { PutCalendarBody, PutCalendarYearBody, PutProcedureBody, PutUnitBody } from './catalog.dto.js';
import type { CurrentCalendar } from './catalog.service.js';

const EVERY_ROLE = ['integrator', 'supervisor', 'auditor', 'admin'] as const;

/** Reference data: admins write it, every key reads it (integrators need unit and procedure codes). */
@ApiTags('reference data')
@ApiKeyRequired()
@Controller()
export class CatalogController {
  constructor(
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Put('units/:unitId')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Define or change a unit (admin)' })
  @ApiExampleBody(PutUnitBody, { office: ex.UNIT_BODY })
  @ApiAnswer(200, 'the unit as recorded', ex.UNIT)
  @ApiProblems(...BODY_PROBLEMS, 'NOT_FOUND', 'STORE_UNAVAILABLE')
  async putUnit(@Param('unitId') unitId: string, @Body() body: PutUnitBody, @CurrentPrincipal() who: Principal) {
    assertId(unitId, 'unitId');
    return this.catalog.putUnit({ unitId, name: body.name, level: body.level, ...(body.parentId ? { parentId: body.parentId } : {}) }, { actor: who.name });
  }

  @Get('units')
  @Roles(...EVERY_ROLE)
  @ApiOperation({ summary: 'List the units (and any cycle in their tree)' })
  @ApiAnswer(200, 'every unit', ex.UNITS)
  listUnits() {
    // A stored tree with cycles (from an older version) is shown, not hidden: see CatalogService.cycles.
    const cycles = this.catalog.cycles();
    return { units: this.catalog.units(), ...(cycles.length > 0 ? { cycles } : {}) };
  }

  @Get('units/:unitId')
  @Roles(...EVERY_ROLE)
  @ApiOperation({ summary: 'Read a unit with its children' })
  @ApiAnswer(200, 'the unit', ex.UNIT_WITH_CHILDREN)
  @ApiProblems('NOT_FOUND')
  getUnit(@Param('unitId') unitId: string) {
    const unit = this.catalog.requireUnit(unitId);
    const cycle = this.catalog.cycles().find((c) => c.unitId === unitId);
    return { ...unit, children: this.catalog.children(unitId), ...(cycle ? { cycle: cycle.cycle } : {}) };
  }

  @Put('procedures/:code')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Define or change a procedure and its statutory time (admin)' })
  @ApiExampleBody(PutProcedureBody, { tenWorkingDays: ex.PROCEDURE_BODY })
  @ApiAnswer(200, 'the procedure as recorded', ex.PROCEDURE)
  @ApiProblems(...BODY_PROBLEMS, 'STORE_UNAVAILABLE')
  async putProcedure(@Param('code') code: string, @Body() body: PutProcedureBody, @CurrentPrincipal() who: Principal) {
    assertId(code, 'code');
    return this.catalog.putProcedure(
      { code, name: body.name, statutoryWorkingDays: body.statutoryWorkingDays, onSupplement: body.onSupplement ?? 'restart' },
      { actor: who.name },
    );
  }

  @Get('procedures')
  @Roles(...EVERY_ROLE)
  @ApiOperation({ summary: 'List the procedures' })
  @ApiAnswer(200, 'every procedure', ex.PROCEDURES)
  listProcedures() {
    return { procedures: this.catalog.proceduresList() };
  }

  @Get('procedures/:code')
  @Roles(...EVERY_ROLE)
  @ApiOperation({ summary: 'Read a procedure' })
  @ApiAnswer(200, 'the procedure', ex.PROCEDURE)
  @ApiProblems('NOT_FOUND')
  getProcedure(@Param('code') code: string) {
    return this.catalog.requireProcedure(code);
  }

  @Put('calendar')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Replace the working calendar (admin); due instants already set do not move' })
  @ApiExampleBody(PutCalendarBody, { calendar: ex.CALENDAR_BODY })
  @ApiAnswer(200, 'the calendar, with its years official or provisional', ex.CALENDAR)
  @ApiProblems(...BODY_PROBLEMS, 'STORE_UNAVAILABLE')
  async putCalendar(@Body() body: PutCalendarBody, @CurrentPrincipal() who: Principal) {
    return this.show(await this.catalog.putCalendar(body, { actor: who.name }));
  }

  @Put('calendar/years/:year')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: "Enter one year's days off and make-up days (admin)" })
  @ApiExampleBody(PutCalendarYearBody, { announced: ex.CALENDAR_YEAR_BODY })
  @ApiAnswer(200, 'the calendar, with its years official or provisional', ex.CALENDAR)
  @ApiProblems(...BODY_PROBLEMS, 'STORE_UNAVAILABLE')
  async putCalendarYear(@Param('year') year: string, @Body() body: PutCalendarYearBody, @CurrentPrincipal() who: Principal) {
    if (!/^\d{4}$/.test(year)) throw validationFailed([{ field: 'year', message: 'year must be four digits' }]);
    // (Typed without `| null`: a union would hide the DTO class from the validation pipe.)
    if ((body as PutCalendarYearBody | null | undefined) == null) throw validationFailed([{ field: 'body', message: 'the year\'s holidays, workingDays and official are missing' }]);
    const entry = { year: Number(year), holidays: body.holidays, workingDays: body.workingDays, official: body.official, sources: body.sources ?? [] };
    return this.show(await this.catalog.putCalendarYear(entry, { actor: who.name }));
  }

  @Get('calendar')
  @Roles(...EVERY_ROLE)
  @ApiOperation({ summary: 'Read the working calendar, year by year official or provisional' })
  @ApiAnswer(200, 'the calendar', ex.CALENDAR)
  getCalendar() {
    return this.show(this.catalog.calendar());
  }

  /** The entered calendar (PUT /calendar takes it back as it is) and, by year, which are official and which provisional. */
  private show(current: CurrentCalendar) {
    const nowYear = Number(localDateOf(this.clock.now().getTime()).slice(0, 4));
    return {
      ...current.spec,
      revision: current.revision,
      years: listedYears(current.book, nowYear).map((y) => yearView(current.book, y)),
    };
  }
}
