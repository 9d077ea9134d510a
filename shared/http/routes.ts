// Paths of the archive's HTTP front door that the CDK API and the local gateway must agree on:
// Tencent's event subscription is configured with this URL, so it may not differ between them.

/** Where Tencent Meeting delivers webhook events (GET: URL verification, POST: events). */
export const WEBHOOK_PATH = '/webhooks/tencent-meeting';
