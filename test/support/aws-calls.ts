// Counts what a piece of code asks of DynamoDB and SQS, through the real clients: an SDK middleware
// on the client's own stack sees every command the code sends (retries of one command count once)
// and its answer. The benches print these counts and the tests pin them, so a change that adds a
// request per delivery or reads more items per listed recording fails a test, not only a figure.
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** What DynamoDB was asked for and had to read, since the last reset. */
export interface DynamoCalls {
  /** Commands sent (one per request, whatever it carries). */
  requests: number;
  /** Items written: a PutItem/UpdateItem/DeleteItem is one, a transaction or batch write one per item. */
  itemWrites: number;
  /** Write requests (PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem). */
  writeRequests: number;
  /**
   * Items DynamoDB read to answer: a Query's or Scan's ScannedCount (what it examined, not what it
   * returned after a filter), 1 per GetItem (found or not: both are billed), 1 per key of a BatchGet.
   */
  itemsRead: number;
  /** Read capacity units DynamoDB reported (ReturnConsumedCapacity is added to every read). */
  readCapacity: number;
  /** Commands by name, e.g. { PutItemCommand: 2 }. */
  byCommand: Record<string, number>;
  /** Wall-clock ms spent waiting on the commands (overlapping commands add up). */
  waitedMs: number;
}

export interface SqsCalls {
  requests: number;
  waitedMs: number;
  /** Messages handed to SendMessage / SendMessageBatch. */
  messagesSent: number;
  byCommand: Record<string, number>;
}

export interface CallCounter<T> {
  readonly calls: T;
  reset(): void;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

const emptyDynamo = (): DynamoCalls => ({ requests: 0, itemWrites: 0, writeRequests: 0, itemsRead: 0, readCapacity: 0, byCommand: {}, waitedMs: 0 });

function writtenItems(command: string, input: Input): number {
  if (command === 'TransactWriteItemsCommand') return (input.TransactItems as unknown[] | undefined)?.length ?? 0;
  if (command === 'BatchWriteItemCommand') return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce((n, list) => n + list.length, 0);
  return 1;
}

function readItems(command: string, input: Input, output: Output): number {
  if (command === 'QueryCommand' || command === 'ScanCommand') return Number(output.ScannedCount ?? 0);
  if (command === 'GetItemCommand') return 1;
  if (command === 'BatchGetItemCommand') return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).reduce((n, t) => n + (t.Keys?.length ?? 0), 0);
  if (command === 'TransactGetItemsCommand') return (input.TransactItems as unknown[] | undefined)?.length ?? 0;
  return 0;
}

function capacityOf(output: Output): number {
  const consumed = output.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
  if (!consumed) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
}

/** Counts every command `dynamo` sends from now on (the counter is shared by every copy of the client). */
export function countDynamoCalls(dynamo: DynamoDBDocumentClient): CallCounter<DynamoCalls> {
  const counter = { calls: emptyDynamo(), reset: () => Object.assign(counter.calls, emptyDynamo()) };
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Input;
      if (READS.has(command) && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
      const calls = counter.calls;
      calls.requests += 1;
      calls.byCommand[command] = (calls.byCommand[command] ?? 0) + 1;
      // A write refused by its condition still counts: DynamoDB was asked, and bills it.
      if (WRITES.has(command)) {
        calls.writeRequests += 1;
        calls.itemWrites += writtenItems(command, input);
      }
      const started = performance.now();
      const result = await next(args).finally(() => {
        calls.waitedMs += performance.now() - started;
      });
      const output = (result.output ?? {}) as Output;
      calls.itemsRead += readItems(command, input, output);
      calls.readCapacity += capacityOf(output);
      return result;
    },
    { step: 'initialize', name: `countDynamoCalls-${Math.random().toString(36).slice(2)}` },
  );
  return counter;
}

/** Counts every command `sqs` sends from now on. */
export function countSqsCalls(sqs: SQSClient): CallCounter<SqsCalls> {
  const empty = (): SqsCalls => ({ requests: 0, messagesSent: 0, byCommand: {}, waitedMs: 0 });
  const counter = { calls: empty(), reset: () => Object.assign(counter.calls, empty()) };
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Input;
      const calls = counter.calls;
      calls.requests += 1;
      calls.byCommand[command] = (calls.byCommand[command] ?? 0) + 1;
      const started = performance.now();
      const result = await next(args).finally(() => {
        calls.waitedMs += performance.now() - started;
      });
      if (command === 'SendMessageBatchCommand') calls.messagesSent += (input.Entries as unknown[] | undefined)?.length ?? 0;
      if (command === 'SendMessageCommand') calls.messagesSent += 1;
      return result;
    },
    { step: 'initialize', name: `countSqsCalls-${Math.random().toString(36).slice(2)}` },
  );
  return counter;
}
