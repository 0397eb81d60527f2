import { describe, expect, it } from 'vitest'
import {
  buildData,
  checkFindings,
  describeStep,
  eventFromForm,
  exitReasons,
  fieldOptions,
  initialValues,
  noteFor,
  openObjections,
  reviewOutcomes,
  reviewResults,
  shownFields,
  stepFields,
  stepLabel,
} from '../src/logic/caseSteps'
import type { CaseEvent } from '../src/types'

const ev = (id: string, kind: string, date: string, note = '', data?: Record<string, unknown>): CaseEvent => ({ id, kind, date, actor: '方晓燕', note, data })
const keys = (kind: string, values: Record<string, string> = {}) => shownFields(kind, values).map((f) => f.key)

describe('the code tables', () => {
  it('name the codes the core checks', () => {
    expect(checkFindings.map(([c]) => c)).toEqual(['nothing', 'income', 'assets', 'both'])
    expect(reviewResults.map(([c]) => c)).toEqual(['agree', 'disagree', 'hardship'])
    expect(reviewOutcomes.map(([c]) => c)).toEqual(['same', 'increase', 'decrease', 'stop'])
    expect(exitReasons.map(([c]) => c)).toEqual(['income', 'death', 'moved', 'voluntary'])
  })
  it('names every step in Chinese', () => {
    expect(stepLabel('check_reply')).toBe('信息核对结果')
    expect(stepLabel('objection_settled')).toBe('异议处理')
    expect(stepLabel('exception')).toBe('容错纠错')
  })
})

describe('the fields of each step', () => {
  it('are only those the step needs', () => {
    expect(keys('application')).toEqual([])
    expect(keys('investigation')).toEqual([])
    expect(keys('notice_end')).toEqual([])
    expect(keys('check_reply')).toEqual(['finding'])
    expect(keys('democratic_review')).toEqual(['result', 'participants'])
    expect(keys('objection')).toEqual(['by'])
    expect(keys('objection_settled')).toEqual(['objection'])
    expect(keys('review')).toEqual(['outcome'])
    expect(keys('exception')).toEqual(['recorded', 'approved_by'])
  })
  it('ask for the months paid on only for a voluntary exit', () => {
    expect(keys('termination')).toEqual(['reason'])
    expect(keys('termination', { reason: 'death' })).toEqual(['reason'])
    expect(keys('termination', { reason: 'voluntary' })).toEqual(['reason', 'paid_months'])
    expect(stepFields('termination').map((f) => f.key)).toEqual(['reason', 'paid_months'])
  })
  it('say which steps need a note, and what it is', () => {
    expect(noteFor('objection')).toMatchObject({ label: '异议内容', required: true })
    expect(noteFor('objection_settled')).toMatchObject({ label: '处理结果', required: true })
    expect(noteFor('refusal').required).toBe(true)
    expect(noteFor('extension').required).toBe(true)
    expect(noteFor('exception').required).toBe(true)
    expect(noteFor('investigation').required).toBe(false)
  })
})

describe('buildData', () => {
  it('makes the participants a number', () => {
    expect(buildData('democratic_review', { result: 'agree', participants: ' 9 ' })).toEqual({ result: 'agree', participants: 9 })
  })
  it('leaves out what is empty or not a whole number, so the core says what is missing', () => {
    expect(buildData('democratic_review', { result: 'agree', participants: '九' })).toEqual({ result: 'agree' })
    expect(buildData('democratic_review', { result: '', participants: '' })).toEqual({})
  })
  it('keeps only the fields the step shows', () => {
    expect(buildData('termination', { reason: 'death', paid_months: '2' })).toEqual({ reason: 'death' })
    expect(buildData('termination', { reason: 'voluntary', paid_months: '2' })).toEqual({ reason: 'voluntary', paid_months: 2 })
    expect(buildData('check_reply', { finding: 'nothing', by: '某人' })).toEqual({ finding: 'nothing' })
    expect(buildData('investigation', { finding: 'nothing' })).toEqual({})
  })
  it('trims text', () => {
    expect(buildData('objection', { by: ' 本组村民李某 ' })).toEqual({ by: '本组村民李某' })
    expect(buildData('exception', { recorded: 'dibao', approved_by: ' 王局长 ' })).toEqual({ recorded: 'dibao', approved_by: '王局长' })
  })
})

describe('eventFromForm', () => {
  it('is the step add_event takes', () => {
    const e = eventFromForm({ kind: 'objection', date: '2026-11-10', actor: ' 方晓燕 ', note: ' 家中有轿车 ', values: { by: '李某' } }, 'id-1')
    expect(e).toEqual({ id: 'id-1', kind: 'objection', date: '2026-11-10', actor: '方晓燕', note: '家中有轿车', data: { by: '李某' } })
  })
  it('has a fresh record id', () => {
    const form = { kind: 'investigation', date: '2026-11-10', actor: '', note: '', values: {} }
    expect(eventFromForm(form).id).not.toBe(eventFromForm(form).id)
  })
})

