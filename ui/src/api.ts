// Typed calls to the app's Tauri commands; every rule lives in the Rust core.
import { invoke } from '@tauri-apps/api/core'
import type { CaseEvent, CaseStatus, CommandError, DueItem, Enrollment, EvalResult, Household, HouseholdDetail, HouseholdSummary, Measure, Monitored, TempAidRecord, Visit } from './types'

export type Stage = 'new' | 'unencrypted' | 'locked' | 'open'
export interface AppStatus {
  db_path: string
  stage: Stage
  households: number
  caseworker: string | null
  village: string | null
  device_id: string | null
  last_backup: string | null
  backup_due: boolean
}
export interface AttachmentView {
  id: string
  kind: string
  kind_zh: string
  caption: string
  taken_on: string | null
  added_on: string
  member_name: string | null
  mime: string
  size: number
  width: number | null
  height: number | null
  original_name: string
  thumbnail: string | null
}
export interface AddAttachment { code: string; path: string; kind: string; caption: string; taken_on: string | null; member_name: string | null }
export interface FolderFile { path: string; name: string; bytes: number; modified: string | null }
export interface AuditRow { household: string; rule: string; detail: string }
export interface NewStore { passphrase: string; caseworker: string; village: string; demo: boolean }

export const api = {
  status: () => invoke<AppStatus>('app_status'),
  unlock: (passphrase: string) => invoke<AppStatus>('unlock', { passphrase }),
  createStore: (setup: NewStore) => invoke<AppStatus>('create_store', { setup }),
  backupNow: (dir: string) => invoke<string>('backup_now', { dir }),
  attachments: (code: string) => invoke<AttachmentView[]>('list_attachments', { code }),
  addAttachment: (add: AddAttachment) => invoke<string>('add_attachment', { add }),
  folderFiles: (dir: string) => invoke<FolderFile[]>('folder_files', { dir }),
  openAttachment: (code: string, id: string) => invoke<string>('open_attachment', { code, id }),
  search: (query: string) => invoke<HouseholdSummary[]>('search_households', { query }),
  detail: (code: string) => invoke<HouseholdDetail>('household_detail', { code }),
  checkId: (id: string) => invoke<{ birth_date: string; sex: string }>('check_id_number', { id }),
  saveHousehold: (household: Household) => invoke<string>('save_household', { household }),
  evaluate: (code: string, save: boolean) => invoke<EvalResult>('evaluate_household', { code, save }),
  saveVisit: (code: string, visit: Visit) => invoke<string>('save_visit', { code, visit }),
  discardVisit: (id: string) => invoke<boolean>('discard_visit', { id }),
  /** Records a step of the 办理流程; the core refuses one the path does not allow yet. */
  addEvent: (code: string, event: CaseEvent) => invoke<void>('add_event', { code, event }),
  caseStatus: (code: string) => invoke<CaseStatus>('case_status', { code }),
  /** Saves a measure, new or updated (same id); 未落实 needs the outcome. */
  addMeasure: (code: string, measure: Measure) => invoke<void>('add_measure', { code, measure }),
  /** Measures the latest decision suggests (残疾人两项补贴) not yet in the plan. */
  suggestedMeasures: (code: string) => invoke<Measure[]>('suggested_measures', { code }),
  /** 防返贫监测: the households to watch, with their visits. */
  monitoring: () => invoke<Monitored[]>('monitoring_list'),
  due: (days: number) => invoke<DueItem[]>('due_list', { days }),
  audit: () => invoke<AuditRow[]>('audit_findings'),
  villages: () => invoke<[string, number][]>('villages'),
  printDossier: (code: string) => invoke<string>('print_dossier', { code }),
  /** 最低生活保障申请审核确认表 (dibao) or 特困人员认定表 (tekun); the path of the PDF. */
  printCaseForm: (code: string, kind: 'dibao' | 'tekun') => invoke<string>('print_case_form', { code, kind }),
  tempAidRegister: (code: string) => invoke<TempAidRecord[]>('temp_aid_register', { code }),
  /** A new request, or a correction of an open one (`granted`/`paid_at` stay null). */
  saveTempAidRequest: (code: string, record: TempAidRecord) => invoke<string>('save_temp_aid_request', { code, record }),
  /** Pays an open request: `granted` like "800.00", `paidAt` as "YYYY-MM-DD HH:MM". */
  payTempAid: (code: string, id: string, granted: string, paidAt: string) => invoke<TempAidRecord>('pay_temp_aid', { code, id, granted, paidAt }),
  tempAidAllowance: (code: string, id: string) => invoke<{ grantable: string; approval_level: string } | null>('temp_aid_allowance', { code, id }),
  printTempAidForm: (code: string, id: string) => invoke<string>('print_temp_aid_form', { code, id }),
  /** Records 在保 from the latest saved decision. */
  confirmHousehold: (code: string) => invoke<Enrollment>('confirm_household', { code }),
  printNotice: (village: string, phone: string) => invoke<string>('print_notice', { village, phone }),
  settings: () => invoke<[string, string][]>('get_settings'),
  setSetting: (key: string, value: string) => invoke<void>('set_setting', { key, value }),
  syncStatus: () => invoke<SyncStatus>('sync_status'),
  importCountyKey: (path: string) => invoke<string>('import_county_key', { path }),
  exportBundle: () => invoke<string[]>('export_bundle'),
  importAck: (path: string) => invoke<string>('import_ack', { path }),
  importPolicy: (path: string) => invoke<string>('import_policy', { path }),
}

export interface SyncStatus { device_id: string; county: string | null; pending: number; conflicts: number; policies: string[] }

/** The message of a failed command, with each form problem on its own line. */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return e
  const ce = e as CommandError
  if (ce && typeof ce.message === 'string') {
    return ce.problems && ce.problems.length ? `${ce.message}：\n${ce.problems.join('\n')}` : ce.message
  }
  return String(e)
}
