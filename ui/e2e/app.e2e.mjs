// End-to-end test of the real desktop app: the built binary in a real
// window under Xvfb, driven through tauri-driver and WebKitWebDriver.
// Run by scripts/e2e.sh, which builds the app and starts the drivers.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { remote } from 'webdriverio'

const app = process.env.BANGFU_APP
const shots = process.env.BANGFU_SCREENSHOTS ?? 'screenshots'
const printDir = process.env.BANGFU_PRINT_DIR
let browser

const passphrase = '村里的口令 2026'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function clickText(selector, text) {
  const el = await browser.$(`${selector}*=${text}`)
  await el.waitForClickable({ timeout: 15000 })
  await el.click()
}

// Replaces a field's text by typing, so Vue sees every input event
// (WebKit's clear does not fire one).
async function replaceText(el, text) {
  await el.click()
  await browser.keys(['Control', 'a'])
  await browser.keys(['Backspace'])
  await el.addValue(text)
}

// Clicks a button inside the scrolling main pane. WebKitWebDriver computes
// the pointer position wrongly for elements scrolled inside nested scroll
// containers (the click lands on the element above), so after scrolling the
// button into view the click is dispatched to the element itself.
async function press(selector) {
  const el = typeof selector === 'string' ? await browser.$(selector) : selector
  await el.waitForExist({ timeout: 15000 })
  await el.scrollIntoView({ block: 'center' })
  await el.waitForEnabled({ timeout: 15000 })
  await browser.execute((e) => e.click(), el)
}

async function typeInto(selector, text) {
  const el = await browser.$(selector)
  await el.waitForDisplayed({ timeout: 15000 })
  await replaceText(el, text)
}

// Types into a field without a pointer click: focused and selected by
// script, then typed by key events (so Vue and Element Plus see real input).
async function fill(target, text) {
  const el = typeof target === 'string' ? await browser.$(target) : target
  await el.waitForExist({ timeout: 15000 })
  await browser.execute((e) => {
    e.scrollIntoView({ block: 'center' })
    e.focus()
    e.select?.()
  }, el)
  await browser.keys(['Backspace'])
  await el.addValue(text)
}

// Picks the option labelled `text` of an el-select whose dropdown carries
// `popperClass` (the dropdown is teleported to the body).
async function choose(selectSelector, popperClass, text) {
  await press(`${selectSelector} .el-select__wrapper`)
  await browser.waitUntil(
    () =>
      browser.execute(
        (cls, t) => {
          const item = [...document.querySelectorAll(`.${cls} .el-select-dropdown__item`)].find((e) => e.textContent.trim() === t)
          if (!item) return false
          item.click()
          return true
        },
        popperClass,
        text,
      ),
    { timeout: 10000, timeoutMsg: `no option ${text} in .${popperClass}` },
  )
  await sleep(300)
  assert.match(await (await browser.$(selectSelector)).getText(), new RegExp(text))
}

// An element's text whether or not it is scrolled into view (tables render late).
async function textOf(selector) {
  return browser.execute((s) => document.querySelector(s)?.textContent ?? '', selector)
}

// A PDF's text with all white space removed (table cells wrap anywhere).
function pdfText(path) {
  return execFileSync('pdftotext', [path, '-']).toString().replace(/\s+/g, '')
}

const localDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`

async function shot(name) {
  mkdirSync(shots, { recursive: true })
  await sleep(400)
  await browser.saveScreenshot(join(shots, `${name}.png`))
}

const session = {
  hostname: '127.0.0.1',
  port: 4444,
  logLevel: 'error',
  connectionRetryTimeout: 120000,
  capabilities: { browserName: 'wry', 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: app } },
}

before(async () => {
  assert.ok(app && existsSync(app), `BANGFU_APP must name the built app (got ${app})`)
  const started = Date.now()
  browser = await remote(session)
  await (await browser.$('#unlock-submit')).waitForDisplayed({ timeout: 30000 })
  // A figure for BENCHMARKS.md, not an assertion: timings vary with the machine.
  console.log(`# cold start to the first screen: ${Date.now() - started} ms (includes WebDriver session setup)`)
})

after(async () => {
  await browser?.deleteSession()
})

test('first start sets up the caseworker, a passphrase and the demo village', async () => {
  await typeInto('#setup-name', '方晓燕')
  await typeInto('#setup-village', '测试村')
  // A short passphrase is refused and nothing typed is lost.
  await typeInto('#unlock-pass', '1234567')
  await typeInto('#unlock-pass-again', '1234567')
  await (await browser.$('#unlock-submit')).click()
  const error = await browser.$('#unlock-error')
  await error.waitForDisplayed({ timeout: 10000 })
  assert.match(await error.getText(), /至少要 8 个字符/)
  assert.equal(await (await browser.$('#setup-name')).getValue(), '方晓燕')
  await typeInto('#unlock-pass', passphrase)
  await typeInto('#unlock-pass-again', passphrase)
  await shot('00-first-start')
  await (await browser.$('#unlock-submit')).click()
  const table = await browser.$('#household-table')
  await table.waitForDisplayed({ timeout: 30000 })
  await browser.waitUntil(async () => (await browser.$$('#household-table .el-table__row')).length > 50, { timeout: 30000 })
  await shot('01-household-list')
  await typeInto('#search', '田心寨')
  await browser.waitUntil(async () => {
    const rows = await browser.$$('#household-table .el-table__row')
    return rows.length > 0 && rows.length < 100
  }, { timeout: 10000 })
})

