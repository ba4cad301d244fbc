/**
 * The benchmark's province: about a thousand units in a tree and forty procedures, built from a
 * seeded generator so that every run (and every machine) sees the same reference data.
 *
 *   PROVINCE
 *   ├── TTPVHCC                  provincial Public Administration Service Centre (receives province-level dossiers)
 *   ├── SO01..SO20               departments, each with 3 to 6 offices (SO01.P1 ...)
 *   └── H01..H12                 districts, each with 10 offices (H01.BPMC one-stop counter, H01.VPDKDD land branch, ...)
 *       └── H01.X001 ...         55 to 70 communes per district
 */
import type { ProcedureDefinition, UnitDefinition } from '../src/catalog/events.js';
import type { Placement } from '../src/catalog/seed/dossier-history.js';
import type { Rng } from '../src/catalog/seed/rng.js';

export type ProcedureLevel = 'commune' | 'district' | 'province';

export interface WorkloadProcedure extends ProcedureDefinition {
  level: ProcedureLevel;
  /** Relative share of the arrivals. */
  weight: number;
  /** District office suffix (district level) or department index (province level) that appraises it. */
  handler: string;
}

export interface District {
  id: string;
  bpmc: string;
  offices: Record<string, string>;
  communes: string[];
}

export interface Department {
  id: string;
  offices: string[];
}

export interface Province {
  root: string;
  centre: string;
  units: UnitDefinition[];
  departments: Department[];
  districts: District[];
  communes: { id: string; district: District }[];
  procedures: WorkloadProcedure[];
}

const DISTRICT_OFFICES: [string, string][] = [
  ['BPMC', 'Bộ phận một cửa'],
  ['VPDKDD', 'Chi nhánh Văn phòng Đăng ký đất đai'],
  ['TP', 'Phòng Tư pháp'],
  ['TNMT', 'Phòng Tài nguyên và Môi trường'],
  ['KTHT', 'Phòng Kinh tế - Hạ tầng'],
  ['TCKH', 'Phòng Tài chính - Kế hoạch'],
  ['LDTBXH', 'Phòng Lao động - Thương binh và Xã hội'],
  ['VHTT', 'Phòng Văn hóa và Thông tin'],
  ['YT', 'Phòng Y tế'],
  ['NV', 'Phòng Nội vụ'],
];

const DEPARTMENT_NAMES = [
  'Sở Tư pháp', 'Sở Kế hoạch và Đầu tư', 'Sở Tài nguyên và Môi trường', 'Sở Xây dựng', 'Sở Giao thông vận tải',
  'Sở Y tế', 'Sở Lao động - Thương binh và Xã hội', 'Sở Giáo dục và Đào tạo', 'Sở Công Thương', 'Sở Nông nghiệp và PTNT',
  'Sở Tài chính', 'Sở Nội vụ', 'Sở Văn hóa, Thể thao và Du lịch', 'Sở Thông tin và Truyền thông', 'Sở Khoa học và Công nghệ',
  'Ban Dân tộc', 'Ban Quản lý các khu công nghiệp', 'Công an tỉnh', 'Bảo hiểm xã hội tỉnh', 'Cục Thuế tỉnh',
];

