// The household.v1 interchange format (spec §2) and the app's command payloads.

export type Ability = 'full' | 'partial' | 'none'

export interface Income { kind: string; annual: string }
export interface Expense { kind: string; annual: string }
export interface Disability { grade: number; kind: string; certificate?: string | null }
export interface Supporter { name: string; relation: string; capable: boolean }

export interface Member {
  name: string
  id_number: string | null
  birth_date?: string
  relation: string
  cohabiting: boolean
  disability: Disability | null
  serious_illness: boolean
  work_capacity: Ability
  self_care: Ability
  incomes: Income[]
  supporters?: Supporter[]
  tags?: string[]
  health_note?: string
}

export interface Household {
  id: string
  region_code: string
  village: string
  hukou: 'rural' | 'urban'
  members: Member[]
  expenses: Expense[]
  assets: { financial: string; disqualifying: string[] }
  enrollment?: Record<string, unknown>
  temp_aid?: { requested: string; granted_this_year: string }
  group?: string
  address?: string
  phone?: string
  hardship_causes?: string[]
  cadre_relative?: boolean
}

export interface HouseholdSummary {
  code: string
  village: string
  group: string | null
  head: string
  cohabiting: number
  status: string | null
  total_monthly: string | null
}

export interface CheckResult { item: string; problem: boolean; note?: string }

export interface Visit {
  id: string
  date: string
  workers: string[]
  checklist: CheckResult[]
  findings: string
  next_visit: string | null
  draft: boolean
}

export interface CaseEvent { id: string; kind: string; date: string; actor: string; note: string }
export interface Measure {
  id: string
  kind: string
  description: string
  responsible: string
  due: string | null
  status: 'planned' | 'in_progress' | 'done'
}
export interface DueItem { household: string; kind: string; due: string; overdue: boolean; what: string }

export interface Reason { code: string; text: string; policy_key: string | null; policy_version: string }
export interface EvalResult {
  id: string
  status: string
  errors?: { code: string; member?: number; field?: string }[]
  standard?: string
  household_size?: number
  per_capita_income?: string | null
  monthly_benefit?: string
  household_class?: string | null
  next_review?: string | null
  review_overdue?: boolean
  exit_at?: string
  total_monthly?: string
  codes?: string[]
  reasons?: Reason[]
}

export interface HouseholdDetail {
  household: Household
  visits: Visit[]
  events: CaseEvent[]
  measures: Measure[]
  decision: EvalResult | null
  due: DueItem[]
}

export interface CommandError { message: string; problems: string[] }
