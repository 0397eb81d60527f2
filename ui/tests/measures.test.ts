import { describe, expect, it } from 'vitest'
import { draftFromMeasure, emptyMeasureDraft, measureFromDraft, measureStatusLabel, measureStatuses, referralText } from '../src/logic/measures'
import type { Measure } from '../src/types'

const saved: Measure = {
  id: 'm-1',
  kind: '医疗救助',
  description: '落实大病保险',
  responsible: '方晓燕',
  due: '2027-03-01',
  status: 'in_progress',
  outcome: '',
  referral: { department: '县医疗保障局', sent: '2027-01-05', reply: '', replied: null },
}

describe('measure statuses', () => {
  it('are the four the core knows, in Chinese', () => {
    expect(measureStatuses.map(([c]) => c)).toEqual(['planned', 'in_progress', 'done', 'not_done'])
    expect(measureStatuses.map(([, l]) => l)).toEqual(['计划中', '进行中', '已完成', '未落实'])
    expect(measureStatusLabel('not_done')).toBe('未落实')
    expect(measureStatusLabel('odd')).toBe('odd')
  })
})

describe('measureFromDraft', () => {
  it('makes a new measure: trimmed, no due date, no referral', () => {
    const d = { ...emptyMeasureDraft('方晓燕', 'id-1'), description: ' 每月走访 ' }
    expect(measureFromDraft(d)).toEqual({
      measure: { id: 'id-1', kind: '结对帮扶', description: '每月走访', responsible: '方晓燕', due: null, status: 'planned', outcome: '', referral: null },
      problems: [],
    })
  })
  it('asks for the responsible person', () => {
    expect(measureFromDraft(emptyMeasureDraft('', 'id-1')).problems).toEqual(['请填写责任人'])
  })
  it('takes a referral with its department and date; no reply yet is null', () => {
    const d = { ...emptyMeasureDraft('方晓燕', 'id-2'), referred: true, department: ' 县教育局 ', sent: '2027-01-05' }
    expect(measureFromDraft(d).measure?.referral).toEqual({ department: '县教育局', sent: '2027-01-05', reply: '', replied: null })
    expect(measureFromDraft({ ...d, department: '', sent: '' }).problems).toEqual(['请填写转介的部门', '请填写转介日期（年-月-日）'])
  })
  it('needs the outcome of a measure not carried out', () => {
    const d = { ...draftFromMeasure(saved), status: 'not_done' as const }
    expect(measureFromDraft(d).problems).toEqual(['未落实的措施须写明结果（未落实的原因）'])
    const m = measureFromDraft({ ...d, outcome: ' 本人拒绝 ' }).measure
    expect(m?.status).toBe('not_done')
    expect(m?.outcome).toBe('本人拒绝')
  })
  it('records the reply, not before the referral was sent', () => {
    const d = draftFromMeasure(saved)
    expect(measureFromDraft({ ...d, reply: '已纳入', replied: '2027-01-04' }).problems).toEqual(['答复日期不能早于转介日期'])
    expect(measureFromDraft({ ...d, reply: '已纳入', replied: '' }).problems).toEqual(['有答复内容时请填写答复日期'])
    expect(measureFromDraft({ ...d, replied: '2027-02-30' }).problems).toEqual(['答复日期不是有效的日期（年-月-日）'])
    const m = measureFromDraft({ ...d, reply: ' 已纳入医疗救助 ', replied: '2027-01-20', status: 'done' }).measure
    expect(m).toEqual({ ...saved, status: 'done', referral: { department: '县医疗保障局', sent: '2027-01-05', reply: '已纳入医疗救助', replied: '2027-01-20' } })
  })
  it('takes a cleared date picker (null) as no date', () => {
    const d = { ...draftFromMeasure(saved), due: null as unknown as string }
    expect(measureFromDraft(d).measure?.due).toBeNull()
  })
  it('round-trips a saved measure unchanged', () => {
    expect(measureFromDraft(draftFromMeasure(saved)).measure).toEqual({ ...saved, referral: { ...saved.referral!, reply: '' } })
    const plain: Measure = { id: 'm-2', kind: '结对帮扶', description: '', responsible: '洪卫东', due: null, status: 'done' }
    expect(measureFromDraft(draftFromMeasure(plain)).measure).toEqual({ ...plain, outcome: '', referral: null })
  })
})

describe('referralText', () => {
  it('says where it went and the reply, or that none came yet', () => {
    expect(referralText(null)).toBe('')
    expect(referralText(saved.referral)).toBe('2027-01-05 转介县医疗保障局，待答复')
    expect(referralText({ department: '县教育局', sent: '2027-01-05', reply: '已资助', replied: '2027-01-10' })).toBe('2027-01-05 转介县教育局，2027-01-10 答复：已资助')
  })
})
