/** The recorded instant of a row as SQL: its metadata's `recordedAt`, else the row's creation instant (recordedAtOf). */
export const RECORDED_AT_SQL = "coalesce(json_extract(metadata, '$.recordedAt'), created)";
