import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal, Roles } from '../../access/principal.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { assertId } from '../../common/validation.js';
import { type CommandAnswer, ExecuteDossierCommand, type IntegratorCommand } from '../application/execute-dossier-command.js';
import { ApologizeBody, OccurredBody, ReasonBody, ReceiveDossierBody, ResolveBody, TransferBody } from './dossier.dto.js';
import { commandOptions, instant } from './request-context.js';

/** Integrators' commands (API.md): each appends dossier events through the CommandBus. */
@ApiTags('dossier commands')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'the same key and body return the first answer' })
@ApiHeader({ name: 'If-Match', required: false, description: 'the dossier revision the command expects (412 otherwise)' })
@Roles('integrator')
@Controller('dossiers')
export class DossierCommandsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly catalog: CatalogService,
  ) {}

  @Post()
  receive(@Body() body: ReceiveDossierBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    const procedure = this.catalog.requireProcedure(body.procedureCode);
    return this.run(body.dossierId, {
      type: 'Receive',
      dossierId: body.dossierId,
      procedure,
      unitId: body.unitId,
      channel: body.channel,
      receivedAt: instant(body.receivedAt, 'receivedAt'),
      digitized: body.digitized ?? false,
    }, req, reply, who);
  }

  @Post(':id/transfer')
  transfer(@Param('id') id: string, @Body() body: TransferBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    const command: IntegratorCommand = { type: 'Transfer', toUnitId: body.toUnitId, occurredAt: instant(body.occurredAt, 'occurredAt') };
    if (body.allottedWorkingHours !== undefined) command.allottedWorkingHours = body.allottedWorkingHours;
    return this.run(id, command, req, reply, who);
  }

  @Post(':id/request-supplement')
  requestSupplement(@Param('id') id: string, @Body() body: ReasonBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'RequestSupplement', reason: body.reason, occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  @Post(':id/supplement')
  supplement(@Param('id') id: string, @Body() body: OccurredBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'Supplement', occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  @Post(':id/apologize')
  apologize(@Param('id') id: string, @Body() body: ApologizeBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, {
      type: 'Apologize',
      reason: body.reason,
      newAppointmentAt: instant(body.newAppointmentAt, 'newAppointmentAt'),
      responsibleUnitId: body.responsibleUnitId,
      occurredAt: instant(body.occurredAt, 'occurredAt'),
    }, req, reply, who);
  }

  @Post(':id/resolve')
  resolve(@Param('id') id: string, @Body() body: ResolveBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, {
      type: 'Resolve',
      outcome: body.outcome,
      resultDigitized: body.resultDigitized ?? false,
      occurredAt: instant(body.occurredAt, 'occurredAt'),
    }, req, reply, who);
  }

  @Post(':id/return-result')
  returnResult(@Param('id') id: string, @Body() body: OccurredBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'ReturnResult', occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  @Post(':id/withdraw')
  withdraw(@Param('id') id: string, @Body() body: ReasonBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'Withdraw', reason: body.reason, occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  private async run(dossierId: string, command: IntegratorCommand, req: FastifyRequest, reply: FastifyReply, who: Principal): Promise<void> {
    assertId(dossierId, 'dossierId');
    const answer = await this.commands.execute<ExecuteDossierCommand, CommandAnswer>(
      new ExecuteDossierCommand(dossierId, command, who, commandOptions(req)),
    );
    void reply
      .status(answer.status)
      .header('ETag', `"${answer.body.revision}"`)
      .send(answer.body);
  }
}
