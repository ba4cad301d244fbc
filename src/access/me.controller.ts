import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired } from '../docs/api-docs.decorators.js';
import { CurrentPrincipal, type Principal, Roles, STAFF_ROLES } from './principal.js';

/**
 * Who the key is: its role and the units it reaches, so that a client (the dashboard) shows only
 * what the key may read instead of finding out by 403s.
 */
@ApiTags('reference data')
@ApiKeyRequired()
@Controller()
export class MeController {
  @Get('me')
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: "The calling key: its name, role, and units (null: all units; otherwise these and everything below them)" })
  @ApiAnswer(200, 'the key', { name: 'huyen-an-supervisor', role: 'supervisor', units: ['HUYEN-AN'] })
  me(@CurrentPrincipal() principal: Principal) {
    return { name: principal.name, role: principal.role, units: principal.units ?? null };
  }
}
