/**
 * The HTTP routes the service's controllers declare, read from Nest's metadata without starting
 * anything, as `METHOD /path/:param` (so a test can tell, while it is being defined, which routes exist).
 */
import 'reflect-metadata';
import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config.js';

type ModuleRef = Type<unknown> | DynamicModule | Promise<DynamicModule> | { forwardRef: () => unknown } | undefined;

export function serviceRoutes(): string[] {
  const routes = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (ref: ModuleRef): void => {
    if (!ref || ref instanceof Promise || 'forwardRef' in ref) return;
    const dynamic = 'module' in ref ? (ref as DynamicModule) : undefined;
    const type = dynamic ? dynamic.module : (ref as Type<unknown>);
    const key = dynamic ?? type;
    if (seen.has(key)) return;
    seen.add(key);
    const controllers = [...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) ?? []), ...(dynamic?.controllers ?? [])] as Type<unknown>[];
    for (const controller of controllers) for (const route of controllerRoutes(controller)) routes.add(route);
    const imports = [...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) ?? []), ...(dynamic?.imports ?? [])] as ModuleRef[];
    imports.forEach(visit);
  };
  visit(AppModule.forRoot(loadConfig({ DATA_DIR: '/nonexistent' })));
  return [...routes].sort();
}

function controllerRoutes(controller: Type<unknown>): string[] {
  const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
  const out: string[] = [];
  const proto = controller.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const handler = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
    if (typeof handler !== 'function' || name === 'constructor') continue;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
    if (method === undefined || paths === undefined) continue;
    for (const prefix of prefixes.length ? prefixes : ['']) {
      for (const path of asArray(paths)) out.push(`${RequestMethod[method]} ${join(prefix, path)}`);
    }
  }
  return out;
}

const asArray = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const join = (...parts: string[]): string => '/' + parts.flatMap((p) => p.split('/')).filter(Boolean).join('/');
