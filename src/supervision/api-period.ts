import { ApiQuery } from '@nestjs/swagger';

const PERIOD = [
  { name: 'from', required: false, description: 'instant with offset; default 1 January (+07:00) of the current year' },
  { name: 'to', required: false, description: 'instant with offset, exclusive; default now' },
  { name: 'scope', required: false, enum: ['self', 'subtree'], description: 'default subtree' },
  { name: 'minPosition', required: false, description: 'answer only once the read models include this position (503 after timeoutMs)' },
  { name: 'timeoutMs', required: false, description: 'how long minPosition may wait, 0-30000, default 5000' },
] as const;
/** The query options of a report over a period, for the API document. */
export const ApiPeriod = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  for (const q of PERIOD) ApiQuery(q)(target, key, descriptor);
};
