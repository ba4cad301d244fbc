import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiExampleBody, ApiKeyRequired, ApiProblems, BODY_PROBLEMS } from '../../docs/api-docs.decorators.js';
import { COMMAND_BODIES as body, RECEIVED, TRANSFERRED } from '../../docs/examples.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal, Roles } from '../../access/principal.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { assertId } from '../../common/validation.js';
import { type CommandAnswer, ExecuteDossierCommand, type IntegratorCommand } from './execute-dossier-command.js';
import { ApologizeBody, OccurredBody, ReasonBody, ReceiveDossierBody, ResolveBody, TransferBody } from './dossier.dto.js';
import { commandOptions, instant } from './request-context.js';

/** The answer of every command but receive (documented once). */
const ApiCommandAnswer = () => ApiAnswer(200, 'the dossier as it now is, with the position of the command\'s last event', TRANSFERRED);

/** Integrators' commands (API.md): each appends dossier events through the CommandBus. */
@ApiTags('dossier commands')
@ApiKeyRequired()
@ApiProblems(...BODY_PROBLEMS, 'NOT_FOUND', 'ILLEGAL_TRANSITION', 'CONCURRENCY_CONFLICT', 'IDEMPOTENCY_KEY_REUSED', 'REVISION_MISMATCH', 'STORE_UNAVAILABLE')
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
  @ApiOperation({ summary: 'Receive a dossier: starts its statutory clock' })
  @ApiExampleBody(ReceiveDossierBody, { online: body.receive })
  @ApiAnswer(201, 'the dossier received, with its due instant and the position of its first event', RECEIVED)
  @ApiProblems('DUPLICATE_DOSSIER', 'CONCURRENCY_CONFLICT', 'IDEMPOTENCY_KEY_REUSED')
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
  @ApiOperation({ summary: 'Transfer the dossier to another unit, with the working hours allotted to its step' })
  @ApiExampleBody(TransferBody, { withAllotment: body.transfer })
  @ApiCommandAnswer()
  transfer(@Param('id') id: string, @Body() body: TransferBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    const command: IntegratorCommand = { type: 'Transfer', toUnitId: body.toUnitId, occurredAt: instant(body.occurredAt, 'occurredAt') };
    if (body.allottedWorkingHours !== undefined) command.allottedWorkingHours = body.allottedWorkingHours;
    return this.run(id, command, req, reply, who);
  }

  @Post(':id/request-supplement')
  @ApiOperation({ summary: 'Ask the applicant for missing documents (the clock pauses or will restart)' })
  @ApiExampleBody(ReasonBody, { missingDocument: body.requestSupplement })
  @ApiCommandAnswer()
  requestSupplement(@Param('id') id: string, @Body() body: ReasonBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'RequestSupplement', reason: body.reason, occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  @Post(':id/supplement')
  @ApiOperation({ summary: 'Record the documents supplied: the clock starts again' })
  @ApiExampleBody(OccurredBody, { supplied: body.supplement })
  @ApiCommandAnswer()
  supplement(@Param('id') id: string, @Body() body: OccurredBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'Supplement', occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  @Post(':id/apologize')
  @ApiOperation({ summary: 'Issue a letter of apology with a new appointment' })
  @ApiExampleBody(ApologizeBody, { late: body.apologize })
  @ApiCommandAnswer()
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
  @ApiOperation({ summary: 'Resolve the dossier: its timeliness is decided' })
  @ApiExampleBody(ResolveBody, { approved: body.resolve })
  @ApiCommandAnswer()
  resolve(@Param('id') id: string, @Body() body: ResolveBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, {
      type: 'Resolve',
      outcome: body.outcome,
      resultDigitized: body.resultDigitized ?? false,
      occurredAt: instant(body.occurredAt, 'occurredAt'),
    }, req, reply, who);
  }

  @Post(':id/return-result')
  @ApiOperation({ summary: 'Return the result to the applicant' })
  @ApiExampleBody(OccurredBody, { returned: body.returnResult })
  @ApiCommandAnswer()
  returnResult(@Param('id') id: string, @Body() body: OccurredBody, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.run(id, { type: 'ReturnResult', occurredAt: instant(body.occurredAt, 'occurredAt') }, req, reply, who);
  }

  @Post(':id/withdraw')
  @ApiOperation({ summary: 'Record that the applicant withdrew the dossier' })
  @ApiExampleBody(ReasonBody, { byApplicant: body.withdraw })
  @ApiCommandAnswer()
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
