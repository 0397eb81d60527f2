// Pure helpers for the supporter rows (法定赡养、抚养、扶养义务人) of the
// household form: the capability choice, and what is sent when saving.
// Whether a supporter is capable is decided by the Rust core, not here.
import type { Member, Supporter } from '../types'

/** How capability is settled: by the family's figures, or judged by the caseworker. */
export type CapableChoice = 'figures' | 'capable' | 'not_capable'

export const capableChoices: [CapableChoice, string][] = [
  ['figures', '按家庭收入核定'],
  ['capable', '有能力'],
  ['not_capable', '无能力'],
]

export function emptySupporter(): Supporter {
  return { name: '', relation: '' }
}

export function capableChoice(s: Supporter): CapableChoice {
  if (s.capable === true) return 'capable'
  if (s.capable === false) return 'not_capable'
  return 'figures'
}

/** Sets the choice on a row: `figures` leaves no `capable` key. */
export function setCapableChoice(s: Supporter, choice: CapableChoice): void {
  if (choice === 'figures') delete s.capable
  else s.capable = choice === 'capable'
}

/** Full-width digits, dot and minus (typed with a Chinese input method) as ASCII, trimmed. */
export function halfWidth(text: string): string {
  return text
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.')
    .replace(/－/g, '-')
    .trim()
}

/** An amount as the household format writes it: digits, at most two decimals. */
export function isAmount(text: string): boolean {
  return /^\d{1,20}(\.\d{1,2})?$/.test(text)
}

function amountField(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined
  const t = halfWidth(String(v))
  return t === '' ? undefined : t
}

/** A whole number as a number; other text is kept as typed (the core names the problem). */
function wholeField(v: number | string | null | undefined): number | string | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'number') return v
  const t = halfWidth(v)
  if (t === '') return undefined
  return /^\d{1,9}$/.test(t) ? Number(t) : t
}

/**
 * A supporter row as it is saved: texts trimmed, empty fields absent, whole
 * numbers as numbers, amounts trimmed; the reason is kept only with a judgement.
 */
export function normalizeSupporter(s: Supporter): Supporter {
  const out: Supporter = { name: s.name.trim(), relation: s.relation.trim() }
  if (typeof s.capable === 'boolean') {
    out.capable = s.capable
    const note = (s.judgement_note ?? '').trim()
    if (note) out.judgement_note = note
  }
  const age = wholeField(s.age)
  if (age !== undefined) out.age = age
  const size = wholeField(s.family_size)
  if (size !== undefined) out.family_size = size
  const income = amountField(s.family_annual_income)
  if (income !== undefined) out.family_annual_income = income
  const assets = amountField(s.family_financial_assets)
  if (assets !== undefined) out.family_financial_assets = assets
  return out
}

/** The supporters as saved: absent when not investigated, else each row normalized. */
export function normalizeSupporters(list: Supporter[] | null | undefined): Supporter[] | undefined {
  return list ? list.map(normalizeSupporter) : undefined
}

/**
 * What is wrong in the typed supporter rows of these members, one Chinese
 * line each naming the member and the row. Each of these makes the core
 * refuse the save too, so they are listed beside the core's problems when it
 * does; the core checks the ranges.
 */
export function supporterProblems(members: Member[]): string[] {
  const problems: string[] = []
  members.forEach((m, i) => {
    ;(m.supporters ?? []).forEach((raw, k) => {
      const s = normalizeSupporter(raw)
      const where = `第${i + 1}名成员${m.name.trim() ? `（${m.name.trim()}）` : ''}的第${k + 1}个义务人${s.name ? `（${s.name}）` : ''}`
      if (typeof s.age === 'string') problems.push(`${where}：年龄应为整数（周岁）`)
      if (typeof s.family_size === 'string') problems.push(`${where}：家庭人口应为整数`)
      if (s.family_annual_income !== undefined && s.family_annual_income !== null && !isAmount(s.family_annual_income))
        problems.push(`${where}：家庭年收入应为金额，如 12000.00`)
      if (s.family_financial_assets !== undefined && s.family_financial_assets !== null && !isAmount(s.family_financial_assets))
        problems.push(`${where}：家庭金融资产应为金额，如 20000.00`)
    })
  })
  return problems
}

/** A reminder under a row, or '' (never blocks saving). */
export function supporterHint(s: Supporter): string {
  if (!s.name.trim()) return '请填写义务人姓名'
  if (typeof s.capable === 'boolean') {
    return (s.judgement_note ?? '').trim() ? '' : '请写明认定理由（打印在一户一档中）'
  }
  const size = wholeField(s.family_size)
  const income = amountField(s.family_annual_income)
  if (size === undefined || income === undefined) {
    return '未作认定时须填写家庭人口和家庭年收入，否则评估按无能力计并提示补充'
  }
  return ''
}
