/** Vietnamese by default, English on request; the choice is kept in localStorage (it is no secret). */
import { formatMinutes } from './duration.js';

export type Lang = 'vi' | 'en';

const vi = {
  title: 'Bảng theo dõi giải quyết hồ sơ',
  signIn: 'Đăng nhập',
  signOut: 'Đăng xuất',
  keyLabel: 'Khóa truy cập (API key)',
  keyHint: 'Khóa được giữ trong phiên làm việc của trình duyệt này, không bao giờ nằm trên địa chỉ trang.',
  badKey: 'Khóa không hợp lệ hoặc đã hết hiệu lực.',
  signedOut: 'Phiên đã kết thúc: khóa không còn hiệu lực. Vui lòng đăng nhập lại.',
  language: 'English',
  languageLabel: 'Switch to English',
  role: 'Vai trò',
  units: 'Đơn vị',
  unitTree: 'Cây đơn vị',
  period: 'Kỳ báo cáo',
  week: 'Tuần này',
  month: 'Tháng này',
  quarter: 'Quý này',
  year: 'Năm nay',
  custom: 'Tùy chọn',
  fromDate: 'Từ ngày',
  toDate: 'Đến ngày',
  apply: 'Áp dụng',
  asOf: 'Số liệu tại thời điểm (kiểm toán)',
  asOfNow: 'Hiện tại',
  loading: 'Đang tải…',
  error: 'Lỗi',
  live: 'Trực tiếp',
  liveOff: 'Không trực tiếp',
  timeliness: 'Biểu II.06a - Tình hình giải quyết hồ sơ',
  stt: 'STT',
  unit: 'Đơn vị',
  receivedGroup: 'Số hồ sơ nhận giải quyết',
  resolvedGroup: 'Đã giải quyết',
  inProgressGroup: 'Đang giải quyết',
  total: 'Tổng số',
  carriedOver: 'Kỳ trước chuyển qua',
  online: 'Trực tuyến',
  direct: 'Trực tiếp',
  postal: 'Bưu chính',
  early: 'Trước hạn',
  onTime: 'Đúng hạn',
  late: 'Quá hạn',
  withinDue: 'Trong hạn',
  onTimeRate: 'Tỷ lệ đúng hạn',
  sum: 'Tổng cộng',
  download: 'Tải xuống',
  trend: 'Tỷ lệ giải quyết đúng hạn theo tháng',
  noData: 'Không có dữ liệu',
  lateList: 'Hồ sơ quá hạn',
  dossier: 'Mã hồ sơ',
  procedure: 'Thủ tục',
  receivedAt: 'Ngày nhận',
  dueAt: 'Hạn giải quyết',
  receivedBy: 'Nơi tiếp nhận',
  responsible: 'Đơn vị đang xử lý',
  status: 'Trạng thái',
  more: 'Xem thêm',
  steps: 'Tình hình xử lý theo bước',
  endedSteps: 'Bước đã xong',
  openSteps: 'Bước đang xử lý',
  withAllotment: 'Có thời hạn bước',
  overrunning: 'Đang quá hạn',
  responsibleForLate: 'Gây trễ',
  history: 'Lịch sử hồ sơ',
  occurredAt: 'Thời điểm xảy ra',
  recordedAt: 'Thời điểm ghi nhận',
  actor: 'Người ghi',
  event: 'Sự kiện',
  close: 'Đóng',
  currentState: 'Tình trạng hiện tại',
  historyForAuditors: 'Lịch sử đầy đủ dành cho khóa kiểm toán; đây là tình trạng hiện tại của hồ sơ.',
  overdue: 'Quá hạn',
  yes: 'Có',
  no: 'Không',
  selectUnit: 'Chọn một đơn vị',
  skipToContent: 'Bỏ qua cây đơn vị, đến báo cáo',
  entryLag: 'Độ trễ cập nhật lên hệ thống',
  entryLagHint: 'Từ lúc việc xảy ra đến lúc được ghi vào hệ thống, tính cho đơn vị thực hiện việc đó, theo các sự kiện xảy ra trong kỳ.',
  entryLagNotAsOf: 'Báo cáo này luôn là số liệu hiện tại, không theo thời điểm kiểm toán.',
  events: 'Số sự kiện',
  lagGroup: 'Độ trễ',
  median: 'Trung vị',
  p90: 'P90',
  longest: 'Lớn nhất',
  medianOffice: 'Trung vị theo giờ hành chính',
  lateEntries: 'Ghi trễ quá 1 ngày làm việc',
  lateShare: 'Tỷ lệ ghi trễ',
  wholeUnit: 'Toàn đơn vị',
  minutes: 'phút',
  attention: 'Hồ sơ cần chú ý',
  attentionHint: 'Tình hình tại thời điểm hiện tại, không phụ thuộc kỳ báo cáo; hồ sơ tính cho nơi tiếp nhận.',
  attentionLists: 'Danh sách cần chú ý',
  kind_overdue: 'Trễ hạn',
  kind_soon_due: 'Sắp trễ',
  kind_not_returned: 'Chưa trả kết quả',
  kind_silent: 'Không có hoạt động',
  why: 'Lý do',
  scorecard: 'Chỉ số đánh giá so với mục tiêu',
  scorecardHint: 'Mỗi chỉ số so với mục tiêu của tỉnh (đạt / chưa đạt) và hạng giữa các đơn vị cùng cấp.',
  ind_onTimeRate: 'Giải quyết đúng hạn',
  ind_onlineShare: 'Nộp trực tuyến',
  ind_digitizedShare: 'Số hóa hồ sơ',
  ind_resultDigitizedShare: 'Số hóa kết quả',
  ind_progressIndicator: 'Chỉ số tiến độ (QĐ 766)',
  target: 'Mục tiêu',
  met: 'đạt',
  unmet: 'chưa đạt',
  rank: 'hạng',
  thisUnit: 'Đơn vị đang chọn, xếp hạng giữa các đơn vị cùng cấp',
};

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  title: 'Dossier timeliness dashboard',
  signIn: 'Sign in',
  signOut: 'Sign out',
  keyLabel: 'Access key (API key)',
  keyHint: "The key is kept in this browser tab's session only, never in the page address.",
  badKey: 'The key is not valid or no longer in force.',
  signedOut: 'Signed out: the key is no longer valid. Please sign in again.',
  language: 'Tiếng Việt',
  languageLabel: 'Chuyển sang tiếng Việt',
  role: 'Role',
  units: 'Units',
  unitTree: 'Units',
  period: 'Period',
  week: 'This week',
  month: 'This month',
  quarter: 'This quarter',
  year: 'This year',
  custom: 'Custom',
  fromDate: 'From',
  toDate: 'To',
  apply: 'Apply',
  asOf: 'As of (audit)',
  asOfNow: 'Now',
  loading: 'Loading…',
  error: 'Error',
  live: 'Live',
  liveOff: 'Not live',
  timeliness: 'Form II.06a - dossier handling',
  stt: 'No.',
  unit: 'Unit',
  receivedGroup: 'Dossiers to handle',
  resolvedGroup: 'Resolved',
  inProgressGroup: 'In progress',
  total: 'Total',
  carriedOver: 'Carried over',
  online: 'Online',
  direct: 'In person',
  postal: 'Postal',
  early: 'Early',
  onTime: 'On time',
  late: 'Late',
  withinDue: 'Within due',
  onTimeRate: 'On-time rate',
  sum: 'Total',
  download: 'Download',
  trend: 'On-time rate by month',
  noData: 'No data',
  lateList: 'Overdue dossiers',
  dossier: 'Dossier',
  procedure: 'Procedure',
  receivedAt: 'Received',
  dueAt: 'Due',
  receivedBy: 'Received by',
  responsible: 'Held by',
  status: 'Status',
  more: 'More',
  steps: 'Step timeliness',
  endedSteps: 'Steps ended',
  openSteps: 'Steps open',
  withAllotment: 'With allotted time',
  overrunning: 'Overrunning',
  responsibleForLate: 'Caused lateness',
  history: 'Dossier history',
  occurredAt: 'Occurred',
  recordedAt: 'Recorded',
  actor: 'Recorded by',
  event: 'Event',
  close: 'Close',
  currentState: 'Current state',
  historyForAuditors: 'The full history is for auditor keys; this is the dossier as it is now.',
  overdue: 'Overdue',
  yes: 'Yes',
  no: 'No',
  selectUnit: 'Choose a unit',
  skipToContent: 'Skip the unit tree, to the reports',
  entryLag: 'Entry lag: how late units record what happened',
  entryLagHint: 'From when a thing happened to when it was recorded, counted for the unit that did it, over the events that happened in the period.',
  entryLagNotAsOf: 'This report is always as of now, never as of an audit instant.',
  events: 'Events',
  lagGroup: 'Lag',
  median: 'Median',
  p90: 'P90',
  longest: 'Longest',
  medianOffice: 'Median in office hours',
  lateEntries: 'Recorded over 1 working day late',
  lateShare: 'Late share',
  wholeUnit: 'Whole unit',
  minutes: 'minutes',
  attention: 'What needs attention',
  attentionHint: 'As things stand now, whatever the period; a dossier counts for the unit that received it.',
  attentionLists: 'Review lists',
  kind_overdue: 'Overdue',
  kind_soon_due: 'Due soon',
  kind_not_returned: 'Result not returned',
  kind_silent: 'Nothing happening',
  why: 'Why',
  scorecard: 'Scorecard against the targets',
  scorecardHint: "Each indicator against the province's target (met / not met) and the rank among units of the same parent.",
  ind_onTimeRate: 'Resolved on time',
  ind_onlineShare: 'Received online',
  ind_digitizedShare: 'Dossiers digitised',
  ind_resultDigitizedShare: 'Results digitised',
  ind_progressIndicator: 'Progress (Decision 766)',
  target: 'Target',
  met: 'met',
  unmet: 'not met',
  rank: 'rank',
  thisUnit: 'The chosen unit, ranked among its siblings',
};

const LANG_KEY = 'dashboard.lang';
let lang: Lang = (globalThis.localStorage?.getItem(LANG_KEY) as Lang | null) === 'en' ? 'en' : 'vi';

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
}

export function t(key: MessageKey): string {
  return (lang === 'en' ? en : vi)[key];
}

/** Numbers and instants in the page's language, instants in Vietnam time. */
export function formatNumber(n: number): string {
  return n.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN');
}

export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '-' : `${(rate * 100).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 })} %`;
}

export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '-';
  return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'medium' });
}

/** The local (Vietnam) date of an instant. */
export function formatDate(iso: string, shiftMs = 0): string {
  return new Date(Date.parse(iso) + shiftMs).toLocaleDateString(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
}

/** Minutes as "3 giờ 15 phút", "2 ngày 4 giờ"; office minutes in working days of 8 hours. */
export function formatDuration(minutes: number | null | undefined, office = false): string {
  return formatMinutes(minutes, lang, office);
}