test('create a household, add members, save, evaluate, visit, print', async () => {
  await (await browser.$('#new-household')).click()
  await typeInto('#new-code', 'E2E-001')
  await typeInto('#new-head', '端对端')
  await typeInto('#new-head-id', '341024198104120119')
  await typeInto('#new-village', '测试村')
  await clickText('button', '创建并填写详情')
  await (await browser.$('#add-member')).waitForClickable({ timeout: 15000 })

  // A bad ID number is a clear error and the typed data stays.
  await press('#add-member')
  const names = await browser.$$('.member-name input')
  await replaceText(names[1], '端小妹')
  const ids = await browser.$$('.member-id input')
  await replaceText(ids[1], '341024201506010321')
  await press('#save-household')
  const problems = await browser.$('#form-problems')
  await problems.waitForDisplayed({ timeout: 10000 })
  assert.match(await problems.getText(), /身份证号/)
  assert.equal(await (await browser.$$('.member-name input'))[1].getValue(), '端小妹')

  await replaceText(ids[1], '341024201506010320')
  await press((await browser.$$('.add-income'))[0])
  const incomes = await browser.$$('.income-annual input')
  await replaceText(incomes[0], '6000')
  await press('#save-household')
  await sleep(1500)
  const left = await browser.$('#form-problems')
  if (await left.isDisplayed().catch(() => false)) console.error('form problems:', await left.getText())
  await browser.waitUntil(async () => !(await (await browser.$('#form-problems')).isDisplayed().catch(() => false)), { timeout: 10000 })
  await shot('02-household-detail')

  await clickText('.el-tabs__item', '资格评估')
  await press('#evaluate-save')
  const total = await browser.$('#eval-total')
  await total.waitForDisplayed({ timeout: 10000 })
  const reasons = await browser.$$('.eval-reason')
  assert.ok(reasons.length > 0, 'the decision explains itself')
  await shot('03-eligibility')

  await clickText('.el-tabs__item', '入户调查')
  await press('#new-visit')
  await typeInto('.visit-worker-0 input', '方晓燕')
  await typeInto('.visit-worker-1 input', '洪卫东')
  await typeInto('#visit-findings', '看：房屋安全；查：证件齐全；算：人均收入低于标准；访：邻居属实。')
  await sleep(1200) // the draft autosaves
  await shot('04-visit-form')
  await press('#finish-visit')
  await browser.waitUntil(async () => !(await (await browser.$('#visit-form')).isExisting()), { timeout: 10000 })
  const visitRow = await browser.$('#visit-table .el-table__row')
  await visitRow.waitForExist({ timeout: 10000 })
  assert.match(await browser.getPageSource(), /方晓燕、洪卫东/)

  await press('#print-dossier')
  await sleep(3000)
  const pdf = join(printDir, '一户一档-E2E-001.pdf')
  await browser.waitUntil(() => existsSync(pdf), { timeout: 20000 })
  const text = execFileSync('pdftotext', [pdf, '-']).toString()
  assert.match(text, /端对端/)
  assert.match(text, /端小妹/)
})

test('add a photo of the house; it shows as a thumbnail', async () => {
  // Still on the household created above.
  await clickText('.el-tabs__item', '照片与附件')
  // A file that is not a picture is refused and the form keeps what was typed.
  await typeInto('#attachment-path', join(process.cwd(), 'package.json'))
  await typeInto('#attachment-caption', '正房屋顶渗水')
  await press('#add-attachment')
  const error = await browser.$('#attachment-error')
  await error.waitForDisplayed({ timeout: 10000 })
  assert.match(await error.getText(), /JPEG/)
  assert.equal(await (await browser.$('#attachment-caption')).getValue(), '正房屋顶渗水')
  await typeInto('#attachment-path', join(process.cwd(), 'e2e', 'fixtures', 'house.jpg'))
  await press('#add-attachment')
  await browser.waitUntil(async () => (await browser.$$('#attachment-list .attachment-item img')).length === 1, { timeout: 15000 })
  assert.match(await (await browser.$('#attachment-list')).getText(), /正房屋顶渗水/)
  await shot('08-attachments')
})

