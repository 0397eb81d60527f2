import { describe, expect, it } from 'vitest'
import { emptyMember, normalizeMember } from '../src/logic/forms'
import {
  capableChoice,
  emptySupporter,
  halfWidth,
  isAmount,
  normalizeSupporter,
  setCapableChoice,
  supporterHint,
  supporterProblems,
} from '../src/logic/supporters'
import type { Supporter } from '../src/types'

describe('normalizeSupporter', () => {
  it('drops empty fields, trims texts and amounts, and makes whole numbers numbers', () => {
    const typed: Supporter = {
      name: ' 桂大成 ',
      relation: '子女 ',
      age: ' 58',
      family_size: '3',
      family_annual_income: ' 12000.00 ',
      family_financial_assets: '',
    }
    expect(normalizeSupporter(typed)).toEqual({ name: '桂大成', relation: '子女', age: 58, family_size: 3, family_annual_income: '12000.00' })
    // Absent, not null or empty: the core reads absent as "not given".
    expect(JSON.stringify(normalizeSupporter({ ...emptySupporter(), age: null, family_annual_income: null }))).toBe('{"name":"","relation":""}')
  })
  it('reads digits typed with a Chinese input method', () => {
    expect(normalizeSupporter({ name: '甲', relation: '子女', age: '５８', family_annual_income: '１２０００．５' })).toMatchObject({ age: 58, family_annual_income: '12000.5' })
  })
  it('keeps text that is not a whole number as typed, for the core to name', () => {
    expect(normalizeSupporter({ name: '甲', relation: '子女', age: '七十' }).age).toBe('七十')
    expect(normalizeSupporter({ name: '甲', relation: '子女', family_size: '2.5' }).family_size).toBe('2.5')
  })
  it('keeps numbers loaded from the store', () => {
    expect(normalizeSupporter({ name: '甲', relation: '子女', age: 70, family_size: 1 })).toMatchObject({ age: 70, family_size: 1 })
  })
  it('keeps the reason only with a judgement', () => {
    expect(normalizeSupporter({ name: '甲', relation: '子女', capable: false, judgement_note: ' 重病卧床 ' })).toEqual({
      name: '甲',
      relation: '子女',
      capable: false,
      judgement_note: '重病卧床',
    })
    expect(normalizeSupporter({ name: '甲', relation: '子女', capable: true, judgement_note: '  ' })).toEqual({ name: '甲', relation: '子女', capable: true })
    expect(normalizeSupporter({ name: '甲', relation: '子女', judgement_note: '写了又改回按收入核定' })).toEqual({ name: '甲', relation: '子女' })
  })
})

describe('the capability choice', () => {
  it('maps figures to no key and a judgement to true/false', () => {
    const s: Supporter = emptySupporter()
    expect(capableChoice(s)).toBe('figures')
    setCapableChoice(s, 'not_capable')
    expect(s.capable).toBe(false)
    expect(capableChoice(s)).toBe('not_capable')
    setCapableChoice(s, 'capable')
    expect(s.capable).toBe(true)
    setCapableChoice(s, 'figures')
    expect('capable' in s).toBe(false)
  })
})

describe('a member saved with supporters', () => {
  it('not investigated is absent; investigated with none stays an empty list', () => {
    expect(JSON.stringify(normalizeMember({ ...emptyMember(), supporters: null }))).not.toContain('supporters')
    expect(normalizeMember({ ...emptyMember(), supporters: undefined }).supporters).toBeUndefined()
    expect(normalizeMember({ ...emptyMember(), supporters: [] }).supporters).toEqual([])
    expect(normalizeMember({ ...emptyMember(), supporters: [{ name: ' 甲 ', relation: '子女', age: '60' }] }).supporters).toEqual([{ name: '甲', relation: '子女', age: 60 }])
  })
})

describe('supporter problems and hints', () => {
  it('names the member and the row of each field the core cannot read', () => {
    const members = [
      { ...emptyMember('self'), name: '桂长寿', supporters: [{ name: '桂大成', relation: '子女', age: '五十八', family_size: '3', family_annual_income: '12,000' }] },
      { ...emptyMember(), name: '', supporters: [{ name: '', relation: '', family_financial_assets: '-5' }] },
    ]
    expect(supporterProblems(members)).toEqual([
      '第1名成员（桂长寿）的第1个义务人（桂大成）：年龄应为整数（周岁）',
      '第1名成员（桂长寿）的第1个义务人（桂大成）：家庭年收入应为金额，如 12000.00',
      '第2名成员的第1个义务人：家庭金融资产应为金额，如 20000.00',
    ])
    expect(supporterProblems([{ ...emptyMember(), supporters: [{ name: '甲', relation: '子女', age: 58, family_size: '3', family_annual_income: '12000' }] }])).toEqual([])
  })
  it('reminds, without blocking, of a missing name, reason or figures', () => {
    expect(supporterHint({ name: '', relation: '' })).toMatch(/姓名/)
    expect(supporterHint({ name: '甲', relation: '', capable: false })).toMatch(/认定理由/)
    expect(supporterHint({ name: '甲', relation: '', capable: false, judgement_note: '重病' })).toBe('')
    expect(supporterHint({ name: '甲', relation: '', family_size: '3' })).toMatch(/家庭年收入/)
    expect(supporterHint({ name: '甲', relation: '', family_size: 3, family_annual_income: '12000.00' })).toBe('')
  })
})

describe('amount text', () => {
  it('is the household format: digits, at most two decimals', () => {
    for (const ok of ['0', '800', '800.5', '800.00', '12000.00']) expect(isAmount(ok)).toBe(true)
    for (const bad of ['', '12,000', '1e3', '.5', '1.', '+5', '-5', '800.123', '五千']) expect(isAmount(bad)).toBe(false)
  })
  it('half-width conversion', () => {
    expect(halfWidth(' ８００．００ ')).toBe('800.00')
  })
})
