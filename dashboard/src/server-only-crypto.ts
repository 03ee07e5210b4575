// Stands in for node:crypto in the browser build. cardrail/sdk's verifyWebhook (for webhook receivers, on a server)
// imports it; the dashboard never verifies webhooks, so these are never called.
function serverOnly(): never {
  throw new Error('verifyWebhook runs on a server (it needs node:crypto), not in the dashboard');
}

export const createHmac = serverOnly;
export const timingSafeEqual = serverOnly;