test('a 特困 elder from scratch: supporters, v2 evaluation, 临时救助 paid first, dossier and 审批表', async () => {
  await (await browser.$('#nav-list')).click()
  await (await browser.$('#new-household')).waitForClickable({ timeout: 15000 })
  await (await browser.$('#new-household')).click()
  await typeInto('#new-code', 'E2E-002')
  await typeInto('#new-head', '桂长寿')
  await typeInto('#new-head-id', '34102419400315037X') // born 1940-03-15: 86 years old
  await typeInto('#new-village', '测试村')
  await clickText('button', '创建并填写详情')
  await (await browser.$('.member-0 .supporters-investigated')).waitForExist({ timeout: 15000 })

  // No work capacity, no self-care, no income (none entered).
  await choose('.member-0 .member-work-capacity', 'pick-work-capacity-0', '无')
  await choose('.member-0 .member-self-care', 'pick-self-care-0', '无')

  // Supporters investigated: none until rows are added.
  assert.match(await (await browser.$('.member-0 .supporters-state')).getText(), /未调查/)
  await press('.member-0 .supporters-investigated')
  await browser.waitUntil(async () => /无义务人/.test(await (await browser.$('.member-0 .supporters-state')).getText()), { timeout: 10000 })
  await press('.member-0 .add-supporter')
  await press('.member-0 .add-supporter')
  await browser.waitUntil(async () => (await browser.$$('.member-0 .supporter-row')).length === 2, { timeout: 10000 })

  // The son: not capable by his family's figures (12000 / 12 / 3 = 333.33 a month, below 2 × 600).
  await fill('.member-0 .supporter-0 .supporter-name input', '桂大成')
  await fill('.member-0 .supporter-0 .supporter-relation input', '子女')
  await fill('.member-0 .supporter-0 .supporter-age input', '58')
  await fill('.member-0 .supporter-0 .supporter-family-size input', '3')
  await fill('.member-0 .supporter-0 .supporter-income input', '12000.00')
  // The daughter: judged not capable, with the reason.
  await fill('.member-0 .supporter-1 .supporter-name input', '桂二妹')
  await fill('.member-0 .supporter-1 .supporter-relation input', '子女')
  await choose('.member-0 .supporter-1 .supporter-capable', 'pick-capable-0-1', '无能力')
  await fill('.member-0 .supporter-1 .supporter-note input', '本人重度残疾，无劳动能力和收入')
  await shot('10-supporters')

  await press('#save-household')
  await sleep(1500)
  const problems = await browser.$('#form-problems')
  if (await problems.isDisplayed().catch(() => false)) assert.fail(`form problems: ${await problems.getText()}`)
  await browser.waitUntil(async () => !(await (await browser.$('#dirty-tag')).isExisting()), { timeout: 10000, timeoutMsg: 'the household was not saved' })
  assert.equal(await (await browser.$$('.member-0 .supporter-name input'))[1].getValue(), '桂二妹')

  // Evaluated under the built-in v2 policy: 特困, 600 × 1.3 + 800 (no self-care).
  await clickText('.el-tabs__item', '资格评估')
  await press('#evaluate')
  await browser.waitUntil(async () => (await (await browser.$('#eval-total')).getText().catch(() => '')) === '1580.00', {
    timeout: 15000,
    timeoutMsg: 'expected a total of 1580.00',
  })
  assert.match(await (await browser.$('#eval-result')).getText(), /特困/)
  await browser.waitUntil(async () => /桂长寿[\s\S]*1580\.00/.test(await textOf('#eval-members')), {
    timeout: 10000,
    timeoutMsg: 'the member table shows the 特困 amount',
  })
  assert.match(await (await browser.$('#eval-next-visit')).getText(), /^\d{4}-\d{2}-\d{2}$/)
  const reasons = await browser.execute(() => [...document.querySelectorAll('.eval-reason')].map((e) => e.textContent))
  assert.ok(reasons.some((r) => r.includes('《示例县特困人员救助供养实施办法》第十二条')), `a reason cites the provision: ${reasons.join(' | ')}`)
  assert.ok(!reasons.some((r) => r.includes('tekun.basic_multiplier')), 'the key is not shown where a citation exists')
  await shot('11-eval-v2')
  await press('#evaluate-save')
  await (await browser.$('#confirm-enrollment')).waitForEnabled({ timeout: 10000 })

  // 临时救助: a fire, reported the day before, 800 yuan asked.
  await clickText('.el-tabs__item', '临时救助')
  await press('#new-aid')
  await press('.aid-kind-emergency')
  await fill('#aid-cause', '房屋失火')
  const yesterday = localDay(new Date(Date.now() - 24 * 3600 * 1000))
  await fill('#aid-event-date', yesterday)
  await browser.keys(['Enter'])
  await sleep(400)
  // Whatever date the picker kept, report and payment are on that day.
  const day = await (await browser.$('#aid-event-date')).getValue()
  assert.match(day, /^\d{4}-\d{2}-\d{2}$/)
  await fill('#aid-reported-at', `${day} 08:00`)
  await fill('#aid-requested', '800')
  await press('#save-aid')
  await browser.waitUntil(async () => (await browser.$$('#aid-table .aid-row')).length === 1, {
    timeout: 10000,
    timeoutMsg: 'the request was not recorded',
  }).catch(async (e) => {
    const shown = await browser.$('#aid-problems')
    if (await shown.isDisplayed().catch(() => false)) assert.fail(`request problems: ${await shown.getText()}`)
    throw e
  })
  assert.match(await textOf('#aid-table'), /急难型[\s\S]*房屋失火/)

  // Paid within the 先行救助 limit, 12.5 hours after the report.
  await press('#aid-table .pay-aid')
  await fill('#pay-granted', '800.00')
  await fill('#pay-at', `${day} 20:30`)
  await press('#pay-confirm')
  await browser.waitUntil(async () => /先行救助/.test(await textOf('#aid-table')), {
    timeout: 10000,
    timeoutMsg: 'the payment was not recorded',
  }).catch(async (e) => {
    const shown = await browser.$('#pay-problems')
    if (await shown.isDisplayed().catch(() => false)) assert.fail(`payment problems: ${await shown.getText()}`)
    throw e
  })
  const register = await textOf('#aid-table')
  assert.match(register, /800\.00/)
  assert.match(register, /12 小时/)
  await shot('12-temp-aid')

  await press('#aid-table .print-aid-form')
  const form = join(printDir, '临时救助审批表-E2E-002.pdf')
  await browser.waitUntil(() => existsSync(form), { timeout: 20000 })
  const formText = pdfText(form)
  assert.match(formText, /先行救助/)
  assert.match(formText, /桂长寿/)

  await press('#print-dossier')
  const dossier = join(printDir, '一户一档-E2E-002.pdf')
  await browser.waitUntil(() => existsSync(dossier), { timeout: 20000 })
  const dossierText = pdfText(dossier)
  for (const expected of ['桂大成', '桂二妹', '800.00', '《示例县特困人员救助供养实施办法》第十二条']) {
    assert.ok(dossierText.includes(expected), `the dossier holds ${expected}`)
  }

  // 在保 confirmed from the saved decision.
  await clickText('.el-tabs__item', '资格评估')
  await press('#confirm-enrollment')
  await press('.el-message-box__btns .el-button--primary')
  await browser.waitUntil(async () => /特困.*1580\.00/.test(await textOf('#eval-enrollment')), {
    timeout: 10000,
    timeoutMsg: 'the enrollment was not confirmed',
  })
})