describe('objections', () => {
  const events = [
    ev('a1', 'application', '2026-10-01'),
    ev('o1', 'objection', '2026-10-10', '家中有轿车', { by: '李某' }),
    ev('s1', 'objection_settled', '2026-10-12', '经核实为租用', { objection: 'o1' }),
    ev('o2', 'objection', '2026-10-13', '常年在外务工', { by: '张某' }),
  ]
  it('the open ones are those of the application in hand not settled', () => {
    expect(openObjections(events).map((e) => e.id)).toEqual(['o2'])
    const later = [...events, ev('a2', 'application', '2026-12-01')]
    expect(openObjections(later)).toEqual([])
  })
  it('the settling step offers them, and starts on the only one', () => {
    const field = stepFields('objection_settled')[0]
    expect(fieldOptions(field, events)).toEqual([['o2', '2026-10-13 张某：常年在外务工']])
    expect(initialValues('objection_settled', events)).toEqual({ objection: 'o2' })
    expect(initialValues('objection_settled', events.slice(0, 3))).toEqual({})
    expect(initialValues('review', events)).toEqual({})
  })
  it('the timeline says who objected, what, and whether it was settled', () => {
    expect(describeStep(events[1], events)).toEqual(['异议：李某提出，家中有轿车', '已处理（2026-10-12）：经核实为租用'])
    expect(describeStep(events[3], events)).toEqual(['异议：张某提出，常年在外务工', '未处理'])
    expect(describeStep(events[2], events)).toEqual(['处理异议（2026-10-10 李某提出）：经核实为租用'])
  })
})

describe('describeStep', () => {
  it('says what each step recorded in Chinese', () => {
    expect(describeStep(ev('1', 'check_reply', '2026-10-05', '', { finding: 'nothing' }))).toEqual(['核对结果：未发现收入或财产'])
    expect(describeStep(ev('2', 'democratic_review', '2026-10-06', '', { result: 'agree', participants: 9 }))).toEqual(['评议：同意，9人参加'])
    expect(describeStep(ev('3', 'review', '2027-01-06', '收入增加', { outcome: 'decrease' }))).toEqual(['复核：减发', '收入增加'])
    expect(describeStep(ev('4', 'termination', '2027-03-01', '', { reason: 'voluntary', paid_months: 2 }))).toEqual(['终止：主动退出，继续发放2个月'])
    expect(describeStep(ev('5', 'termination', '2027-03-01', '', { reason: 'death' }))).toEqual(['终止：死亡'])
    expect(describeStep(ev('6', 'refusal', '2026-10-20', '家庭财产超标'))).toEqual(['理由：家庭财产超标'])
    expect(describeStep(ev('7', 'exception', '2027-01-20', '因病返贫，经集体研究', { recorded: 'dibao', approved_by: '王局长' }))).toEqual([
      '认定为：低保，批准人：王局长',
      '理由：因病返贫，经集体研究',
    ])
    expect(describeStep(ev('7b', 'exception', '2027-01-20', '因病返贫', { computed: 'marginal', recorded: 'dibao', approved_by: '王局长' }))).toEqual([
      '计算结论：低保边缘',
      '认定为：低保，批准人：王局长',
      '理由：因病返贫',
    ])
    expect(describeStep(ev('8', 'investigation', '2026-10-02', '两人入户'))).toEqual(['两人入户'])
    expect(describeStep(ev('9', 'notice_start', '2026-10-07'))).toEqual([])
  })
  it('reads steps recorded before data was asked for', () => {
    expect(describeStep(ev('1', 'democratic_review', '2025-10-06', '同意，7人参加'))).toEqual(['同意，7人参加'])
    expect(describeStep(ev('2', 'termination', '2025-10-06', '迁往县城'))).toEqual(['迁往县城'])
  })
})

describe('the 特困 confirmation', () => {
  it('asks the carer and the agreement only for 分散供养', async () => {
    const { shownFields, buildData, describeStep } = await import('../src/logic/caseSteps')
    expect(shownFields('county_confirmation', {}).map((f) => f.key)).toEqual(['support_mode'])
    expect(shownFields('county_confirmation', { support_mode: 'dispersed' }).map((f) => f.key)).toEqual(['support_mode', 'carer', 'agreement_date'])
    expect(buildData('county_confirmation', { support_mode: 'centralized', carer: '不该出现' })).toEqual({ support_mode: 'centralized' })
    const e = { id: '1', kind: 'county_confirmation', date: '2026-12-01', actor: '', note: '', data: { support_mode: 'dispersed', carer: '张三', agreement_date: '2026-11-30' } }
    expect(describeStep(e)).toEqual(['分散供养，照料人：张三，委托照料协议 2026-11-30'])
  })
})
