import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsNumber, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ID_PATTERN, idMessage } from '../../common/ids.js';
import { Optional } from '../../common/validation.js';
import type { Channel, Outcome } from '../events.js';

/** ISO 8601 instant with an explicit offset (API.md): `2025-03-03T09:00:00+07:00` or `...Z`. */
export const INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const INSTANT_MESSAGE = (field: string) => `${field} must be an ISO 8601 instant with an offset, e.g. 2025-03-03T09:00:00+07:00`;
const ID = ID_PATTERN;
const ID_MESSAGE = idMessage;

export class ReceiveDossierBody {
  @ApiProperty({ example: 'HS-2025-000123' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE('dossierId') })
  dossierId: string;

  @ApiProperty({ example: 'DN-THANHLAP' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE('procedureCode') })
  procedureCode: string;

  @ApiProperty({ example: 'TTPVHCC' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE('unitId') })
  unitId: string;

  @ApiProperty({ enum: ['online', 'direct', 'postal'] })
  @IsIn(['online', 'direct', 'postal'])
  channel: Channel;

  @ApiProperty({ example: '2025-03-03T09:00:00+07:00' })
  @IsString()
  @Matches(INSTANT, { message: INSTANT_MESSAGE('receivedAt') })
  receivedAt: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  digitized?: boolean;
}

export class OccurredBody {
  @ApiProperty({ example: '2025-03-04T10:00:00+07:00' })
  @IsString()
  @Matches(INSTANT, { message: INSTANT_MESSAGE('occurredAt') })
  occurredAt: string;
}

export class TransferBody extends OccurredBody {
  @ApiProperty({ example: 'VPDKDD' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE('toUnitId') })
  toUnitId: string;

  @ApiPropertyOptional({ example: 16, description: 'working hours allotted to the step at toUnitId' })
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.25)
  @Max(10000)
  allottedWorkingHours?: number;
}

export class ReasonBody extends OccurredBody {
  @ApiProperty({ example: 'Thiếu bản sao giấy tờ tùy thân' })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason: string;
}

export class ApologizeBody extends ReasonBody {
  @ApiProperty({ example: '2025-03-10T16:00:00+07:00' })
  @IsString()
  @Matches(INSTANT, { message: INSTANT_MESSAGE('newAppointmentAt') })
  newAppointmentAt: string;

  @ApiProperty({ example: 'VPDKDD' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE('responsibleUnitId') })
  responsibleUnitId: string;
}

export class ResolveBody extends OccurredBody {
  @ApiProperty({ enum: ['approved', 'refused'] })
  @IsIn(['approved', 'refused'])
  outcome: Outcome;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  resultDigitized?: boolean;
}
