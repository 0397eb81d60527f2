import { describe, expect, it } from 'vitest'
import { emptyVisit, isDirty, isoToday, newPassphraseProblems, normalizeMember, uuidv7, emptyMember } from '../src/logic/forms'
import { label, relations, statusLabel } from '../src/logic/labels'

describe('uuidv7', () => {
  it('has version 7, the RFC variant and the time in front', () => {
    const id = uuidv7(0x0190_0000_0000, (n) => new Uint8Array(n).fill(0xff))
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(id.startsWith('01900000-0000-7')).toBe(true)
  })
  it('sorts by time', () => {
    const a = uuidv7(1_700_000_000_000)
    const b = uuidv7(1_700_000_000_001)
    expect(a < b).toBe(true)
  })
})

describe('isDirty', () => {
  it('ignores key order and undefined keys', () => {
    expect(isDirty({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(false)
  })
  it('sees a changed nested value', () => {
    expect(isDirty({ members: [{ name: '程军' }] }, { members: [{ name: '程军 ' }] })).toBe(true)
  })
})

describe('forms', () => {
  it('a new visit is a draft with all six checklist items', () => {
    const v = emptyVisit('2026-12-01')
    expect(v.draft).toBe(true)
    expect(v.checklist.map((c) => c.item)).toEqual(['food', 'clothing', 'education', 'medical', 'housing', 'water'])
    expect(v.workers).toHaveLength(2)
  })
  it('normalizes an ID number and an empty one', () => {
    expect(normalizeMember({ ...emptyMember(), id_number: ' 34102419810412011x ' }).id_number).toBe('34102419810412011X')
    expect(normalizeMember({ ...emptyMember(), id_number: '  ' }).id_number).toBeNull()
  })
  it('formats today', () => {
    expect(isoToday(new Date(2026, 0, 5))).toBe('2026-01-05')
  })
  it('labels', () => {
    expect(label(relations, 'spouse')).toBe('配偶')
    expect(label(relations, '舅舅')).toBe('舅舅')
    expect(statusLabel.gradual_exit).toBe('低保渐退')
  })
})

describe('a new passphrase', () => {
  it('needs eight characters, counted as characters not bytes', () => {
    expect(newPassphraseProblems('1234567', '1234567')).toEqual(['口令至少要 8 个字符'])
    expect(newPassphraseProblems('村里的口令二〇二六', '村里的口令二〇二六')).toEqual([])
  })
  it('must be typed the same twice', () => {
    expect(newPassphraseProblems('12345678', '12345679')).toEqual(['两次输入的口令不一致'])
  })
})
