import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, Max, Min } from 'class-validator';
import { Optional } from '../common/validation.js';

const share = (description: string, example?: number) =>
  ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1, description, ...(example === undefined ? {} : { example }) });

/** PUT /targets: each target a share from 0 to 1; what is left out takes its default. */
export class PutTargetsBody {
  @share('resolved early or on time / resolved; default 0.98', 0.98)
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  onTimeRate?: number;

  @share('received online / received; default 0.5', 0.5)
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  onlineShare?: number;

  @share('received digitised / received; default 0.8', 0.8)
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  digitizedShare?: number;

  @share('resolved with the result digitised / resolved; default: digitizedShare')
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  resultDigitizedShare?: number;

  @share("the 766 progress indicator's target; default: onTimeRate")
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  progressIndicator?: number;
}
