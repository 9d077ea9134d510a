// The archive console in a real browser (Debian's Chromium through playwright-core) against the
// local stack as `npm start` runs it: one stack, one browser session, the user's whole path from
// a wrong token to a verified download. UPDATE_SCREENSHOTS=1 writes the README's screenshots.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import { createDynamoClient } from '../../shared/aws/clients.ts';
import { DynamoCheckpointStore } from '../../shared/copy/checkpoint-store.ts';
import { LOCAL_RESOURCE_NAMES } from '../../infra/local/resources.ts';
import { DEMO_VIDEO } from '../../infra/local/demo.ts';
import { launchChromium, type Browser } from '../support/chromium.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';

jest.setTimeout(240_000);

const DAY = 86_400_000;
const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');

let stack: StackProcess;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];
const now = Date.now();
const failed = { meetingRecordId: '7100000000000000001', meetingId: '7100000000000000011', meetingCode: '710000001', subject: '季度评审 Quarterly review', host: 'li.lei', startMs: now - 10 * DAY };
const copying = { meetingRecordId: '7100000000000000002', meetingId: '7100000000000000012', meetingCode: '710000002', subject: '周会 产品组', host: 'wang.fang', startMs: now - 2 * DAY };

/** Two more recordings, written the way the ingest worker writes them: one failed, one copying in parts. */
async function seedArchive(): Promise<void> {
  const dynamo = createDynamoClient({ dynamodbEndpoint: stack.dynamodbUrl, region: 'us-east-1' });
  const index = new ArchiveIndex({ dynamo, tableName: LOCAL_RESOURCE_NAMES.table });
  for (const r of [failed, copying]) {
    await index.upsertMeetingRecording({ meetingRecordId: r.meetingRecordId, meetingId: r.meetingId, meetingCode: r.meetingCode, subject: r.subject, hostUserId: r.host, mediaStartTimeMs: r.startMs, state: 3 });
    await index.upsertRecordFile({
      meetingRecordId: r.meetingRecordId,
      recordFileId: `${r.meetingRecordId}9`,
      meetingId: r.meetingId,
      recordStartTimeMs: r.startMs + 1000,
      recordEndTimeMs: r.startMs + 1000 + 45 * 60_000,
      recordSize: 800_000_000,
      sharing: { sharingState: 1 },
    });
  }
  await index.setArtifactStatus(failed.meetingRecordId, `${failed.meetingRecordId}9`, {
    artifact: 'video',
    kind: 'video',
    fileType: 'mp4',
    status: 'failed',
    expectedBytes: 800_000_000,
    lastError: 'download of https://download.example.com/f.mp4?sign=SECRET-SIGNATURE failed: HTTP 403 Forbidden after 3 attempts',
  });
  await index.setArtifactStatus(copying.meetingRecordId, `${copying.meetingRecordId}9`, { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'copying', expectedBytes: 800_000_000 });
  await new DynamoCheckpointStore({ dynamo, tableName: LOCAL_RESOURCE_NAMES.table }).save(
    { recordFileId: `${copying.meetingRecordId}9`, artifact: 'video' },
    { bucket: LOCAL_RESOURCE_NAMES.bucket, key: 'recordings/x.mp4', uploadId: 'upload-1', partSize: 8 * 1024 * 1024, totalBytes: 800_000_000, checksumType: 'FULL_OBJECT', parts: [], nextByte: 320_000_000, bytesDone: 320_000_000, phase: 'uploading', updatedAt: new Date().toISOString() },
  );
  dynamo.destroy();
}

async function waitForDemoArchived(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.apiUrl}/corp/records?start_time=0&end_time=4102444800`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
    const body = (await response.json()) as { record_meetings?: Array<{ subject: string; archive: { status: string } }> };
    if (body.record_meetings?.some((m) => m.subject === 'Demo: weekly sync' && m.archive.status === 'archived')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the demo meeting was not archived in time:\n${stack.output()}`);
}

