// Every count the webhook publishes (service `webhook`): WebhookService#count takes only these, so
// the CloudWatch dashboard and alarms (infra/constructs/) cannot name one the code does not emit.
export const WEBHOOK_METRIC_NAMES = {
  verified: 'WebhookVerified',
  accepted: 'WebhookAccepted',
  duplicate: 'WebhookDuplicate',
  rejected: 'WebhookRejected',
  staleTimestamp: 'WebhookStaleTimestamp',
  enqueueFailed: 'WebhookEnqueueFailed',
  eventRepaired: 'WebhookEventRepaired',
  eventParked: 'WebhookEventParked',
  parkedEventReplayed: 'WebhookParkedEventReplayed',
  parkedEventStillParked: 'WebhookParkedEventStillParked',
  unknownEvent: 'WebhookUnknownEvent',
  ignoredEvent: 'WebhookIgnoredEvent',
  stsTokenStored: 'WebhookStsTokenStored',
} as const;

export type WebhookMetricName = (typeof WEBHOOK_METRIC_NAMES)[keyof typeof WEBHOOK_METRIC_NAMES];
