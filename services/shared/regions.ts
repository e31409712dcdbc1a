/**
 * The fixed list of region codes an agency may carry: the provinces of Indonesia as ISO 3166-2:ID
 * codes, the same codes the working-day calendar keys its regional holidays by. An agency of the central
 * government carries none (only national holidays apply to it).
 */
export const REGION_CODES = {
  'ID-AC': 'Aceh',
  'ID-SU': 'Sumatera Utara',
  'ID-SB': 'Sumatera Barat',
  'ID-RI': 'Riau',
  'ID-KR': 'Kepulauan Riau',
  'ID-JA': 'Jambi',
  'ID-SS': 'Sumatera Selatan',
  'ID-BB': 'Kepulauan Bangka Belitung',
  'ID-BE': 'Bengkulu',
  'ID-LA': 'Lampung',
  'ID-JK': 'DKI Jakarta',
  'ID-JB': 'Jawa Barat',
  'ID-BT': 'Banten',
  'ID-JT': 'Jawa Tengah',
  'ID-YO': 'DI Yogyakarta',
  'ID-JI': 'Jawa Timur',
  'ID-BA': 'Bali',
  'ID-NB': 'Nusa Tenggara Barat',
  'ID-NT': 'Nusa Tenggara Timur',
  'ID-KB': 'Kalimantan Barat',
  'ID-KT': 'Kalimantan Tengah',
  'ID-KS': 'Kalimantan Selatan',
  'ID-KI': 'Kalimantan Timur',
  'ID-KU': 'Kalimantan Utara',
  'ID-SA': 'Sulawesi Utara',
  'ID-ST': 'Sulawesi Tengah',
  'ID-SN': 'Sulawesi Selatan',
  'ID-SG': 'Sulawesi Tenggara',
  'ID-GO': 'Gorontalo',
  'ID-SR': 'Sulawesi Barat',
  'ID-MA': 'Maluku',
  'ID-MU': 'Maluku Utara',
  'ID-PA': 'Papua',
  'ID-PB': 'Papua Barat',
  'ID-PD': 'Papua Barat Daya',
  'ID-PE': 'Papua Pegunungan',
  'ID-PS': 'Papua Selatan',
  'ID-PT': 'Papua Tengah',
} as const satisfies Record<string, string>;

export type RegionCode = keyof typeof REGION_CODES;

export const isRegionCode = (value: string): value is RegionCode => Object.hasOwn(REGION_CODES, value);
