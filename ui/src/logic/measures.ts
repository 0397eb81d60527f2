// 帮扶措施 (一户一策): the status labels, the edit form of a measure (status,
// outcome, referral and its reply) and the measure add_measure takes from it.
// The rules themselves (未落实 needs the outcome, the reply not before the
// referral) are the core's; the checks here only name the field before a
// round trip, with the same words.

import type { Measure, MeasureStatus } from '../types'
import { uuidv7 } from './forms'

/** The four statuses of a measure, with their labels. */
export const measureStatuses: [MeasureStatus, string][] = [
  ['planned', '计划中'],
  ['in_progress', '进行中'],
  ['done', '已完成'],
  ['not_done', '未落实'],
]

/** The label of a status, or the code itself. */
export function measureStatusLabel(status: string): string {
  return measureStatuses.find(([c]) => c === status)?.[1] ?? status
}

/** A measure as its form holds it: every text a string, dates '' when not set. */
export interface MeasureDraft {
  id: string
  kind: string
  description: string
  responsible: string
  due: string
  status: MeasureStatus
  outcome: string
  /** A referral to another department (转介). */
  referred: boolean
  department: string
  sent: string
  reply: string
  replied: string
}

/** A new measure's form, responsible by default the caseworker. */
export function emptyMeasureDraft(responsible = '', id: string = uuidv7()): MeasureDraft {
  return {
    id,
    kind: '结对帮扶',
    description: '',
    responsible,
    due: '',
    status: 'planned',
    outcome: '',
    referred: false,
    department: '',
    sent: '',
    reply: '',
    replied: '',
  }
}

/** The form of a saved (or suggested) measure, to change it. */
export function draftFromMeasure(m: Measure): MeasureDraft {
  const r = m.referral
  return {
    id: m.id,
    kind: m.kind,
    description: m.description,
    responsible: m.responsible,
    due: m.due ?? '',
    status: m.status,
    outcome: m.outcome ?? '',
    referred: !!r,
    department: r?.department ?? '',
    sent: r?.sent ?? '',
    reply: r?.reply ?? '',
    replied: r?.replied ?? '',
  }
}

const isDate = (t: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return false
  const d = new Date(`${t}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === t
}

/**
 * The measure to save from its form, or what is wrong with the form: text
 * trimmed, dates null when empty, the referral only when there is one.
 */
export function measureFromDraft(d: MeasureDraft): { measure: Measure | null; problems: string[] } {
  const problems: string[] = []
  // A cleared date picker gives null.
  const t = (s: string | null | undefined) => (s ?? '').trim()
  if (!t(d.kind)) problems.push('请填写措施类别')
  if (!t(d.responsible)) problems.push('请填写责任人')
  if (t(d.due) && !isDate(t(d.due))) problems.push('时限不是有效的日期（年-月-日）')
  if (d.status === 'not_done' && !t(d.outcome)) problems.push('未落实的措施须写明结果（未落实的原因）')
  let referral: Measure['referral'] = null
  if (d.referred) {
    if (!t(d.department)) problems.push('请填写转介的部门')
    if (!isDate(t(d.sent))) problems.push('请填写转介日期（年-月-日）')
    const replied = t(d.replied)
    if (replied && !isDate(replied)) problems.push('答复日期不是有效的日期（年-月-日）')
    else if (replied && isDate(t(d.sent)) && replied < t(d.sent)) problems.push('答复日期不能早于转介日期')
    if (t(d.reply) && !replied) problems.push('有答复内容时请填写答复日期')
    referral = { department: t(d.department), sent: t(d.sent), reply: t(d.reply), replied: replied || null }
  }
  if (problems.length) return { measure: null, problems }
  const measure: Measure = {
    id: d.id,
    kind: t(d.kind),
    description: t(d.description),
    responsible: t(d.responsible),
    due: t(d.due) || null,
    status: d.status,
    outcome: t(d.outcome),
    referral,
  }
  return { measure, problems }
}

/** A referral in one line: sent, department, and the reply or 待答复. */
export function referralText(r: Measure['referral']): string {
  if (!r) return ''
  const answer = r.replied ? `${r.replied} 答复：${r.reply || '（无内容）'}` : '待答复'
  return `${r.sent} 转介${r.department}，${answer}`
}
