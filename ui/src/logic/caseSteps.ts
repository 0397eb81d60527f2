// The steps of the 办理流程 as the tab shows and records them: the Chinese
// names of the codes a step's `data` carries, the fields each step needs,
// the `data` object built from the form, and each recorded step in words.
// Which step may follow which is the core's business (case_status, add_event):
// nothing here decides it.

import type { CaseEvent } from '../types'
import { eventKinds, label, statusLabel } from './labels'
import { statuses } from './codes.generated'
import { uuidv7 } from './forms'

type Pairs = [string, string][]

/** `finding` of 信息核对结果 (lifecycle::CHECK_FINDINGS). */
export const checkFindings: Pairs = [
  ['nothing', '未发现收入或财产'],
  ['income', '发现收入'],
  ['assets', '发现财产'],
  ['both', '发现收入和财产'],
]

/** `result` of 民主评议 (lifecycle::REVIEW_RESULTS). */
export const reviewResults: Pairs = [
  ['agree', '同意'],
  ['disagree', '不同意'],
  ['hardship', '确有困难'],
]

/** `outcome` of 复核 (lifecycle::REVIEW_OUTCOMES). */
export const reviewOutcomes: Pairs = [
  ['same', '维持'],
  ['increase', '增发'],
  ['decrease', '减发'],
  ['stop', '停发'],
]

/** `reason` of 终止 (lifecycle::EXIT_REASONS). */
export const exitReasons: Pairs = [
  ['income', '收入超标'],
  ['death', '死亡'],
  ['moved', '迁出'],
  ['voluntary', '主动退出'],
]

/** `support_mode` of a 特困 confirmation (供养方式). */
export const supportModes: Pairs = [
  ['centralized', '集中供养'],
  ['dispersed', '分散供养'],
]

/** How a field is typed: a choice of codes, a whole number, free text, or one of the open 公示异议. */
export type FieldKind = 'select' | 'integer' | 'text' | 'objection'

export interface StepField {
  /** The key in the step's `data`. */
  key: string
  label: string
  kind: FieldKind
  /** The codes of a select, with their labels. */
  options?: Pairs
  /** A select that also takes a value typed in (容错纠错's recorded outcome). */
  allowCreate?: boolean
  placeholder?: string
  /** Shown (and put in `data`) only when this holds for the values typed. */
  when?: (values: Record<string, string>) => boolean
}

const FIELDS: Record<string, StepField[]> = {
  check_reply: [{ key: 'finding', label: '核对结果', kind: 'select', options: checkFindings }],
  democratic_review: [
    { key: 'result', label: '评议结果', kind: 'select', options: reviewResults },
    { key: 'participants', label: '参加人数', kind: 'integer', placeholder: '人' },
  ],
  objection: [{ key: 'by', label: '提出人', kind: 'text', placeholder: '谁提出的异议，如 本组村民李某' }],
  objection_settled: [{ key: 'objection', label: '处理的异议', kind: 'objection' }],
  review: [{ key: 'outcome', label: '复核结果', kind: 'select', options: reviewOutcomes }],
  // 特困 only: the core asks for it when the confirmed decision is 特困.
  county_confirmation: [
    { key: 'support_mode', label: '供养方式（特困）', kind: 'select', options: supportModes },
    { key: 'carer', label: '照料人', kind: 'text', when: (v) => v.support_mode === 'dispersed' },
    { key: 'agreement_date', label: '委托照料协议日期', kind: 'text', placeholder: 'YYYY-MM-DD', when: (v) => v.support_mode === 'dispersed' },
  ],
  termination: [
    { key: 'reason', label: '终止原因', kind: 'select', options: exitReasons },
    { key: 'paid_months', label: '继续发放月数', kind: 'integer', placeholder: '1 到 3', when: (v) => v.reason === 'voluntary' },
  ],
  exception: [
    { key: 'recorded', label: '认定结论', kind: 'select', options: statuses.filter(([c]) => c !== 'invalid'), allowCreate: true },
    { key: 'approved_by', label: '批准人', kind: 'text' },
  ],
}

/** Every field a step may need, in form order (some only `when` others say so). */
export function stepFields(kind: string): StepField[] {
  return FIELDS[kind] ?? []
}

/** The fields to show for the values typed so far. */
export function shownFields(kind: string, values: Record<string, string>): StepField[] {
  return stepFields(kind).filter((f) => !f.when || f.when(values))
}

/** What the note says for a step: its label, and whether the core asks for it. */
export function noteFor(kind: string): { label: string; placeholder: string; required: boolean } {
  switch (kind) {
    case 'objection':
      return { label: '异议内容', placeholder: '异议的具体内容', required: true }
    case 'objection_settled':
      return { label: '处理结果', placeholder: '如 经核实异议不成立，已答复提出人', required: true }
    case 'refusal':
      return { label: '不予认定理由', placeholder: '理由（必填）', required: true }
    case 'extension':
      return { label: '延长理由', placeholder: '理由（必填）', required: true }
    case 'exception':
      return { label: '理由', placeholder: '为何与计算结论不同（必填）', required: true }
    default:
      return { label: '情况说明', placeholder: '选填', required: false }
  }
}

/**
 * The `data` of a step from the values typed: only the fields the step
 * shows, text trimmed, whole numbers as numbers. A field left empty (or a
 * number that is not a whole number) is left out, and the core says what
 * is missing.
 */
