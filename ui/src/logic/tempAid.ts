// Pure helpers for the 临时救助 register: the request form, the times the
// commands take and give, and the hours from report to payment. What may be
// granted, and who approves it, is decided by the Rust core.
import type { TempAidKind, TempAidRecord } from '../types'
import { uuidv7 } from './forms'
import { halfWidth, isAmount } from './supporters'

/** The request form: the report time is typed as text ("2026-12-01 08:30"). */
export interface TempAidDraft {
  id: string
  kind: TempAidKind
  cause: string
  event_date: string
  reported_at: string
  requested: string
  case_by_case: boolean
  case_reason: string
}

export function emptyTempAidDraft(today: string, id: string = uuidv7()): TempAidDraft {
  return { id, kind: 'expenditure', cause: '', event_date: today, reported_at: '', requested: '', case_by_case: false, case_reason: '' }
}

/** An open request back in the form, to correct it. */
export function draftFromRecord(r: TempAidRecord): TempAidDraft {
  return {
    id: r.id,
    kind: r.kind,
    cause: r.cause,
    event_date: r.event_date,
    reported_at: r.reported_at ? showDateTime(r.reported_at) : '',
    requested: r.requested,
    case_by_case: r.case_by_case,
    case_reason: r.case_reason,
  }
}

const pad = (n: number) => String(n).padStart(2, '0')

/**
 * A typed date and time ("2026-12-01 08:30", "2026-12-01T8:30", with or
 * without seconds, full-width digits or colon allowed) as
 * `YYYY-MM-DDTHH:MM:SS`; `null` when nothing was typed; `undefined` when it
 * is not a real date and time.
 */
export function parseDateTime(text: string): string | null | undefined {
  const t = halfWidth(text).replace(/：/g, ':')
  if (t === '') return null
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number)
  const day = new Date(Date.UTC(y, mo - 1, d))
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined
  if (h > 23 || mi > 59 || s > 59) return undefined
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`
}

/** A datetime from the core (`YYYY-MM-DDTHH:MM:SS`) as people read it: `YYYY-MM-DD HH:MM`. */
export function showDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  return iso.replace('T', ' ').slice(0, 16)
}

/** Now, in local time, as `YYYY-MM-DD HH:MM` (the payment form's default). */
export function nowText(d: Date = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function epochSeconds(iso: string): number {
  const [date, time] = iso.split('T')
  const [y, mo, d] = date.split('-').map(Number)
  const [h, mi, s] = (time ?? '00:00:00').split(':').map(Number)
  return Date.UTC(y, mo - 1, d, h, mi, s || 0) / 1000
}

/** Whole hours from the report to the payment (as the 审批表 counts them), or null when either is unknown. */
export function hoursToPayment(r: Pick<TempAidRecord, 'reported_at' | 'paid_at'>): number | null {
  if (!r.reported_at || !r.paid_at) return null
  return Math.trunc((epochSeconds(r.paid_at) - epochSeconds(r.reported_at)) / 3600)
}

/**
 * The request to save, or the problems that stop it being sent (each in
 * Chinese). Only what the command could not read is checked here; the core
 * checks the rest (事由, 一事一议理由, amounts above 0, the order of dates)
 * and names its problems in the same way.
 */
export function recordFromDraft(d: TempAidDraft): { record: TempAidRecord | null; problems: string[] } {
  const problems: string[] = []
  const requested = halfWidth(d.requested)
  if (!isAmount(requested)) problems.push('申请金额应为金额（元），如 800 或 800.00')
  const reported = parseDateTime(d.reported_at)
  if (reported === undefined) problems.push('报告时间应为“年-月-日 时:分”，如 2026-12-01 08:30；不清楚可不填')
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.event_date ?? '')) problems.push('请选择事件发生日期')
  if (problems.length) return { record: null, problems }
  return {
    record: {
      id: d.id,
      kind: d.kind,
      cause: d.cause.trim(),
      event_date: d.event_date,
      reported_at: reported ?? null,
      requested,
      case_by_case: d.case_by_case,
      case_reason: d.case_by_case ? d.case_reason.trim() : '',
      granted: null,
      approval_level: null,
      paid_at: null,
    },
    problems,
  }
}

/**
 * The payment as `pay_temp_aid` takes it (granted amount, `YYYY-MM-DD HH:MM`),
 * or the problems with what was typed.
 */
export function paymentFromForm(granted: string, paidAt: string): { granted: string; paidAt: string } | { problems: string[] } {
  const problems: string[] = []
  const amount = halfWidth(granted)
  if (!isAmount(amount)) problems.push('核定金额应为金额（元），如 800.00')
  const at = parseDateTime(paidAt)
  if (!at) problems.push('发放时间应为“年-月-日 时:分”，如 2026-12-01 14:30')
  if (problems.length || !at) return { problems }
  return { granted: amount, paidAt: showDateTime(at) }
}