// 办理流程 steps: picks the step among those the case allows next, sets the
// date and what the step needs, records it, and waits for it on the timeline.
async function stepOptions() {
  return browser.execute(() => [...document.querySelectorAll('.pick-next-step .el-select-dropdown__item')].map((e) => e.textContent.trim()))
}

async function setStepDate(day) {
  await fill('#step-date', day)
  await browser.keys(['Enter'])
  await browser.waitUntil(async () => (await (await browser.$('#step-date')).getValue()) === day, {
    timeout: 5000,
    timeoutMsg: `the step date did not take ${day}`,
  })
}

async function recordStep(label, day, { choices = {}, fields = {}, note = '' } = {}) {
  await choose('#next-step-kind', 'pick-next-step', label)
  await setStepDate(day)
  for (const [key, text] of Object.entries(choices)) await choose(`.step-field-${key}`, `pick-step-${key}`, text)
  for (const [key, text] of Object.entries(fields)) await fill(`#step-${key}`, text)
  if (note) await fill('#step-note', note)
  const before = (await browser.$$('.timeline-step')).length
  await press('#record-step')
  await browser.waitUntil(async () => (await browser.$$('.timeline-step')).length === before + 1, {
    timeout: 10000,
    timeoutMsg: `${label} was not recorded`,
  }).catch(async (e) => {
    const shown = await browser.$('#step-error')
    if (await shown.isExisting()) assert.fail(`${label} refused: ${await shown.getText()}`)
    throw e
  })
  // The case is read again before the button is free.
  await browser.waitUntil(async () => !/is-loading/.test(await (await browser.$('#record-step')).getAttribute('class')), { timeout: 10000 })
}

async function stageIs(stage) {
  await browser.waitUntil(async () => (await textOf('#case-stage')) === stage, { timeout: 10000, timeoutMsg: `the case should be ${stage}` })
}

