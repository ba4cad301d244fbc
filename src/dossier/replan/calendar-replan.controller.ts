import { Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../../access/principal.js';
import { validationFailed } from '../../common/errors.js';
import { CalendarReplanService } from './calendar-replan.service.js';

/** After the calendar changed: list (dry run) or move the due instants of the open dossiers it moves (API.md). */
@ApiTags('reference data')
@ApiBearerAuth()
@Controller('calendar')
export class CalendarReplanController {
  constructor(private readonly replanner: CalendarReplanService) {}

  @Post('replan')
  @HttpCode(200)
  @Roles('admin')
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'] })
  async replan(@CurrentPrincipal() who: Principal, @Query('dryRun') dryRun?: string) {
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false') {
      throw validationFailed([{ field: 'dryRun', message: 'dryRun must be true or false' }]);
    }
    return this.replanner.replan(dryRun === 'true', who);
  }
}
