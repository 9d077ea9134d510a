// The two ways Tencent's sources name the operator of a record call (open points #2 and #3), and
// how the client finds the one the account accepts. The official SDKs send operator_id +
// operator_id_type; the customer's seed (and LULAB's connector) send `userid`, keeping
// operator_id_type for rooms (3) only. An account answers the form it does not accept with an
// error code no source documents, or with an empty answer, so:
// - only a positive answer (a non-empty list, a file with links, a settings object) proves a form;
// - an empty answer or any refusal from an unproven form sends the same call in the other form;
// - a form once proven is used first from then on (per process: see OperatorForms), and its empty
//   answer is believed, because it is the account's own answer.
import { isRetryable } from '../errors.ts';
import type { OperatorIdType } from './config.ts';
import { TencentApiError, TencentGoneError } from './errors.ts';
import type { Query } from './transport.ts';

export type OperatorForm = 'sdk' | 'seed';

/** The calls whose operator form is remembered separately: an account may differ per API. */
export type OperatorFormEndpoint = 'records' | 'addresses' | 'file-address' | 'record-settings' | 'record-delete';

export interface Operator {
  readonly id: string;
  readonly type: OperatorIdType;
}

/** Why a form was taken as the accepted one: a positive answer, or the other form refusing while this one answered. */
export type FormEvidence = 'listed' | 'other-refused';

export interface OperatorFormFound {
  readonly endpoint: OperatorFormEndpoint;
  readonly form: OperatorForm;
  readonly evidence: FormEvidence;
}

const OTHER: Readonly<Record<OperatorForm, OperatorForm>> = { sdk: 'seed', seed: 'sdk' };

/** The query parameters that name `operator` in `form`. A room (type 3) has one form only. */
export function operatorQuery(operator: Operator, form: OperatorForm): Query {
  if (form === 'seed' && operator.type !== 3) return [['userid', operator.id]];
  return [
    ['operator_id', operator.id],
    ['operator_id_type', operator.type],
  ];
}

/** How the form appears in a log line or the start banner, e.g. `userid=…`. */
export function describeForm(form: OperatorForm): string {
  return form === 'seed' ? 'userid=<operator> (the seed documents’ form)' : 'operator_id=<operator>&operator_id_type=<type> (the SDKs’ form)';
}

type Outcome<T> = { readonly form: OperatorForm; readonly ok: true; readonly value: T } | { readonly form: OperatorForm; readonly ok: false; readonly error: unknown };

/**
 * The accepted form per endpoint, learnt from answers. In memory, per process, on purpose: a probe
 * costs at most one extra request per endpoint (the refused form's 4xx or empty answer comes back at
 * once), which is less than a DynamoDB read per cold start would, and a remembered form cannot
 * outlive the process that proved it (a persisted one would keep answering "empty" after the
 * account moved to the other form, which is the one failure this module exists to prevent).
 */
export class OperatorForms {
  readonly #known = new Map<OperatorFormEndpoint, OperatorForm>();
  readonly #onFound: ((found: OperatorFormFound) => void) | undefined;

  constructor(options: { onFound?: (found: OperatorFormFound) => void } = {}) {
    this.#onFound = options.onFound;
  }

  /** The forms proven so far. */
  known(): Readonly<Partial<Record<OperatorFormEndpoint, OperatorForm>>> {
    return Object.fromEntries(this.#known);
  }

  /**
   * Runs `call` with the operator in the accepted form, trying the other form when the answer
   * proves nothing. `isEmpty` says when a successful answer proves nothing (an empty list, a file
   * without links). A rate limit, a 4051 (file deleted) or a gone answer from the proven form is
   * thrown at once; a 9003 from an unproven form sends the call in the other form. When no
   * form gave a positive answer: a transient failure is thrown first (retrying may tell), then an
   * empty answer is returned, then the first form's refusal is thrown.
   */
  async run<T>(endpoint: OperatorFormEndpoint, operator: Operator, call: (query: Query) => Promise<T>, isEmpty: (value: T) => boolean): Promise<T> {
    if (operator.type === 3) return call(operatorQuery(operator, 'sdk'));
    const known = this.#known.get(endpoint);
    // Unproven, the official SDKs' form goes first: it is what the current docs describe.
    const order: readonly OperatorForm[] = known ? [known, OTHER[known]] : ['sdk', 'seed'];
    const outcomes: Array<Outcome<T>> = [];
    for (const form of order) {
      const outcome = await attempt(form, () => call(operatorQuery(operator, form)));
      if (outcome.ok && !isEmpty(outcome.value)) {
        this.#learn(endpoint, form, 'listed');
        return outcome.value;
      }
      // 4051 names the file: no form answers it for a file that exists. 9003 ("meeting does not
      // exist") is believed from the proven form only: an account may answer it to the form it does
      // not accept, so from an unproven form it is a refusal like any other. A rate limit says
      // nothing about forms, and the other form would only be refused as well.
      if (!outcome.ok && (isGoneAnswer(outcome.error, form === known) || isRateLimited(outcome.error))) throw outcome.error;
      outcomes.push(outcome);
      if (known !== undefined) {
        // A proven form's empty answer is the account's answer; its transient failure says nothing about forms.
        if (outcome.ok || isRetryable(outcome.error)) return settle(outcomes);
      }
    }
    const answered = outcomes.find((o) => o.ok);
    // A gone answer (a deleted file's 9003 or 4051) says nothing about forms: taken as the other
    // form's refusal, it would prove an empty answer's form, and every later answer would be empty.
    const refusedForm = outcomes.some((o) => !o.ok && !isRetryable(o.error) && !(o.error instanceof TencentGoneError));
    if (known === undefined && answered && refusedForm) this.#learn(endpoint, answered.form, 'other-refused');
    return settle(outcomes);
  }

  #learn(endpoint: OperatorFormEndpoint, form: OperatorForm, evidence: FormEvidence): void {
    if (this.#known.get(endpoint) === form) return;
    this.#known.set(endpoint, form);
    this.#onFound?.({ endpoint, form, evidence });
  }
}

const FILE_DELETED = 4051;

function isGoneAnswer(error: unknown, fromProvenForm: boolean): boolean {
  return error instanceof TencentGoneError && (fromProvenForm || error.errorCode === FILE_DELETED);
}

function isRateLimited(error: unknown): boolean {
  return error instanceof TencentApiError && error.isRateLimit;
}

async function attempt<T>(form: OperatorForm, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { form, ok: true, value: await run() };
  } catch (error) {
    return { form, ok: false, error };
  }
}

/** No positive answer: a transient failure wins (nothing is concluded), then an empty answer, then the first refusal. */
function settle<T>(outcomes: ReadonlyArray<Outcome<T>>): T {
  const transient = outcomes.find((o) => !o.ok && isRetryable(o.error));
  if (transient && !transient.ok) throw transient.error;
  const answered = outcomes.find((o) => o.ok);
  if (answered?.ok) return answered.value;
  const first = outcomes[0]!;
  if (!first.ok) throw first.error;
  return first.value;
}
