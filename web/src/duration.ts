/**
 * Minutes as a person reads them ("3 giờ 15 phút", "2 ngày 4 giờ", "12 ngày"): the entry-lag
 * figures run from seconds to months. Office minutes count working days of 8 hours. Pure.
 */
export type DurationLang = 'vi' | 'en';

const WORDS = {
  vi: { min: 'phút', h: 'giờ', d: 'ngày', wd: 'ngày làm việc', under: '< 1 phút' },
  en: { min: 'min', h: 'h', d: 'd', wd: 'working days', under: '< 1 min' },
} as const;

/** Whole days are enough from this many on. */
const DAYS_ALONE = 10;

export function formatMinutes(minutes: number | null | undefined, lang: DurationLang, office = false): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return '-';
  const w = WORDS[lang];
  const n = (v: number) => v.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN');
  if (minutes > 0 && minutes < 0.5) return w.under;
  const total = Math.round(minutes);
  if (total < 60) return `${n(total)} ${w.min}`;
  const dayHours = office ? 8 : 24;
  if (total < dayHours * 60) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    return m === 0 ? `${n(h)} ${w.h}` : `${n(h)} ${w.h} ${n(m)} ${w.min}`;
  }
  const hours = Math.round(total / 60);
  const days = Math.floor(hours / dayHours);
  const dayWord = !office ? w.d : lang === 'en' && days === 1 ? 'working day' : w.wd;
  if (days >= DAYS_ALONE) return `${n(Math.round(total / 60 / dayHours))} ${dayWord}`;
  const h = hours % dayHours;
  return h === 0 ? `${n(days)} ${dayWord}` : `${n(days)} ${dayWord} ${n(h)} ${w.h}`;
}
