/** The recorded instant of a stored event, as SQL: metadata.recordedAt, else the row's `created` (see recordedAtOf). */
export const RECORDED_AT_SQL = "coalesce(json_extract(metadata, '$.recordedAt'), created)";
