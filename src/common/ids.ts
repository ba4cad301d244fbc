/**
 * Ids of units, procedures and dossiers (API.md: `[A-Za-z0-9._-]{1,64}`), except `.` and `..`:
 * URL parsers (browsers, fetch, proxies) resolve those path segments away, so a dossier or unit
 * with such an id could be created but never addressed.
 */
export const ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._-]{1,64}$/;

export const idMessage = (field: string) => `${field} must match [A-Za-z0-9._-]{1,64} and not be "." or ".."`;