test('办理流程 from 申请受理 to 县级确认, in the order the core allows', async () => {
  const day = (n) => localDay(new Date(Date.now() - n * 24 * 3600 * 1000))

  // A household from scratch, as above: the head without income, a child earning 6000 a year.
  await (await browser.$('#nav-list')).click()
  await (await browser.$('#new-household')).waitForClickable({ timeout: 15000 })
  await (await browser.$('#new-household')).click()
  await typeInto('#new-code', 'E2E-003')
  await typeInto('#new-head', '程流程')
  await typeInto('#new-head-id', '341024197608120214')
  await typeInto('#new-village', '测试村')
  await clickText('button', '创建并填写详情')
  await (await browser.$('#add-member')).waitForClickable({ timeout: 15000 })
  await press('#add-member')
  await fill((await browser.$$('.member-name input'))[1], '程小流')
  await fill((await browser.$$('.member-id input'))[1], '341024201203010323')
  await press('.member-1 .add-income')
  await fill('.member-1 .income-annual input', '6000')
  await press('#save-household')
  await sleep(1500)
  const problems = await browser.$('#form-problems')
  if (await problems.isDisplayed().catch(() => false)) assert.fail(`form problems: ${await problems.getText()}`)
  await browser.waitUntil(async () => !(await (await browser.$('#dirty-tag')).isExisting()), { timeout: 10000, timeoutMsg: 'the household was not saved' })

  // Evaluated and saved: 低保.
  await clickText('.el-tabs__item', '资格评估')
  await press('#evaluate-save')
  await (await browser.$('#confirm-enrollment')).waitForEnabled({ timeout: 10000 })
  await browser.waitUntil(async () => /低保/.test(await textOf('#eval-result')), { timeout: 10000, timeoutMsg: 'expected 低保' })
  const total = await textOf('#eval-total')
  assert.match(total, /^\d+\.\d\d$/)
  assert.match(await textOf('#eval-enrollment'), /未在保/)

  await clickText('.el-tabs__item', '办理流程')
  await stageIs('未申请')

  await recordStep('申请受理', day(30), { note: '本人书面申请，材料齐全' })
  await stageIs('已受理')
  assert.match(await textOf('.deadline-row'), /入户调查\s*应于 \d{4}-\d{2}-\d{2} 前\s*未完成/)
  await recordStep('入户调查', day(29), { note: '两人入户，看查算访' })
  await recordStep('申请信息核对', day(28))
  await recordStep('信息核对结果', day(26), { choices: { finding: '未发现收入或财产' } })
  await recordStep('民主评议', day(25), { choices: { result: '同意' }, fields: { participants: '9' } })
  await recordStep('公示开始', day(22))
  await stageIs('公示中')

  // An objection: until it is settled, 公示结束 is not among the next steps.
  await recordStep('公示异议', day(21), { fields: { by: '本组村民李某' }, note: '家中有轿车' })
  let offered = await stepOptions()
  assert.ok(offered.includes('异议处理') && !offered.includes('公示结束'), `next steps: ${offered.join('、')}`)
  assert.match(await textOf('.timeline-step.step-objection'), /异议：本组村民李某提出，家中有轿车\s*未处理/)
  // The only open objection is the one the settling step names.
  await choose('#next-step-kind', 'pick-next-step', '异议处理')
  assert.match(await textOf('.step-field-objection'), /家中有轿车/)
  await recordStep('异议处理', day(19), { note: '经核实为借用亲戚车辆，异议不成立' })
  assert.match(await textOf('.timeline-step.step-objection'), /已处理（\d{4}-\d{2}-\d{2}）：经核实为借用亲戚车辆/)
  offered = await stepOptions()
  assert.ok(offered.includes('公示结束'), `next steps: ${offered.join('、')}`)

  // A second objection is recorded elsewhere (the command line, at the township)
  // while this window still offers 公示结束: the core refuses it, saying why.
  execFileSync(join(app, '..', 'bangfu'), ['--db', process.env.BANGFU_DB, 'event', 'add', '--household', 'E2E-003', '--kind', 'objection', '--date', day(18), '--actor', '乡镇民政办', '--note', '常年在外务工', '--data', 'by=本组村民张某'], {
    env: { ...process.env, BANGFU_PASSPHRASE: passphrase },
  })
  await choose('#next-step-kind', 'pick-next-step', '公示结束')
  await setStepDate(day(15))
  await press('#record-step')
  const refusal = await browser.$('#step-error')
  await refusal.waitForDisplayed({ timeout: 10000 })
  assert.match(await refusal.getText(), /不能记录“公示结束”.*异议处理/)
  // The window reads the case again: the new objection, open, and 异议处理 next.
  await browser.waitUntil(async () => /常年在外务工\s*未处理/.test(await textOf('#case-timeline')), { timeout: 10000, timeoutMsg: 'the timeline shows the new objection' })
  offered = await stepOptions()
  assert.ok(offered.includes('异议处理') && !offered.includes('公示结束'), `next steps: ${offered.join('、')}`)
  await recordStep('异议处理', day(17), { note: '本人每年在家务农八个月以上，异议不成立' })
  assert.ok(!(await (await browser.$('#step-error')).isExisting()), 'the refusal is gone once a step is recorded')

  // 公示 7 days (both ends counted), then 乡镇审核 and 县级确认 (on or after the evaluation).
  await recordStep('公示结束', day(15))
  await recordStep('乡镇审核', day(10))
  await recordStep('县级确认', day(0))
  await stageIs('在保')

  const timeline = await textOf('#case-timeline')
  for (const expected of ['核对结果：未发现收入或财产', '评议：同意，9人参加', '异议：本组村民李某提出，家中有轿车', '异议：本组村民张某提出，常年在外务工', '处理异议', '县级确认']) {
    assert.ok(timeline.includes(expected), `the timeline shows ${expected}`)
  }
  assert.equal((await browser.$$('.timeline-step')).length, 13)
  const deadlines = await browser.execute(() => [...document.querySelectorAll('.deadline-row')].map((e) => ({ text: e.textContent, missed: e.classList.contains('missed') })))
  assert.equal(deadlines.length, 2)
  assert.ok(deadlines[0].text.includes(`完成 ${day(29)}`), deadlines[0].text)
  assert.ok(deadlines[1].text.includes(`完成 ${day(0)}`), deadlines[1].text)
  assert.ok(deadlines.every((d) => !d.missed), 'no deadline missed')
  assert.ok(!(await (await browser.$('#case-out-of-order')).isExisting()), 'no step out of order')
  assert.match(await textOf('#case-enrollment'), new RegExp(`低保.*每月 ${total} 元.*自 ${day(0)} 起`))
  // The tab from its top, once the 已记录 messages are gone.
  await browser.waitUntil(async () => (await browser.$$('.el-message')).length === 0, { timeout: 15000 })
  await browser.execute(() => document.querySelector('.el-tabs__header')?.scrollIntoView({ block: 'start' }))
  await shot('13-case-path')

  // The household's 在保 line shows it too.
  await clickText('.el-tabs__item', '资格评估')
  assert.match(await textOf('#eval-enrollment'), new RegExp(`当前在保：低保.*每月 ${total} 元`))
})

