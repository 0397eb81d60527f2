import { describe, expect, it } from 'vitest'
import { closeGuard } from '../src/logic/closeGuard'

function request() {
  const r = { prevented: false, preventDefault() { r.prevented = true } }
  return r
}

describe('closing the window', () => {
  it('closes when nothing is unsaved or the caseworker agrees', async () => {
    const r = request()
    await closeGuard(async () => true)(r)
    expect(r.prevented).toBe(false)
  })
  it('stays open when the caseworker chooses to stay', async () => {
    const r = request()
    await closeGuard(async () => false)(r)
    expect(r.prevented).toBe(true)
  })
  it('stays open when asking fails', async () => {
    const r = request()
    await closeGuard(async () => { throw new Error('dialog failed') })(r)
    expect(r.prevented).toBe(true)
  })
})
