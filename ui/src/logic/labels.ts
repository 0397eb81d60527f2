// Chinese labels for the codes of the household, casework and eval formats.
// The tables come from the Rust definitions (codes.generated.ts, written
// from src/codes.rs), so the app, the command and the printed dossier name
// every code the same way.

import { statuses } from './codes.generated'

export {
  abilities,
  approvalLevels,
  attachmentKinds,
  causes,
  checkItems,
  disabilityKinds,
  disqualifyingTags,
  eventKinds,
  expenseKinds,
  incomeKinds,
  relations,
  tempAidKinds,
} from './codes.generated'

/** The label of each eval status code. */
export const statusLabel: Record<string, string> = Object.fromEntries(statuses)

/** Suggested kinds of assistance measure (一户一策); free text is allowed too. */
export const measureKinds = ['低保', '特困供养', '临时救助', '医疗救助', '教育救助', '住房救助', '就业救助', '慈善', '结对帮扶', '残疾人两项补贴']

/** The label of a code in a list of pairs, or the code itself. */
export function label(pairs: [string, string][], code: string | null | undefined): string {
  if (!code) return ''
  const hit = pairs.find(([c]) => c === code)
  return hit ? hit[1] : code
}

/** What a reason rests on: the provision cited (《…》第…条) when the policy cites one, else its key. */
export function reasonBasis(r: { citation?: string | null; policy_key: string | null }): string {
  return r.citation?.trim() || r.policy_key || '规则'
}

/** 在保, in one line: program, amount, since, last review. */
export function enrollmentSummary(e: { program: string; since: string | null; monthly_amount: string; class: string | null; last_review: string | null } | null | undefined): string {
  if (!e) return '未在保'
  const program = e.program === 'dibao' || e.program === 'tekun' ? statusLabel[e.program] : e.program
  const parts = [program + (e.class ? `（${e.class}类）` : ''), `每月 ${e.monthly_amount} 元`]
  if (e.since) parts.push(`自 ${e.since} 起`)
  if (e.last_review) parts.push(`上次复核 ${e.last_review}`)
  return parts.join('，')
}