// Clicks `button` in the row of `table` whose text includes `text`, by script
// (the row may be scrolled inside the pane, see press()).
async function pressInRow(table, text, button) {
  await browser.waitUntil(
    () =>
      browser.execute(
        (t, x, b) => {
          const row = [...document.querySelectorAll(`${t} .el-table__row`)].find((r) => r.textContent.includes(x))
          const el = row?.querySelector(b)
          if (!el) return false
          el.scrollIntoView({ block: 'center' })
          el.click()
          return true
        },
        table,
        text,
        button,
      ),
    { timeout: 10000, timeoutMsg: `no ${button} in the row of ${table} with ${text}` },
  )
}

// The text of the row of `table` whose text includes `text` ('' when none).
async function rowText(table, text) {
  return browser.execute(
    (t, x) => [...document.querySelectorAll(`${t} .el-table__row`)].find((r) => r.textContent.includes(x))?.textContent ?? '',
    table,
    text,
  )
}

test('复核, 渐退 and 终止 end the case of E2E-003; its 审核确认表 prints', async () => {
  const today = localDay(new Date())
  await clickText('.el-tabs__item', '办理流程')
  await stageIs('在保')

  // The 最低生活保障申请审核确认表, its path shown as the dossier's is.
  await press('#print-dibao-form')
  const shown = await browser.$('#case-form-path')
  await shown.waitForDisplayed({ timeout: 20000 })
  const form = (await shown.getText()).replace('已生成：', '').trim()
  assert.ok(existsSync(form), `printed: ${form}`)
  const text = pdfText(form)
  assert.ok(text.includes('最低生活保障申请审核确认表'), 'the form has its title')
  assert.ok(text.includes('程流程'), 'the form names the head')

  await recordStep('复核', today, { choices: { outcome: '减发' } })
  await stageIs('在保')
  await recordStep('进入渐退期', today)
  await stageIs('渐退期')
  await recordStep('终止', today, { choices: { reason: '收入超标' } })
  await stageIs('已结束')
  const timeline = await textOf('#case-timeline')
  assert.ok(timeline.includes('复核：减发'), 'the timeline shows the review')
  assert.ok(timeline.includes('终止：收入超标'), 'the timeline shows the exit')
  // 在保 has ended: the line says so, here and on the 资格评估 tab.
  await browser.waitUntil(async () => /未在保/.test(await textOf('#case-enrollment')), { timeout: 10000, timeoutMsg: 'the 在保 line should be gone' })
  assert.doesNotMatch(await textOf('#case-enrollment'), /每月/)
  await clickText('.el-tabs__item', '资格评估')
  assert.match(await textOf('#eval-enrollment'), /当前在保：未在保/)
})

