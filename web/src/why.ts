/**
 * The service says why a dossier is on a review list in an English sentence (GET
 * /units/{id}/attention, `why`); the page reads it in Vietnamese. A sentence of another shape is
 * shown as the service wrote it: a new wording is untranslated, never lost. Pure.
 */
const SENTENCES: [RegExp, (...parts: string[]) => string][] = [
  [/^overdue since (.+?), (.+)$/, (at, span) => `Quá hạn từ ${at}, đã ${span}`],
  [/^due (.+?), in (.+)$/, (at, span) => `Đến hạn ${at}, còn ${span}`],
  [/^resolved (.+?), result not returned after (.+)$/, (at, span) => `Giải quyết xong ${at}, chưa trả kết quả sau ${span}`],
  [/^nothing has happened since (.+?), (.+)$/, (at, span) => `Không có hoạt động từ ${at}, đã ${span}`],
];

const SPANS: [RegExp, string][] = [
  [/less than a working minute/g, 'chưa đến 1 phút làm việc'],
  [/(\d+) working days?/g, '$1 ngày làm việc'],
  [/(\d+) working hours?/g, '$1 giờ làm việc'],
  [/(\d+) working minutes?/g, '$1 phút làm việc'],
  [/(\d+) hours?/g, '$1 giờ'],
  [/(\d+) minutes?/g, '$1 phút'],
];

/** "2026-03-05 17:00 (+07:00)" as "17:00 05/03/2026". */
const LOCAL_MINUTE = /(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}) \(\+07:00\)/g;

function sentence(text: string): string | undefined {
  for (const [pattern, say] of SENTENCES) {
    const m = pattern.exec(text);
    if (m) return say(...m.slice(1).map((part) => SPANS.reduce((s, [p, r]) => s.replace(p, r), part.replace(LOCAL_MINUTE, '$4 $3/$2/$1'))));
  }
  return undefined;
}

export function whyInVietnamese(why: string): string {
  const supplement = 'awaiting a supplement; ';
  if (why.startsWith(supplement)) {
    const rest = sentence(why.slice(supplement.length));
    return rest === undefined ? why : `Đang chờ bổ sung; ${rest.charAt(0).toLowerCase()}${rest.slice(1)}`;
  }
  return sentence(why) ?? why;
}
