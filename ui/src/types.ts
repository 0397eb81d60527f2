// The household.v2 interchange format (docs/household-format.md), the
// eval.v2 result (docs/results-format.md) and the app's command payloads.

export type Ability = 'full' | 'partial' | 'none'

export interface Income { kind: string; annual: string }
export interface Expense { kind: string; annual: string }
export interface Disability { grade: number; kind: string; certificate?: string | null }
/**
 * A legal supporter (法定赡养、抚养、扶养义务人) of a member. `capable` is the
 * caseworker's judgement; without it the family's figures decide. `age` and
 * `family_size` are integers in the file; while a row is being typed the form
 * holds the text, and `normalizeSupporter` turns it back into a number.
 */
export interface Supporter {
  name: string
  relation: string
  capable?: boolean
  judgement_note?: string
  age?: number | string | null
  family_size?: number | string | null
  family_annual_income?: string | null
  family_financial_assets?: string | null
}

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
  /** Absent or null: not investigated (未调查); an empty list: has none (无义务人). */
  supporters?: Supporter[] | null
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
  /** 在保: recorded by confirming a decision (read-only in the app). */
  enrollment?: Enrollment | null
  /** The open 临时救助 request, derived from the register (read-only). */
  temp_aid?: TempAidRequest | null
  /** Date of the last home visit, derived from the recorded visits (read-only). */
  last_visit?: string | null
  group?: string
  address?: string
  phone?: string
  hardship_causes?: string[]
  cadre_relative?: boolean
}

export interface Enrollment {
  program: 'dibao' | 'tekun' | string
  since: string | null
  monthly_amount: string
  class: string | null
  last_review: string | null
  exceeded_since: string | null
}

export type TempAidKind = 'emergency' | 'expenditure'
export type ApprovalLevel = 'none' | 'prepay' | 'township' | 'county'

export interface TempAidRequest {
  requested: string
  granted_this_year?: string
  kind?: TempAidKind
  case_by_case?: boolean
  grants?: { date: string; amount: string }[] | null
}

/** One entry of a household's 临时救助 register (a request and, once paid, its payment). */
export interface TempAidRecord {
  id: string
  kind: TempAidKind
  cause: string
  event_date: string
  /** `YYYY-MM-DDTHH:MM:SS`, or null when not known. */
  reported_at: string | null
  requested: string
  case_by_case: boolean
  case_reason: string
  granted: string | null
  approval_level: ApprovalLevel | null
  /** `YYYY-MM-DDTHH:MM:SS`; null while the request is open. */
  paid_at: string | null
}

export interface HouseholdSummary {
  code: string
  village: string
  group: string | null
  head: string
  cohabiting: number
  status: string | null
  total_monthly: string | null
  /** 残疾人两项补贴 per month under the latest decision, when any. */
  subsidies_monthly: string | null
  /** The latest decision flags 刚性支出困难 (monitoring). */
  rigid_expense: boolean
  /** Where the case stands (办理流程), in Chinese: 在保, 已受理, 公示中, 已结束, 未申请 … */
  stage: string
  /** A 办理时限 of the case is missed. */
  overdue: boolean
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

export interface CaseEvent { id: string; kind: string; date: string; actor: string; note: string; data?: Record<string, unknown> }
/** Where a household's case stands (case_status): the stage, the steps that may come next, the 办理时限. */
export interface CaseStatus {
  stage: string
  stage_zh: string
  next: { kind: string; label: string }[]
  deadlines: { what: string; due: string; done: string | null; missed: boolean }[]
  /** Steps recorded out of the path's order, each with the reason (回头看). */
  out_of_order: string[]
}
export interface Measure {
  id: string
  kind: string
  description: string
  responsible: string
  due: string | null
  status: 'planned' | 'in_progress' | 'done' | 'not_done'
  /** What came of it (未落实 needs the reason). */
  outcome?: string
  /** The referral to another department, and its reply. */
  referral?: { department: string; sent: string; reply?: string; replied?: string | null } | null
}
export type MeasureStatus = Measure['status']
/** A household under 防返贫监测 (monitoring_list). */
export interface Monitored {
  household: string
  village: string
  /** The head of household's name. */
  head: string
  /** Why it is watched, in Chinese. */
  grounds: string[]
  last_visit: string | null
  next_visit: string
  overdue: boolean
}
export interface DueItem { household: string; kind: string; due: string; overdue: boolean; what: string }

export interface Reason {
  code: string
  text: string
  policy_key: string | null
  policy_version: string
  /** eval.v2: the provision the key comes from (《…》第…条), or null. */
  citation?: string | null
}

export interface EvalMember {
  index: number
  class: string
  tekun: boolean
  tekun_benefit: string
  single_person_dibao: boolean
  single_person_benefit: string
  orphan?: boolean
  orphan_benefit?: string
  living_subsidy?: string
  care_subsidy?: string
}

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
  temp_aid?: { grantable: string; approval_level: ApprovalLevel } | null
  members?: EvalMember[]
  next_visit?: string | null
  visit_overdue?: boolean
  subsidies_monthly?: string
  codes?: string[]
  reasons?: Reason[]
}

export interface HouseholdDetail {
  household: Household
  visits: Visit[]
  events: CaseEvent[]
  measures: Measure[]
  temp_aid: TempAidRecord[]
  decision: EvalResult | null
  due: DueItem[]
}

export interface CommandError { code?: string; message: string; problems: string[] }
