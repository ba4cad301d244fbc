import { Body, Controller, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
@ApiBearerAuth()
@Controller()
export class CatalogController {
  constructor(
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Put('units/:unitId')
  @HttpCode(200)
  @Roles('admin')
  async putUnit(@Param('unitId') unitId: string, @Body() body: PutUnitBody, @CurrentPrincipal() who: Principal) {
    assertId(unitId, 'unitId');
    return this.catalog.putUnit({ unitId, name: body.name, level: body.level, ...(body.parentId ? { parentId: body.parentId } : {}) }, { actor: who.name });
  }

  @Get('units')
  @Roles(...EVERY_ROLE)
  listUnits() {
    // A stored tree with cycles (from an older version) is shown, not hidden: see CatalogService.cycles.
    const cycles = this.catalog.cycles();
    return { units: this.catalog.units(), ...(cycles.length > 0 ? { cycles } : {}) };
  }

  @Get('units/:unitId')
  @Roles(...EVERY_ROLE)
  getUnit(@Param('unitId') unitId: string) {
    const unit = this.catalog.requireUnit(unitId);
    const cycle = this.catalog.cycles().find((c) => c.unitId === unitId);
    return { ...unit, children: this.catalog.children(unitId), ...(cycle ? { cycle: cycle.cycle } : {}) };
  }

  @Put('procedures/:code')
  @HttpCode(200)
  @Roles('admin')
  async putProcedure(@Param('code') code: string, @Body() body: PutProcedureBody, @CurrentPrincipal() who: Principal) {
    assertId(code, 'code');
    return this.catalog.putProcedure(
      { code, name: body.name, statutoryWorkingDays: body.statutoryWorkingDays, onSupplement: body.onSupplement ?? 'restart' },
      { actor: who.name },
    );
  }

  @Get('procedures')
  @Roles(...EVERY_ROLE)
  listProcedures() {
    return { procedures: this.catalog.proceduresList() };
  }

  @Get('procedures/:code')
  @Roles(...EVERY_ROLE)
  getProcedure(@Param('code') code: string) {
    return this.catalog.requireProcedure(code);
  }

  @Put('calendar')
  @HttpCode(200)
  @Roles('admin')
  async putCalendar(@Body() body: PutCalendarBody, @CurrentPrincipal() who: Principal) {
    return this.show(await this.catalog.putCalendar(body, { actor: who.name }));
  }

  @Put('calendar/years/:year')
  @HttpCode(200)
  @Roles('admin')
  async putCalendarYear(@Param('year') year: string, @Body() body: PutCalendarYearBody, @CurrentPrincipal() who: Principal) {
    if (!/^\d{4}$/.test(year)) throw validationFailed([{ field: 'year', message: 'year must be four digits' }]);
    // (Typed without `| null`: a union would hide the DTO class from the validation pipe.)
    if ((body as PutCalendarYearBody | null | undefined) == null) throw validationFailed([{ field: 'body', message: 'the year\'s holidays, workingDays and official are missing' }]);
    const entry = { year: Number(year), holidays: body.holidays, workingDays: body.workingDays, official: body.official, sources: body.sources ?? [] };
    return this.show(await this.catalog.putCalendarYear(entry, { actor: who.name }));
  }

  @Get('calendar')
  @Roles(...EVERY_ROLE)
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
