// What the operations commands read of the ingest queue and its dead-letter queue: depths, the DLQ
// found from the queue's own RedrivePolicy (the same in AWS and on fauxqs, so no extra output or
// setting is needed), and the messages in the DLQ with why they are there.
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { INGEST_MAX_RECEIVE_COUNT } from '../archive/table-design.ts';
import { NotFoundError } from '../errors.ts';

export interface QueueDepth {
  /** Messages waiting to be received. */
  readonly visible: number;
  /** Received and not yet deleted (being worked on, or waiting out a visibility timeout). */
  readonly inFlight: number;
  /** Sent with a delay (deferrals: a busy file, a recording still transcoding). */
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const n = (value: string | undefined) => Number(value ?? 0) || 0;
  return { visible: n(a.ApproximateNumberOfMessages), inFlight: n(a.ApproximateNumberOfMessagesNotVisible), delayed: n(a.ApproximateNumberOfMessagesDelayed) };
}

/** The ingest queue's dead-letter queue, named by its RedrivePolicy. */
export async function deadLetterQueueOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  let arn: unknown;
  try {
    arn = (JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
  } catch {
    arn = undefined;
  }
  const name = typeof arn === 'string' ? arn.split(':').pop() : undefined;
  if (!name) throw new NotFoundError('the ingest queue has no RedrivePolicy naming a dead-letter queue', { queueUrl });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new NotFoundError(`the dead-letter queue ${name} was not found`, { queueUrl });
  return QueueUrl;
}

/** Why a message is in the DLQ, as far as the message itself can tell. */
export interface DeadLetterOrigin {
  /** `worker`: the ingest worker sent it there at once (cannot succeed on retry); `redrive`: SQS moved it after maxReceiveCount receives. */
  readonly by: 'worker' | 'redrive';
  /** The worker's `failure` attribute (`<ErrorName>: <message>`), or what SQS's redrive says. */
  readonly reason: string;
}

export function deadLetterOrigin(message: Pick<Message, 'MessageAttributes' | 'Attributes'>): DeadLetterOrigin {
  // shared/ingest/sqs-batch.ts puts the error on the message it sends to the DLQ; SQS's own redrive
  // carries no reason, only the receives it counted.
  const failure = message.MessageAttributes?.failure?.StringValue;
  if (failure) return { by: 'worker', reason: failure };
  const receives = message.Attributes?.ApproximateReceiveCount;
  return {
    by: 'redrive',
    reason: `failed ${INGEST_MAX_RECEIVE_COUNT} receives on the ingest queue (retryable errors each time)${receives ? `; received ${receives} times in all` : ''}`,
  };
}

/** One receive from the DLQ with everything that tells a message's origin. */
export async function receiveDeadLetters(sqs: SQSClient, dlqUrl: string, max: number, visibilityTimeout: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: dlqUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
      // A long poll, however short, asks every SQS server: a short poll samples some, and an empty
      // answer from it would end the redrive with messages left behind.
      WaitTimeSeconds: 1,
      VisibilityTimeout: visibilityTimeout,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}
