/** Dispatched by the overdue watcher: records DossierBecameOverdue when the due instant has passed. */
export class MarkOverdue {
  constructor(
    readonly dossierId: string,
    readonly now: Date,
  ) {}
}

export type MarkOverdueResult = { appended: false } | { appended: true; position: number };