async function screenshot(name: string): Promise<void> {
  const path = join(tmpdir(), `console-${name}-${process.pid}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(SCREENSHOTS, { recursive: true });
    copyFileSync(path, join(SCREENSHOTS, `console-${name}.png`));
  }
}

const rows = () => page.locator('table.recordings tbody tr');
const subjects = async () => (await page.locator('table.recordings tbody td.subject > :first-child').allTextContents()).sort();

async function applyFilters(values: Partial<Record<'from' | 'to' | 'host' | 'code' | 'subject', string>>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await page.fill(`form.filters [name=${name}]`, value);
  await page.click('form.filters button[type=submit]');
  await page.waitForFunction(() => document.querySelector('section.results')?.getAttribute('aria-busy') === 'false');
}

beforeAll(async () => {
  browser = await launchChromium({ timezoneId: 'Asia/Shanghai', locale: 'en-US' });
  stack = await startStackProcess();
  await waitForDemoArchived();
  await seedArchive();
  page = await browser.context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (stack) expect(await stack.stop()).toBe(0);
});

describe('the archive console', () => {
  it('serves only the page shell without auth, under a strict Content-Security-Policy', async () => {
    const response = await page.goto(stack.consoleUrl);
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    // Media only from the bucket's presigned links (the local S3 emulator here).
    expect(csp).toContain(`media-src ${new URL(stack.s3Url).origin}`);
    expect((await fetch(`${stack.apiUrl}/corp/records?start_time=0&end_time=1`)).status).toBe(401);
  });

  it('refuses a wrong token with a sign-in error, then signs in with the right one', async () => {
    await page.fill('#token', 'not-the-token');
    await page.click('form.sign-in button[type=submit]');
    await expect(page.locator('#sign-in-error').textContent()).resolves.toMatch(/Sign-in failed: the archive refused your token \(401/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.fill('#token', stack.apiToken);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('table.recordings');
  });

  it('lists the demo meeting newest first, with Chinese subjects, local times and UTC on hover', async () => {
    expect(await page.locator('table.recordings tbody td.subject > :first-child').allTextContents()).toEqual(['Demo: weekly sync', copying.subject, failed.subject]);
    const demo = rows().filter({ hasText: 'Demo: weekly sync' });
    await expect(demo.locator('.badge').first().textContent()).resolves.toBe('archived');
    const time = demo.locator('time');
    const at = new Date((await time.getAttribute('datetime'))!);
    expect(await time.getAttribute('title')).toBe(`${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`);
    // The browser's zone here is Asia/Shanghai (UTC+8), not the machine's.
    const inZone = (timeZone: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
    expect(await time.textContent()).toBe(inZone('Asia/Shanghai'));
    expect(inZone('Asia/Shanghai')).not.toBe(inZone('UTC'));
    // A copy in parts shows how far it got; a failed one shows why (without the signed link).
    await expect(rows().filter({ hasText: copying.subject }).locator('.badge').first().textContent()).resolves.toBe('copying 40%');
    const reason = await rows().filter({ hasText: failed.subject }).locator('.reason').textContent();
    expect(reason).toContain('HTTP 403 Forbidden after 3 attempts');
    expect(reason).not.toContain('SECRET-SIGNATURE');
    await screenshot('list');
  });

  it('narrows the list by subject, host, meeting code and date range', async () => {
    await applyFilters({ subject: '季度' });
    expect(await subjects()).toEqual([failed.subject]);
    await applyFilters({ subject: '', host: copying.host });
    expect(await subjects()).toEqual([copying.subject]);
    await applyFilters({ host: '', code: failed.meetingCode });
    expect(await subjects()).toEqual([failed.subject]);
    const threeDaysAgo = new Date(now - 3 * DAY).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
    await applyFilters({ code: '', from: threeDaysAgo });
    expect(await subjects()).toEqual([copying.subject, 'Demo: weekly sync'].sort());
    await applyFilters({ subject: 'no such meeting' });
    await expect(page.locator('section.results .empty').textContent()).resolves.toBe('No recordings match these filters.');
    await applyFilters({ subject: '' });
  });

  it('is keyboard navigable: / jumps to the subject filter, Enter opens a recording, Escape goes back', async () => {
    await page.locator('body').press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter-subject');
    await page.locator('table.recordings a', { hasText: 'Demo: weekly sync' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('video');
    await page.keyboard.press('Escape');
    await page.waitForSelector('table.recordings');
  });

  it("plays the recording's video beside its transcript, every artifact with size and checksum", async () => {
    await page.locator('table.recordings a', { hasText: 'Demo: weekly sync' }).click();
    await page.waitForSelector('video');
    await expect(page.locator('.transcript pre').textContent()).resolves.toContain('[00:00:05] 王芳 (Wang Fang): 大家好');
    const artifacts = page.locator('table.artifacts tbody tr');
    expect(await artifacts.locator('td:first-child > .code').allTextContents()).toEqual(['video', 'audio', expect.stringMatching(/^transcript-/)]);
    for (const checksum of await artifacts.locator('td.checksum').allTextContents()) expect(checksum).toMatch(/^CRC32:/);
    await expect(artifacts.first().locator('td.num').textContent()).resolves.toBe('24 KiB');
    const played = await page.evaluate(async () => {
      const video = document.querySelector('video')!;
      video.muted = true;
      await video.play();
      return new Promise<number>((resolve) => video.addEventListener('timeupdate', () => video.currentTime > 0.5 && resolve(video.currentTime)));
    });
    expect(played).toBeGreaterThan(0.5);
    await page.evaluate(() => document.querySelector('video')!.pause());
    await page.evaluate(() => (document.querySelector('video')!.currentTime = 1.2));
    await screenshot('recording');
    expect(cspViolations).toEqual([]);
  });

  it('downloads the exact archived bytes, named after the meeting subject', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.download[data-artifact=video]')]);
    expect(download.suggestedFilename()).toMatch(/^Demo_ weekly sync.*\.mp4$/);
    const saved = readFileSync((await download.path())!);
    expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(DEMO_VIDEO).digest('hex'));
  });
});
