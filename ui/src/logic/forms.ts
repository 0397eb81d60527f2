// Pure helpers for the forms: blank records, change detection, ids.
import type { Member, Visit } from '../types'
import { checkItems } from './labels'
import { normalizeSupporters } from './supporters'

/** A new UUID v7 (time-ordered, generated offline), as record ids are. */
export function uuidv7(now: number = Date.now(), random: (n: number) => Uint8Array = randomBytes): string {
  const bytes = random(16)
  const ms = BigInt(now)
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  bytes[6] = (bytes[6] & 0x0f) | 0x70
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  globalThis.crypto.getRandomValues(out)
  return out
}

export function emptyMember(relation = 'other'): Member {
  return {
    name: '',
    id_number: '',
    relation,
    cohabiting: true,
    disability: null,
    serious_illness: false,
    work_capacity: 'full',
    self_care: 'full',
    incomes: [],
    tags: [],
  }
}

/** Today as YYYY-MM-DD in local time. */
export function isoToday(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

export function emptyVisit(today: string = isoToday()): Visit {
  return {
    id: uuidv7(),
    date: today,
    workers: ['', ''],
    checklist: checkItems.map(([item]) => ({ item, problem: false, note: '' })),
    findings: '',
    next_visit: null,
    draft: true,
  }
}

/** Whether a form differs from what was loaded (deep, key-order independent). */
export function isDirty(original: unknown, current: unknown): boolean {
  return canonical(original) !== canonical(current)
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v ?? null)
}

/**
 * Prepares a member for saving: empty ID number means none; supporters
 * absent when not investigated, each row normalized (normalizeSupporter).
 */
export function normalizeMember(m: Member): Member {
  const id = (m.id_number ?? '').trim().toUpperCase()
  return { ...m, id_number: id === '' ? null : id, name: m.name.trim(), supporters: normalizeSupporters(m.supporters) }
}

/** Fewest characters a new passphrase may have (the core checks it too). */
export const MIN_PASSPHRASE_CHARS = 8

/** Problems with a new passphrase typed twice, in Chinese; empty when it will do. */
export function newPassphraseProblems(first: string, second: string): string[] {
  const problems: string[] = []
  if ([...first].length < MIN_PASSPHRASE_CHARS) problems.push(`口令至少要 ${MIN_PASSPHRASE_CHARS} 个字符`)
  if (first !== second) problems.push('两次输入的口令不一致')
  return problems
}