test('容错纠错 on a household in 在保; its measures: a referral, its reply, a status', async () => {
  const today = localDay(new Date())
  // The list filtered by 办理阶段: only households in 在保.
  await (await browser.$('#nav-list')).click()
  await browser.waitUntil(async () => (await browser.$$('#household-table .el-table__row')).length > 50, { timeout: 30000 })
  await choose('#stage-filter', 'pick-stage', '在保')
  await browser.waitUntil(
    async () => {
      const stages = await browser.execute(() => [...document.querySelectorAll('#household-table .el-table__row .stage-cell')].map((c) => c.textContent.trim()))
      return stages.length > 0 && stages.every((s) => s.startsWith('在保'))
    },
    { timeout: 10000, timeoutMsg: 'the list shows only households in 在保' },
  )
  // 只看超时: every row left has a 办理时限 missed.
  await press('#overdue-filter input')
  await browser.waitUntil(
    () => browser.execute(() => [...document.querySelectorAll('#household-table .el-table__row')].every((r) => r.querySelector('.stage-overdue'))),
    { timeout: 10000, timeoutMsg: 'only overdue households are shown' },
  )
  await press('#overdue-filter input')
  await browser.waitUntil(async () => (await browser.$$('#household-table .el-table__row')).length > 0, { timeout: 10000 })
  const code = await browser.execute(() => document.querySelector('#household-table .el-table__row td')?.textContent.trim())
  assert.match(code, /^[A-Z]{2,3}-\d{3}$/)
  await press('#household-table .el-table__row td')
  await clickText('.el-tabs__item', '办理流程')
  await stageIs('在保')

  await recordStep('容错纠错', today, {
    choices: { recorded: '低保' },
    fields: { approved_by: '乡镇人民政府' },
    note: '家庭成员突发重病，经乡镇集体研究按低保认定',
  })
  const step = await textOf('.timeline-step.step-exception')
  assert.match(step, /计算结论：\S+/)
  assert.match(step, /认定为：低保，批准人：乡镇人民政府/)
  assert.match(step, /理由：家庭成员突发重病/)
  await stageIs('在保')

  // 帮扶措施: a referral to the 医保局, then its reply and the measure done.
  await clickText('.el-tabs__item', '帮扶措施')
  await (await browser.$('#measure-form')).waitForDisplayed({ timeout: 10000 })
  const before = (await browser.$$('#measure-table .measure-row')).length
  await choose('#measure-kind', 'pick-measure-kind', '医疗救助')
  await fill('#measure-description', '申请大病补充医疗救助')
  assert.equal(await (await browser.$('#measure-responsible')).getValue(), '方晓燕', 'the caseworker is responsible by default')
  await press('#measure-referred input')
  await fill('#measure-department', '县医疗保障局')
  assert.equal(await (await browser.$('#measure-sent')).getValue(), today, 'sent today by default')
  await press('#add-measure')
  await browser.waitUntil(async () => (await browser.$$('#measure-table .measure-row')).length === before + 1, { timeout: 10000, timeoutMsg: 'the measure was not added' })
  let row = await rowText('#measure-table', '申请大病补充医疗救助')
  assert.match(row, /计划中/)
  assert.ok(row.includes(`${today} 转介县医疗保障局，待答复`), row)
  // (No screenshot of this tab: WebKitWebDriver's screenshot of it hangs
  // under Xvfb; the checks above and below are what the test is for.)

  // 未落实 without its reason is refused, and says so.
  await pressInRow('#measure-table', '申请大病补充医疗救助', '.edit-measure')
  await (await browser.$('#save-measure-edit')).waitForDisplayed({ timeout: 10000 })
  await choose('#edit-measure-status', 'pick-measure-status', '未落实')
  await press('#save-measure-edit')
  const refused = await browser.$('#measure-edit-error')
  await refused.waitForDisplayed({ timeout: 10000 })
  assert.match(await refused.getText(), /未落实.*须写明/)
  // Done, with the department's reply.
  await choose('#edit-measure-status', 'pick-measure-status', '已完成')
  await fill('#edit-measure-outcome', '已纳入医疗救助')
  await fill('#edit-measure-reply', '同意按规定救助')
  await fill('#edit-measure-replied', today)
  await browser.keys(['Enter'])
  await press('#save-measure-edit')
  await browser.waitUntil(async () => /已完成/.test(await rowText('#measure-table', '申请大病补充医疗救助')), { timeout: 10000, timeoutMsg: 'the measure was not updated' })
  row = await rowText('#measure-table', '申请大病补充医疗救助')
  assert.ok(row.includes(`${today} 答复：同意按规定救助`), row)
  assert.ok(row.includes('已纳入医疗救助'), row)
  assert.equal((await browser.$$('#measure-table .measure-row')).length, before + 1, 'updated, not added again')

  // A measure the decision suggests, when there is one, goes in with one click.
  const suggestions = await browser.$$('#suggested-measures .add-suggested')
  if (suggestions.length) {
    await press(suggestions[0])
    await browser.waitUntil(async () => (await browser.$$('#measure-table .measure-row')).length === before + 2, { timeout: 10000, timeoutMsg: 'the suggested measure was not added' })
  }
})

