import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { UNIT_LEVELS, type UnitLevel } from './events.js';
import type { SupplementRule } from '../dossier/events.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class PutUnitBody {
  @ApiProperty({ example: 'Sở Tư pháp' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ example: 'P' })
  @IsOptional()
  @IsString()
  @Matches(ID, { message: 'parentId must match [A-Za-z0-9._-]{1,64}' })
  parentId?: string;

  @ApiProperty({ enum: UNIT_LEVELS })
  @IsIn(UNIT_LEVELS as unknown as string[])
  level: UnitLevel;
}

export class PutProcedureBody {
  @ApiProperty({ example: 'Đăng ký thành lập doanh nghiệp' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name: string;

  @ApiProperty({ example: 3, description: 'working days; fractional allowed (0.5 = 4 working hours)' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.125)
  @Max(365)
  statutoryWorkingDays: number;

  @ApiPropertyOptional({ enum: ['restart', 'pause'], default: 'restart' })
  @IsOptional()
  @IsIn(['restart', 'pause'])
  onSupplement?: SupplementRule;
}

export class OfficeIntervalBody {
  @ApiProperty({ example: '08:00' })
  @Matches(HH_MM, { message: 'start must be HH:MM' })
  start: string;

  @ApiProperty({ example: '12:00' })
  @Matches(HH_MM, { message: 'end must be HH:MM' })
  end: string;
}

export class PutCalendarBody {
  @ApiPropertyOptional({ type: [OfficeIntervalBody] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(8)
  @ValidateNested({ each: true })
  @Type(() => OfficeIntervalBody)
  officeHours?: OfficeIntervalBody[];

  @ApiPropertyOptional({ example: '15:00' })
  @IsOptional()
  @Matches(HH_MM, { message: 'cutoff must be HH:MM' })
  cutoff?: string;

  @ApiPropertyOptional({ example: ['2025-01-27'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2000)
  @Matches(DATE, { each: true, message: 'holidays must be YYYY-MM-DD dates' })
  holidays?: string[];

  @ApiPropertyOptional({ example: ['2025-04-26'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2000)
  @Matches(DATE, { each: true, message: 'workingDays must be YYYY-MM-DD dates' })
  workingDays?: string[];
}

/** PUT /calendar/years/{year}: one year's announced days off and make-up Saturdays. */
export class PutCalendarYearBody {
  @ApiProperty({ example: ['2027-02-05', '2027-02-08'] })
  @IsArray()
  @ArrayMaxSize(366)
  @Matches(DATE, { each: true, message: 'holidays must be YYYY-MM-DD dates' })
  holidays: string[];

  @ApiProperty({ example: ['2027-02-20'] })
  @IsArray()
  @ArrayMaxSize(366)
  @Matches(DATE, { each: true, message: 'workingDays must be YYYY-MM-DD dates' })
  workingDays: string[];

  @ApiProperty({ description: 'true for the government announcement; false keeps the year provisional' })
  @IsBoolean()
  official: boolean;

  @ApiPropertyOptional({ example: ['Cong van 1234/VPCP-KGVX (1/11/2026)'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(500, { each: true })
  sources?: string[];
}
