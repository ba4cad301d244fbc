/**
 * A demo province loaded on first start (SEED_DEMO=false turns it off), so that a newcomer can
 * post a dossier at once. Names are realistic; statutory times follow common published
 * procedure lists (they vary by province and year: a real deployment PUTs its own).
 */
import type { ProcedureDefinition, UnitDefinition } from '../events.js';

const districts = [
  { id: 'HUYEN-AN', name: 'UBND huyện An Bình', communes: ['Xã An Phú', 'Xã An Hòa', 'Thị trấn An Bình'] },
  { id: 'HUYEN-BINH', name: 'UBND huyện Bình Sơn', communes: ['Xã Bình Minh', 'Xã Bình Lâm', 'Xã Bình Đông'] },
  { id: 'TP-DEMO', name: 'UBND thành phố Demo', communes: ['Phường 1', 'Phường 2', 'Phường 3', 'Xã Tân Lập'] },
];

const departments: [string, string, [string, string][]][] = [
  ['STP', 'Sở Tư pháp', [['STP-HCTP', 'Phòng Hành chính tư pháp']]],
  ['SKHDT', 'Sở Kế hoạch và Đầu tư', [['SKHDT-DKKD', 'Phòng Đăng ký kinh doanh']]],
  ['STNMT', 'Sở Tài nguyên và Môi trường', [['VPDKDD', 'Văn phòng Đăng ký đất đai tỉnh'], ['STNMT-MT', 'Chi cục Bảo vệ môi trường']]],
  ['SXD', 'Sở Xây dựng', [['SXD-QLXD', 'Phòng Quản lý xây dựng']]],
  ['SGTVT', 'Sở Giao thông vận tải', [['SGTVT-QLPT', 'Phòng Quản lý phương tiện và người lái']]],
  ['SYT', 'Sở Y tế', [['SYT-NVD', 'Phòng Nghiệp vụ dược']]],
  ['SLDTBXH', 'Sở Lao động - Thương binh và Xã hội', [['SLDTBXH-VL', 'Phòng Việc làm']]],
];

export const DEMO_UNITS: UnitDefinition[] = [
  { unitId: 'PROVINCE', name: 'UBND tỉnh Demo', level: 'province' },
  { unitId: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công tỉnh', parentId: 'PROVINCE', level: 'department' },
  ...departments.flatMap(([id, name, offices]) => [
    { unitId: id, name, parentId: 'PROVINCE', level: 'department' as const },
    ...offices.map(([officeId, officeName]) => ({ unitId: officeId, name: officeName, parentId: id, level: 'office' as const })),
  ]),
  ...districts.flatMap((d) => [
    { unitId: d.id, name: d.name, parentId: 'PROVINCE', level: 'district' as const },
    { unitId: `${d.id}.BPMC`, name: `Bộ phận một cửa - ${d.name}`, parentId: d.id, level: 'office' as const },
    { unitId: `${d.id}.VPDKDD`, name: `Chi nhánh Văn phòng Đăng ký đất đai - ${d.name}`, parentId: d.id, level: 'office' as const },
    ...d.communes.map((name, i) => ({ unitId: `${d.id}.XA${i + 1}`, name: `UBND ${name}`, parentId: d.id, level: 'commune' as const })),
  ]),
];

const p = (code: string, name: string, statutoryWorkingDays: number, onSupplement: 'restart' | 'pause' = 'restart'): ProcedureDefinition => ({
  code,
  name,
  statutoryWorkingDays,
  onSupplement,
});

export const DEMO_PROCEDURES: ProcedureDefinition[] = [
  p('HT-KHAISINH', 'Đăng ký khai sinh', 1),
  p('HT-KETHON', 'Đăng ký kết hôn', 1),
  p('HT-KHAITU', 'Đăng ký khai tử', 1),
  p('HT-XNTTHN', 'Cấp giấy xác nhận tình trạng hôn nhân', 3),
  p('HT-THAYDOI', 'Đăng ký thay đổi, cải chính hộ tịch', 3),
  p('CT-BANSAO', 'Chứng thực bản sao từ bản chính', 0.5),
  p('CT-CHUKY', 'Chứng thực chữ ký', 0.5),
  p('TP-LLTP', 'Cấp Phiếu lý lịch tư pháp', 10),
  p('TP-CONGCHUNG', 'Đăng ký hành nghề công chứng', 10),
  p('DN-THANHLAP', 'Đăng ký thành lập doanh nghiệp', 3),
  p('DN-THAYDOI', 'Đăng ký thay đổi nội dung đăng ký doanh nghiệp', 3),
  p('DN-HKD', 'Đăng ký hộ kinh doanh', 3),
  p('DT-CHUTRUONG', 'Chấp thuận chủ trương đầu tư', 35, 'pause'),
  p('DD-CAPLANDAU', 'Cấp Giấy chứng nhận quyền sử dụng đất lần đầu', 20, 'pause'),
  p('DD-CHUYENNHUONG', 'Đăng ký biến động chuyển nhượng quyền sử dụng đất', 10, 'pause'),
  p('DD-CAPDOI', 'Cấp đổi Giấy chứng nhận quyền sử dụng đất', 7),
  p('DD-XOATHECHAP', 'Xóa đăng ký thế chấp', 0.5),
  p('DD-DANGKYTHECHAP', 'Đăng ký thế chấp quyền sử dụng đất', 1),
  p('MT-DTM', 'Thẩm định báo cáo đánh giá tác động môi trường', 30, 'pause'),
  p('MT-GPMT', 'Cấp giấy phép môi trường', 15, 'pause'),
  p('XD-GPXD', 'Cấp giấy phép xây dựng nhà ở riêng lẻ', 15),
  p('XD-GPXD-CT', 'Cấp giấy phép xây dựng công trình', 20),
  p('XD-CCHN', 'Cấp chứng chỉ hành nghề hoạt động xây dựng', 20),
  p('GT-GPLX-DOI', 'Đổi giấy phép lái xe', 5),
  p('GT-DKXE', 'Đăng ký xe máy chuyên dùng', 3),
  p('YT-CCHN-DUOC', 'Cấp chứng chỉ hành nghề dược', 20, 'pause'),
  p('YT-GPHD', 'Cấp giấy phép hoạt động cơ sở khám bệnh, chữa bệnh', 45, 'pause'),
  p('LD-GPLD', 'Cấp giấy phép lao động cho người nước ngoài', 5),
  p('LD-TCTN', 'Giải quyết hưởng trợ cấp thất nghiệp', 20),
  p('BTXH-TROCAP', 'Trợ cấp xã hội hằng tháng', 10),
  p('GD-VANBANG', 'Cấp bản sao văn bằng, chứng chỉ từ sổ gốc', 1),
  p('NN-GCNATTP', 'Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm', 15, 'pause'),
];
