// The filters of the household list: 专项 (两项补贴, 刚性支出困难), the
// 办理阶段 as search_households names it, and 超时 (a 办理时限 missed).

import type { HouseholdSummary } from '../types'

export type Special = '' | 'subsidies' | 'rigid'

export interface ListFilter {
  special: Special
  /** A stage as the summaries spell it (在保, 公示中 …); '' for all. */
  stage: string
  /** Only households with a missed 办理时限. */
  overdueOnly: boolean
}

type Row = Pick<HouseholdSummary, 'subsidies_monthly' | 'rigid_expense' | 'stage' | 'overdue'>

/** The stages present among the rows, each once, in the order of the path. */
export function stagesPresent(rows: Pick<HouseholdSummary, 'stage'>[]): string[] {
  const order = ['未申请', '已受理', '已入户调查', '信息核对中', '已核对', '已民主评议', '公示中', '公示期满', '乡镇已审核', '在保', '渐退期', '已结束']
  const rank = (s: string) => {
    const i = order.indexOf(s)
    return i < 0 ? order.length : i
  }
  const present = [...new Set(rows.map((r) => r.stage).filter((s) => !!s))]
  return present.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'zh'))
}

/** The rows the filter lets through. */
export function filterHouseholds<T extends Row>(rows: T[], f: ListFilter): T[] {
  return rows.filter(
    (r) =>
      (f.special === '' || (f.special === 'subsidies' ? !!r.subsidies_monthly : r.rigid_expense)) &&
      (f.stage === '' || r.stage === f.stage) &&
      (!f.overdueOnly || r.overdue),
  )
}
