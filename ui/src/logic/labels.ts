// Chinese labels for the codes of the household, casework and eval formats.
// The tables come from the Rust definitions (codes.generated.ts, written
// from src/codes.rs), so the app, the command and the printed dossier name
// every code the same way.

import { statuses } from './codes.generated'

export {
  abilities,
  attachmentKinds,
  causes,
  checkItems,
  disabilityKinds,
  disqualifyingTags,
  eventKinds,
  expenseKinds,
  incomeKinds,
  relations,
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
