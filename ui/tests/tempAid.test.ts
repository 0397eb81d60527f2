import { describe, expect, it } from 'vitest'
import { draftFromRecord, emptyTempAidDraft, hoursToPayment, nowText, parseDateTime, paymentFromForm, recordFromDraft, showDateTime } from '../src/logic/tempAid'
import { approvalLevels, enrollmentSummary, label, reasonBasis, statusLabel, tempAidKinds } from '../src/logic/labels'
import type { TempAidRecord } from '../src/types'

describe('parseDateTime', () => {
  it('reads what a caseworker types as the command wants it', () => {
    expect(parseDateTime('2026-11-30 08:00')).toBe('2026-11-30T08:00:00')
    expect(parseDateTime(' 2026-11-30T8:05:09 ')).toBe('2026-11-30T08:05:09')
    expect(parseDateTime('２０２６-１１-３０ ２０：３０')).toBe('2026-11-30T20:30:00')
    expect(parseDateTime('2026/1/5 07:30')).toBe('2026-01-05T07:30:00')
  })
  it('is null when empty, undefined when not a real date and time', () => {
    expect(parseDateTime('  ')).toBeNull()
    for (const bad of ['2026-02-30 08:00', '2026-11-30 24:00', '2026-11-30 08:60', '2026-11-30', '昨天上午', '2026-11-3008:00']) {
      expect(parseDateTime(bad)).toBeUndefined()
    }
  })
})

describe('times shown and defaulted', () => {
  it('shows a datetime to the minute', () => {
    expect(showDateTime('2026-11-30T20:30:00')).toBe('2026-11-30 20:30')
    expect(showDateTime(null)).toBe('')
  })
  it('now, in local time', () => {
    expect(nowText(new Date(2026, 11, 1, 9, 5))).toBe('2026-12-01 09:05')
  })
})

describe('hoursToPayment', () => {
  it('counts whole hours from the report to the payment', () => {
    expect(hoursToPayment({ reported_at: '2026-11-20T08:00:00', paid_at: '2026-11-20T20:30:00' })).toBe(12)
    expect(hoursToPayment({ reported_at: '2026-11-30T22:00:00', paid_at: '2026-12-02T01:59:59' })).toBe(27)
  })
  it('is null unless both times are known', () => {
    expect(hoursToPayment({ reported_at: null, paid_at: '2026-11-20T20:30:00' })).toBeNull()
    expect(hoursToPayment({ reported_at: '2026-11-20T08:00:00', paid_at: null })).toBeNull()
  })
})

describe('the request form', () => {
  const draft = () => ({ ...emptyTempAidDraft('2026-11-30', '01900000-0000-7000-8000-000000000000'), kind: 'emergency' as const })
  it('makes an open record: trimmed, report time as the command reads it, no payment', () => {
    const { record, problems } = recordFromDraft({ ...draft(), cause: ' 房屋失火 ', requested: ' 800 ', reported_at: '2026-11-30 08:00', case_reason: '不是一事一议就不带' })
    expect(problems).toEqual([])
    expect(record).toEqual({
      id: '01900000-0000-7000-8000-000000000000',
      kind: 'emergency',
      cause: '房屋失火',
      event_date: '2026-11-30',
      reported_at: '2026-11-30T08:00:00',
      requested: '800',
      case_by_case: false,
      case_reason: '',
      granted: null,
      approval_level: null,
      paid_at: null,
    })
  })
  it('an unknown report time is null', () => {
    expect(recordFromDraft({ ...draft(), cause: '重病', requested: '3000' }).record?.reported_at).toBeNull()
  })
  it('lists every field the command could not read, and sends nothing', () => {
    const { record, problems } = recordFromDraft({ ...draft(), requested: '八百', reported_at: '昨天' })
    expect(record).toBeNull()
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/申请金额/)
    expect(problems[1]).toMatch(/报告时间/)
  })
  it('leaves the rules to the core: an empty cause is sent, and the core names it', () => {
    expect(recordFromDraft({ ...draft(), requested: '800' }).problems).toEqual([])
  })
  it('an open record comes back into the form as typed', () => {
    const r: TempAidRecord = { ...recordFromDraft({ ...draft(), cause: '房屋失火', requested: '800', reported_at: '2026-11-30 08:00' }).record! }
    expect(draftFromRecord(r)).toMatchObject({ cause: '房屋失火', requested: '800', reported_at: '2026-11-30 08:00', kind: 'emergency' })
  })
})

describe('the payment form', () => {
  it('gives the amount and the time as pay_temp_aid takes them', () => {
    expect(paymentFromForm(' 800.00 ', '2026-11-30 20:30')).toEqual({ granted: '800.00', paidAt: '2026-11-30 20:30' })
    expect(paymentFromForm('800', '2026-11-30T8:30:00')).toEqual({ granted: '800', paidAt: '2026-11-30 08:30' })
  })
  it('a payment needs a time', () => {
    expect(paymentFromForm('800', '')).toEqual({ problems: ['发放时间应为“年-月-日 时:分”，如 2026-12-01 14:30'] })
    expect('problems' in paymentFromForm('8,00', '2026-11-30 20:30')).toBe(true)
  })
})

describe('labels of v2', () => {
  it('names the new status, kinds and approval levels in Chinese', () => {
    expect(statusLabel.orphan).toBe('孤儿')
    expect(label(tempAidKinds, 'emergency')).toBe('急难型')
    expect(label(approvalLevels, 'prepay')).toMatch(/^先行救助/)
  })
  it('a reason rests on its citation when there is one, else on its key', () => {
    const key = 'tekun.basic_multiplier'
    expect(reasonBasis({ policy_key: key, citation: '《示例县特困人员救助供养实施办法》第十二条' })).toBe('《示例县特困人员救助供养实施办法》第十二条')
    expect(reasonBasis({ policy_key: key, citation: null })).toBe(key)
    expect(reasonBasis({ policy_key: key })).toBe(key)
    expect(reasonBasis({ policy_key: null, citation: null })).toBe('规则')
  })
  it('在保 in one line', () => {
    expect(enrollmentSummary(null)).toBe('未在保')
    expect(enrollmentSummary({ program: 'tekun', since: '2026-12-01', monthly_amount: '1580.00', class: null, last_review: '2026-12-01' })).toBe(
      '特困，每月 1580.00 元，自 2026-12-01 起，上次复核 2026-12-01',
    )
    expect(enrollmentSummary({ program: 'dibao', since: null, monthly_amount: '520', class: 'A', last_review: null })).toBe('低保（A类），每月 520 元')
  })
})