test('防返贫监测 lists the household that left 在保; a click opens it', async () => {
  await (await browser.$('#nav-monitoring')).click()
  await browser.waitUntil(async () => (await rowText('#monitoring-table', 'E2E-003')) !== '', { timeout: 20000, timeoutMsg: 'E2E-003 is monitored' })
  const today = localDay(new Date())
  const row = await rowText('#monitoring-table', 'E2E-003')
  assert.ok(row.includes(`${today} 停保退出`), row)
  // Overdue visits are marked in red.
  const overdue = await browser.execute(() =>
    [...document.querySelectorAll('#monitoring-table .monitoring-overdue')].map((e) => getComputedStyle(e).color),
  )
  for (const color of overdue) assert.match(color, /rgb\(245, 108, 108\)/)
  await shot('15-monitoring')
  await pressInRow('#monitoring-table', 'E2E-003', 'td')
  await browser.waitUntil(async () => /E2E-003/.test(await textOf('.page h2')), { timeout: 10000, timeoutMsg: 'the household opens' })
})

test('due list and notice screens', async () => {
  await (await browser.$('#nav-due')).click()
  await (await browser.$('#due-table')).waitForDisplayed({ timeout: 10000 })
  await shot('05-due-list')
  // 回头看 over the demo village: it names households and rules.
  await (await browser.$('#nav-audit')).click()
  await browser.waitUntil(async () => (await browser.$$('#audit-table .el-table__row')).length > 0, { timeout: 20000 })
  const firstRow = (await browser.$$('#audit-table .el-table__row'))[0]
  assert.match(await firstRow.getHTML(), /[A-Z]{2,3}-\d{3}/)
  assert.match(await firstRow.getHTML(), /重复登记|近亲属未备案|未按期走访|超过复核周期|与重新评估不符/)
  await shot('09-audit')
  await (await browser.$('#nav-print')).click()
  await (await browser.$('#print-notice')).waitForClickable({ timeout: 10000 })
  await (await browser.$('#print-notice')).click()
  await (await browser.$('#notice-path')).waitForDisplayed({ timeout: 20000 })
  const path = (await (await browser.$('#notice-path')).getText()).replace('已生成：', '').trim()
  assert.ok(existsSync(path))
  const text = readFileSync(path).length
  assert.ok(text > 1000)
})

test('export a signed, encrypted sync bundle for the county', async () => {
  const key = process.env.BANGFU_COUNTY_KEY
  assert.ok(key && existsSync(key), 'BANGFU_COUNTY_KEY names the county key file')
  // The device key was made at first start, from the caseworker and village given there.
  await (await browser.$('#nav-sync')).click()
  await typeInto('#county-key-path', key)
  await (await browser.$('#import-county-key')).click()
  const exportButton = await browser.$('#export-bundle')
  await exportButton.waitForEnabled({ timeout: 15000 })
  // No county policy imported yet: the screen says which one evaluations use.
  const policies = await (await browser.$('#policies-in-use')).getText()
  assert.match(policies, /2026-01（2026-01-01 起施行，程序内置/)
  await shot('06-sync')
  await exportButton.click()
  const shown = await browser.$('#bundle-paths .bundle-path')
  await shown.waitForDisplayed({ timeout: 30000 })
  const bundle = (await shown.getText()).trim()
  assert.ok(existsSync(bundle), `bundle written: ${bundle}`)
  // Encrypted: no ID number of the household created above is readable in it.
  assert.ok(!readFileSync(bundle).includes(Buffer.from('341024198104120119')))
})

test('a backup is written encrypted, and the reminder goes away', async () => {
  assert.ok(await (await browser.$('#backup-reminder')).isDisplayed(), 'never backed up: the app reminds')
  await (await browser.$('#backup-now')).click()
  const backupDir = join(printDir, '..', '备份')
  await browser.waitUntil(() => existsSync(backupDir) && readdirSync(backupDir).some((f) => f.endsWith('.sqlite')), { timeout: 20000 })
  const file = join(backupDir, readdirSync(backupDir).find((f) => f.endsWith('.sqlite')))
  assert.ok(!readFileSync(file).subarray(0, 16).equals(Buffer.from('SQLite format 3\0')), 'the backup is encrypted')
  await browser.waitUntil(async () => !(await (await browser.$('#backup-reminder')).isExisting()), { timeout: 10000 })
})

test('after a restart the store asks for its passphrase; a wrong one is refused', async () => {
  await browser.deleteSession()
  browser = await remote(session)
  await typeInto('#unlock-pass', '不是这个口令了')
  await (await browser.$('#unlock-submit')).click()
  const error = await browser.$('#unlock-error')
  await error.waitForDisplayed({ timeout: 10000 })
  assert.match(await error.getText(), /口令不正确/)
  await shot('07-unlock')
  await typeInto('#unlock-pass', passphrase)
  const started = Date.now()
  await (await browser.$('#unlock-submit')).click()
  await (await browser.$('#search')).waitForDisplayed({ timeout: 20000 })
  console.log(`# unlock (Argon2id, open, search index) to the household list: ${Date.now() - started} ms`)
  await typeInto('#search', '端对端')
  await browser.waitUntil(async () => (await browser.$$('#household-table .el-table__row')).length === 1, { timeout: 10000 })
})
