import { describe, expect, it } from 'vitest'
import { filterHouseholds, stagesPresent } from '../src/logic/householdFilters'

const row = (code: string, stage: string, overdue = false, extra: { subsidies_monthly?: string | null; rigid_expense?: boolean } = {}) => ({
  code,
  stage,
  overdue,
  subsidies_monthly: extra.subsidies_monthly ?? null,
  rigid_expense: extra.rigid_expense ?? false,
})

const rows = [
  row('A', '在保', false, { subsidies_monthly: '180.00' }),
  row('B', '已受理', true),
  row('C', '公示中', false, { rigid_expense: true }),
  row('D', '在保', true),
  row('E', '未申请'),
  row('F', '已结束'),
]
const all = { special: '' as const, stage: '', overdueOnly: false }
const codes = (rs: { code: string }[]) => rs.map((r) => r.code)

describe('stagesPresent', () => {
  it('lists each stage once, in the order of the path', () => {
    expect(stagesPresent(rows)).toEqual(['未申请', '已受理', '公示中', '在保', '已结束'])
    expect(stagesPresent([])).toEqual([])
    expect(stagesPresent([{ stage: '' }, { stage: '别的' }, { stage: '在保' }])).toEqual(['在保', '别的'])
  })
})

describe('filterHouseholds', () => {
  it('lets everything through by default', () => {
    expect(codes(filterHouseholds(rows, all))).toEqual(['A', 'B', 'C', 'D', 'E', 'F'])
  })
  it('filters by stage and by 超时, together', () => {
    expect(codes(filterHouseholds(rows, { ...all, stage: '在保' }))).toEqual(['A', 'D'])
    expect(codes(filterHouseholds(rows, { ...all, overdueOnly: true }))).toEqual(['B', 'D'])
    expect(codes(filterHouseholds(rows, { ...all, stage: '在保', overdueOnly: true }))).toEqual(['D'])
  })
  it('keeps the 专项 filters', () => {
    expect(codes(filterHouseholds(rows, { ...all, special: 'subsidies' }))).toEqual(['A'])
    expect(codes(filterHouseholds(rows, { ...all, special: 'rigid' }))).toEqual(['C'])
    expect(codes(filterHouseholds(rows, { ...all, special: 'rigid', stage: '在保' }))).toEqual([])
  })
})
