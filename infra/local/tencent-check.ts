// The credential check `npm start` runs against a real Tencent API (TENCENT_MEETING_API_BASE): one
// cheap authenticated call, so wrong credentials fail at start and not at the first recording, and
// the operator form the account accepts (open points #2, #3), reported in the start log.
import type { TencentConfig } from '../../shared/tencent/config.ts';
import { TencentApiError } from '../../shared/tencent/errors.ts';
import { TencentMeetingClient, type OperatorForm, type OperatorFormEndpoint } from '../../shared/tencent/client.ts';
import { describeForm } from '../../shared/tencent/operator-form.ts';
import { MAX_WINDOW_SECONDS } from '../../shared/tencent/time-windows.ts';

/** Tencent rejected the credentials; the message says which variables to check. */
export class TencentCredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TencentCredentialsError';
  }
}

/**
 * A cheap authenticated call, so wrong credentials are reported at start, not at the first
 * recording; it also finds which operator form the account accepts (open points #2, #3) and says so.
 */
export async function checkTencentCredentials(config: TencentConfig): Promise<string> {
  const client = new TencentMeetingClient(config, { retry: { limit: 1 }, timeoutMs: 10_000 });
  const endSec = Math.floor(Date.now() / 1000);
  try {
    const listed = await client.listRecords({ startTimeSec: endSec - MAX_WINDOW_SECONDS, endTimeSec: endSec, pageSize: 1 });
    const fileId = listed.record_meetings.flatMap((m) => m.record_files)[0]?.record_file_id;
    // Apps created from 2026-01-16 need an STS token here, which only a webhook delivers: a refusal is no credentials problem.
    if (fileId) await client.getFileAddress(fileId).catch(() => undefined);
  } catch (error) {
    if (error instanceof TencentApiError) {
      if (error.errorCode === 190303 || error.errorCode === 9042) {
        throw new TencentCredentialsError(
          `Tencent Meeting rejected the credentials (error_code ${error.errorCode}: ${error.tencentMessage}). ` +
            'Check TENCENT_MEETING_APP_ID and TENCENT_MEETING_SECRET_ID, and set TENCENT_MEETING_SDK_ID only if Tencent assigned one.',
          { cause: error },
        );
      }
      if (error.errorCode === 200003) {
        throw new TencentCredentialsError(
          `Tencent Meeting could not verify the request signature (error_code 200003: ${error.tencentMessage}). Check TENCENT_MEETING_SECRET_KEY.`,
          { cause: error },
        );
      }
      if (error.errorCode === 190300) {
        throw new TencentCredentialsError(`Tencent Meeting refused the request timestamp (error_code 190300): this machine's clock is off by more than 5 minutes.`, {
          cause: error,
        });
      }
      if (error.httpStatus === undefined) {
        throw new TencentCredentialsError(`Tencent Meeting API at ${config.apiBase} did not answer (${error.tencentMessage}). Check TENCENT_MEETING_API_BASE.`, {
          cause: error,
        });
      }
    }
    // Anything else (a user without recordings, a rate limit) says nothing about the credentials.
  }
  return operatorFormReport(client.operatorForms());
}

/** The start log line that says which operator form each record API was found to accept. */
export function operatorFormReport(found: Readonly<Partial<Record<OperatorFormEndpoint, OperatorForm>>>): string {
  const named = (endpoint: OperatorFormEndpoint, path: string): string | undefined => (found[endpoint] ? `${path} takes ${describeForm(found[endpoint])}` : undefined);
  const known = [named('records', 'GET /v1/records'), named('file-address', 'GET /v1/addresses/{id}')].filter(Boolean);
  if (known.length === 0) {
    return 'Tencent Meeting operator form not determined yet (no recording listed in the last 30 days, and neither form was refused): the archive tries both until one lists a recording';
  }
  return `Tencent Meeting operator form found: ${known.join('; ')}`;
}
