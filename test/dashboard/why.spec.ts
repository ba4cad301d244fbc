/** The review lists' reasons, as the service words them, read in Vietnamese on the dashboard. */
import { describe, expect, it } from '@jest/globals';
import { whyInVietnamese } from '../../web/src/why.js';

describe('why a dossier needs attention, in Vietnamese', () => {
  it('reads each list\'s sentence with its local instant and office time', () => {
    expect(whyInVietnamese('overdue since 2026-03-02 17:00 (+07:00), 4 working days 2 hours')).toBe('Quá hạn từ 17:00 02/03/2026, đã 4 ngày làm việc 2 giờ');
    expect(whyInVietnamese('due 2026-03-09 11:00 (+07:00), in 5 working hours')).toBe('Đến hạn 11:00 09/03/2026, còn 5 giờ làm việc');
    expect(whyInVietnamese('due 2026-03-09 17:00 (+07:00), in 1 working day 2 hours')).toBe('Đến hạn 17:00 09/03/2026, còn 1 ngày làm việc 2 giờ');
    expect(whyInVietnamese('resolved 2026-03-02 09:30 (+07:00), result not returned after 5 working days')).toBe('Giải quyết xong 09:30 02/03/2026, chưa trả kết quả sau 5 ngày làm việc');
    expect(whyInVietnamese('nothing has happened since 2026-03-02 09:30 (+07:00), 6 working days')).toBe('Không có hoạt động từ 09:30 02/03/2026, đã 6 ngày làm việc');
    expect(whyInVietnamese('awaiting a supplement; nothing has happened since 2026-03-02 09:30 (+07:00), 1 working hour 5 minutes')).toBe(
      'Đang chờ bổ sung; không có hoạt động từ 09:30 02/03/2026, đã 1 giờ làm việc 5 phút',
    );
    expect(whyInVietnamese('due 2026-03-09 11:00 (+07:00), in less than a working minute')).toBe('Đến hạn 11:00 09/03/2026, còn chưa đến 1 phút làm việc');
  });

  it('shows a sentence of another shape as the service wrote it', () => {
    expect(whyInVietnamese('held at the land office')).toBe('held at the land office');
  });
});