export function buildData(kind: string, values: Record<string, string>): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const f of shownFields(kind, values)) {
    const text = (values[f.key] ?? '').trim()
    if (text === '') continue
    if (f.kind === 'integer') {
      if (/^\d+$/.test(text)) data[f.key] = Number(text)
    } else {
      data[f.key] = text
    }
  }
  return data
}

/** The step form as typed. */
export interface StepForm {
  kind: string
  date: string
  actor: string
  note: string
  values: Record<string, string>
}

/** The step to send to add_event, with a new record id. */
export function eventFromForm(form: StepForm, id: string = uuidv7()): CaseEvent {
  return {
    id,
    kind: form.kind,
    date: form.date,
    actor: form.actor.trim(),
    note: form.note.trim(),
    data: buildData(form.kind, form.values),
  }
}

/** The values a step's form starts with: the open objection when there is just one. */
export function initialValues(kind: string, events: CaseEvent[]): Record<string, string> {
  const values: Record<string, string> = {}
  if (kind === 'objection_settled') {
    const open = openObjections(events)
    if (open.length === 1) values.objection = open[0].id
  }
  return values
}

const text = (e: CaseEvent, key: string): string => {
  const v = e.data?.[key]
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
}

/** The 异议处理 step that settled an objection, if any. */
export function settlementOf(objection: CaseEvent, events: CaseEvent[]): CaseEvent | undefined {
  return events.find((e) => e.kind === 'objection_settled' && text(e, 'objection') === objection.id)
}

/** The 公示异议 of the application in hand not settled yet. */
export function openObjections(events: CaseEvent[]): CaseEvent[] {
  let start = 0
  events.forEach((e, i) => {
    if (e.kind === 'application') start = i
  })
  const cycle = events.slice(start)
  return cycle.filter((e) => e.kind === 'objection' && !settlementOf(e, cycle))
}

/** An objection in one line, for the select of 异议处理 and the timeline. */
export function objectionLabel(e: CaseEvent): string {
  const by = text(e, 'by')
  return `${e.date} ${by ? by + '：' : ''}${e.note}`
}

/** The choices of a field: its codes, or the open objections. */
export function fieldOptions(f: StepField, events: CaseEvent[]): Pairs {
  if (f.kind === 'objection') return openObjections(events).map((e) => [e.id, objectionLabel(e)])
  return f.options ?? []
}

/** The Chinese name of a step's code. */
export function stepLabel(kind: string): string {
  return label(eventKinds, kind)
}

/**
 * A recorded step in words, one line each: what its data says in Chinese
 * (核对结果：未发现收入或财产; 评议：同意，9人参加; 复核：减发 …) and its note.
 * A step recorded before its data was asked for shows just its note.
 */
export function describeStep(e: CaseEvent, events: CaseEvent[] = []): string[] {
  const note = e.note.trim()
  const lines: string[] = []
  const withNote = (prefix: string) => {
    if (note) lines.push(`${prefix}：${note}`)
  }
  switch (e.kind) {
    case 'check_reply':
      if (text(e, 'finding')) lines.push(`核对结果：${label(checkFindings, text(e, 'finding'))}`)
      break
    case 'democratic_review': {
      const n = text(e, 'participants')
      if (text(e, 'result')) lines.push(`评议：${label(reviewResults, text(e, 'result'))}${n ? `，${n}人参加` : ''}`)
      break
    }
    case 'objection': {
      const by = text(e, 'by')
      lines.push(`异议：${by ? by + '提出，' : ''}${note}`)
      const settled = settlementOf(e, events)
      lines.push(settled ? `已处理（${settled.date}）：${settled.note.trim()}` : '未处理')
      return lines
    }
    case 'objection_settled': {
      const which = events.find((o) => o.id === text(e, 'objection'))
      lines.push(`处理异议${which ? `（${which.date} ${text(which, 'by')}提出）` : ''}：${note}`)
      return lines
    }
    case 'review':
      if (text(e, 'outcome')) lines.push(`复核：${label(reviewOutcomes, text(e, 'outcome'))}`)
      break
    case 'county_confirmation': {
      const mode = text(e, 'support_mode')
      if (mode) {
        const carer = text(e, 'carer')
        const agreed = text(e, 'agreement_date')
        lines.push(`${label(supportModes, mode)}${carer ? `，照料人：${carer}` : ''}${agreed ? `，委托照料协议 ${agreed}` : ''}`)
      }
      break
    }
    case 'termination': {
      const reason = text(e, 'reason')
      const months = text(e, 'paid_months')
      if (reason) lines.push(`终止：${label(exitReasons, reason)}${reason === 'voluntary' && months ? `，继续发放${months}个月` : ''}`)
      break
    }
    case 'exception': {
      const recorded = text(e, 'recorded')
      const approver = text(e, 'approved_by')
      // The core keeps the outcome the rules computed beside the one recorded.
      const computed = text(e, 'computed')
      if (computed) lines.push(`计算结论：${statusLabel[computed] ?? computed}`)
      if (recorded || approver) lines.push(`认定为：${statusLabel[recorded] ?? (recorded || '未写明')}${approver ? `，批准人：${approver}` : ''}`)
      withNote('理由')
      return lines
    }
    case 'refusal':
    case 'extension':
      withNote('理由')
      return lines
  }
  if (note) lines.push(note)
  return lines
}
