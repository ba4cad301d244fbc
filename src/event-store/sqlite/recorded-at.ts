/** The row's metadata `recordedAt` (as stored, maybe absent) and its creation instant, which recordedAtOf chooses between. */
export const RECORDED_AT_SQL = "json_extract(metadata, '$.recordedAt'), created";
