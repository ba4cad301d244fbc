/**
 * Builds the report index's roll-ups of the unit tree's top (each root, and each unit just below
 * one: the province, its departments and districts) once the read models have caught up, so that
 * the first report over them after a start does not pay for it (the dashboard opens on them).
 */
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service.js';
import { Projector } from '../projections/projector.js';

@Injectable()
export class RollUpWarmer implements OnApplicationBootstrap {
  private readonly logger = new Logger('Reports');

  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
  ) {}

  onApplicationBootstrap(): void {
    void this.projector.whenCaughtUp().then(() => this.warm());
  }

  warm(): void {
    const started = Date.now();
    const known = new Set(this.catalog.units().map((u) => u.unitId));
    const roots = this.catalog.units().filter((u) => u.parentId === undefined || !known.has(u.parentId)).map((u) => u.unitId);
    const top = [...roots, ...roots.flatMap((r) => this.catalog.children(r))];
    for (const unitId of top) this.projector.dossiers.index.cover(this.catalog, unitId, 'subtree');
    this.logger.log({ msg: 'report roll-ups of the tree top built', units: top.length, ms: Date.now() - started });
  }
}