// [code, name, statutory working days, level, weight, handler, onSupplement]
type Row = [string, string, number, ProcedureLevel, number, string, ('restart' | 'pause')?];
const PROCEDURES: Row[] = [
  // commune level: civil status and certification, the bulk of the volume
  ['HT-KHAISINH', 'Đăng ký khai sinh', 1, 'commune', 10, 'TP'],
  ['HT-KETHON', 'Đăng ký kết hôn', 1, 'commune', 3, 'TP'],
  ['HT-KHAITU', 'Đăng ký khai tử', 1, 'commune', 2, 'TP'],
  ['HT-XNTTHN', 'Xác nhận tình trạng hôn nhân', 3, 'commune', 4, 'TP'],
  ['HT-THAYDOI', 'Thay đổi, cải chính hộ tịch', 3, 'commune', 1, 'TP'],
  ['CT-BANSAO', 'Chứng thực bản sao từ bản chính', 0.5, 'commune', 16, 'TP'],
  ['CT-CHUKY', 'Chứng thực chữ ký', 0.5, 'commune', 6, 'TP'],
  ['CT-HOPDONG', 'Chứng thực hợp đồng, giao dịch', 2, 'commune', 2, 'TP'],
  ['BTXH-TROCAP', 'Trợ cấp xã hội hằng tháng', 10, 'commune', 1, 'LDTBXH'],
  ['NCC-XACNHAN', 'Xác nhận thông tin người có công', 5, 'commune', 0.5, 'LDTBXH'],
  ['DD-HOAGIAI', 'Hòa giải tranh chấp đất đai', 30, 'commune', 0.3, 'TNMT', 'pause'],
  ['NN-HOTRO', 'Hỗ trợ khôi phục sản xuất nông nghiệp', 10, 'commune', 0.4, 'KTHT'],
  // district level: business households, land, construction
  ['DN-HKD', 'Đăng ký hộ kinh doanh', 3, 'district', 3, 'TCKH'],
  ['DD-CHUYENNHUONG', 'Đăng ký biến động chuyển nhượng QSDĐ', 10, 'district', 4, 'VPDKDD', 'pause'],
  ['DD-CAPDOI', 'Cấp đổi Giấy chứng nhận QSDĐ', 7, 'district', 2, 'VPDKDD'],
  ['DD-THECHAP', 'Đăng ký thế chấp QSDĐ', 1, 'district', 3, 'VPDKDD'],
  ['DD-XOATHECHAP', 'Xóa đăng ký thế chấp', 0.5, 'district', 2, 'VPDKDD'],
  ['DD-CAPLANDAU', 'Cấp GCN QSDĐ lần đầu', 20, 'district', 0.8, 'VPDKDD', 'pause'],
  ['XD-GPXD', 'Giấy phép xây dựng nhà ở riêng lẻ', 15, 'district', 1.5, 'KTHT'],
  ['HT-CAICHINH-H', 'Thay đổi hộ tịch có yếu tố nước ngoài', 3, 'district', 0.3, 'TP'],
  ['LD-TCTN', 'Hưởng trợ cấp thất nghiệp', 20, 'district', 0.4, 'LDTBXH'],
  ['VH-KARAOKE', 'Giấy phép kinh doanh karaoke', 5, 'district', 0.2, 'VHTT'],
  ['YT-ATTP-H', 'Giấy chứng nhận an toàn thực phẩm', 15, 'district', 0.4, 'YT', 'pause'],
  ['GD-CHUYENTRUONG', 'Chuyển trường học sinh', 3, 'district', 0.6, 'NV'],
  ['TC-HOANTHUE', 'Hoàn trả khoản thu ngân sách', 5, 'district', 0.3, 'TCKH'],
  // province level: enterprises, investment, environment, health, transport
  ['DN-THANHLAP', 'Đăng ký thành lập doanh nghiệp', 3, 'province', 2, '1'],
  ['DN-THAYDOI', 'Thay đổi nội dung đăng ký doanh nghiệp', 3, 'province', 2, '1'],
  ['TP-LLTP', 'Cấp Phiếu lý lịch tư pháp', 10, 'province', 2, '0'],
  ['TP-CONGCHUNG', 'Đăng ký hành nghề công chứng', 10, 'province', 0.1, '0'],
  ['DT-CHUTRUONG', 'Chấp thuận chủ trương đầu tư', 30, 'province', 0.05, '1', 'pause'],
  ['MT-DTM', 'Thẩm định báo cáo ĐTM', 30, 'province', 0.05, '2', 'pause'],
  ['MT-GPMT', 'Cấp giấy phép môi trường', 15, 'province', 0.1, '2', 'pause'],
  ['XD-GPXD-CT', 'Giấy phép xây dựng công trình', 20, 'province', 0.2, '3'],
  ['XD-CCHN', 'Chứng chỉ hành nghề xây dựng', 20, 'province', 0.2, '3'],
  ['GT-GPLX-DOI', 'Đổi giấy phép lái xe', 5, 'province', 3, '4'],
  ['GT-DKXE', 'Đăng ký xe máy chuyên dùng', 3, 'province', 0.3, '4'],
  ['YT-CCHN-DUOC', 'Chứng chỉ hành nghề dược', 20, 'province', 0.2, '5', 'pause'],
  ['YT-GPHD', 'Giấy phép hoạt động khám chữa bệnh', 30, 'province', 0.05, '5', 'pause'],
  ['LD-GPLD', 'Giấy phép lao động người nước ngoài', 5, 'province', 0.2, '6'],
  ['GD-VANBANG', 'Bản sao văn bằng từ sổ gốc', 1, 'province', 0.3, '7'],
  ['CT-ATTP', 'Giấy chứng nhận cơ sở đủ điều kiện ATTP', 15, 'province', 0.2, '8', 'pause'],
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function buildProvince(rng: Rng): Province {
  const root = 'PROVINCE';
  const centre = 'TTPVHCC';
  const units: UnitDefinition[] = [
    { unitId: root, name: 'UBND tỉnh (benchmark)', level: 'province' },
    { unitId: centre, name: 'Trung tâm Phục vụ hành chính công tỉnh', parentId: root, level: 'department' },
  ];
  const departments: Department[] = DEPARTMENT_NAMES.map((name, i) => {
    const id = `SO${pad(i + 1, 2)}`;
    units.push({ unitId: id, name, parentId: root, level: 'department' });
    const offices = Array.from({ length: rng.int(3, 6) }, (_, j) => {
      const officeId = `${id}.P${j + 1}`;
      units.push({ unitId: officeId, name: `Phòng ${j + 1} - ${name}`, parentId: id, level: 'office' });
      return officeId;
    });
    return { id, offices };
  });
  const districts: District[] = [];
  const communes: Province['communes'] = [];
  for (let i = 1; i <= 12; i++) {
    const id = `H${pad(i, 2)}`;
    const name = `UBND huyện ${i}`;
    units.push({ unitId: id, name, parentId: root, level: 'district' });
    const offices: Record<string, string> = {};
    for (const [suffix, officeName] of DISTRICT_OFFICES) {
      offices[suffix] = `${id}.${suffix}`;
      units.push({ unitId: offices[suffix], name: `${officeName} - ${name}`, parentId: id, level: 'office' });
    }
    const district: District = { id, bpmc: offices.BPMC, offices, communes: [] };
    const count = rng.int(55, 70);
    for (let c = 1; c <= count; c++) {
      const communeId = `${id}.X${pad(c, 3)}`;
      units.push({ unitId: communeId, name: `UBND xã ${c} - ${name}`, parentId: id, level: 'commune' });
      district.communes.push(communeId);
      communes.push({ id: communeId, district });
    }
    districts.push(district);
  }
  const procedures = PROCEDURES.map(([code, name, days, level, weight, handler, onSupplement]) => ({
    code,
    name,
    statutoryWorkingDays: days,
    onSupplement: onSupplement ?? 'restart',
    level,
    weight,
    handler,
  }));
  return { root, centre, units, departments, districts, communes, procedures };
}

/** The catalog's own view of a procedure (what is stored in ProcedureDefined). */
export const definitionOf = (p: WorkloadProcedure): ProcedureDefinition => ({
  code: p.code,
  name: p.name,
  statutoryWorkingDays: p.statutoryWorkingDays,
  onSupplement: p.onSupplement,
});

/** The receiving unit and the units the dossier passes through, with the share of time each is allotted. */
export function placeOf(province: Province, rng: Rng, p: WorkloadProcedure): Placement {
  if (p.level === 'commune') {
    const commune = rng.pick(province.communes);
    // Half go to the district office for appraisal and come back; some are decided there.
    const office = commune.district.offices[p.handler];
    const k = rng.float();
    const route = k < 0.3 ? [] : k < 0.5 ? [{ unitId: office, share: 0.6 }] : [{ unitId: office, share: 0.5 }, { unitId: commune.id, share: 0 }];
    return { unitId: commune.id, route };
  }
  if (p.level === 'district') {
    const district = rng.pick(province.districts);
    const office = district.offices[p.handler];
    const k = rng.float();
    const route =
      k < 0.4
        ? [{ unitId: office, share: 0.7 }]
        : k < 0.85
          ? [{ unitId: office, share: 0.7 }, { unitId: district.bpmc, share: 0.1 }]
          : [{ unitId: office, share: 0.5 }, { unitId: rng.pick(district.communes), share: 0.2 }, { unitId: district.bpmc, share: 0.1 }];
    return { unitId: district.bpmc, route };
  }
  const department = province.departments[Number(p.handler)];
  const office = department.offices[0];
  const other = rng.pick(province.departments.filter((d) => d !== department)).offices[0];
  const unitId = rng.chance(0.85) ? province.centre : office;
  const k = rng.float();
  const route =
    k < 0.3
      ? [{ unitId: office, share: 0.7 }]
      : k < 0.8
        ? [{ unitId: office, share: 0.7 }, { unitId: province.centre, share: 0.1 }]
        : [{ unitId: office, share: 0.5 }, { unitId: other, share: 0.2 }, { unitId: province.centre, share: 0.1 }];
  return { unitId, route };
}
