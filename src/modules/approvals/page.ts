// The hosted approval page as server-rendered HTML: what the agent asks to buy, with Approve and Reject (a plain
// form for `cardholder`; for `cardholderPasskey` the same form confirmed with a passkey by /hosted/approval.js), and
// the pages that say what happened or why a link can no longer be used.
import type { SpendingLimitFrequency } from '../../domain/limit-windows.js';
import { escapeHtml, hostedPage, type RenderedPage } from '../../http/hosted-page.js';
import type { ApprovalPageState, ApprovalView } from './page-service.js';
import { approvalPagePath } from './service.js';

const section = 'Purchase approval';

function dollars(cents: number): string {
  return `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const windowNames: Record<SpendingLimitFrequency, string> = {
  perTransaction: 'per purchase',
  per24HourPeriod: 'in the last 24 hours',
  perWeek: 'this week',
  perMonth: 'this month',
  perYear: 'this year',
  allTime: 'in total',
};

function spendLine(view: ApprovalView): string {
  if (view.agentLimitCents === null) return `${dollars(view.agentSpendCents)} spent (no limit)`;
  if (view.agentLimitFrequency === 'perTransaction') return `limit ${dollars(view.agentLimitCents)} per purchase`;
  return `${dollars(view.agentSpendCents)} of ${dollars(view.agentLimitCents)} ${windowNames[view.agentLimitFrequency]}`;
}

function terms(view: ApprovalView): string {
  return `<dl>
<dt>Amount</dt><dd>${escapeHtml(dollars(view.amountCents))} ${escapeHtml(view.currency)}</dd>
<dt>Merchant</dt><dd>${escapeHtml(view.merchantText)}</dd>
<dt>For</dt><dd>${escapeHtml(view.summary)}</dd>
<dt>Agent</dt><dd>${escapeHtml(view.agentName)}</dd>
<dt>Card</dt><dd>•••• ${escapeHtml(view.cardLast4)}</dd>
<dt>Agent's spend</dt><dd>${escapeHtml(spendLine(view))}</dd>
</dl>`;
}

function message(title: string, paragraphs: string[], view?: ApprovalView): string {
  return hostedPage(title, section, `<h1>${escapeHtml(title)}</h1>\n${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n')}${view === undefined ? '' : `\n${terms(view)}`}`);
}

function form(token: string, view: ApprovalView, error: string | undefined): string {
  const passkey = view.method === 'cardholderPasskey';
  const body = `<h1>Approve this purchase?</h1>
<p>${escapeHtml(view.agentName)} asks to use your card. Nothing is charged unless you approve. This request lapses at ${escapeHtml(when(view.expiresAtMs))}.</p>
${terms(view)}
${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<p class="error" role="alert" id="passkey-error" hidden></p>
<form method="post" action="${escapeHtml(approvalPagePath(token))}"${passkey ? ' data-passkey="true"' : ''}>
<div class="field"><label for="note">Note <span class="hint">Optional: kept with your decision</span></label>
<textarea id="note" name="note" rows="2" maxlength="500"></textarea></div>
<div class="row">
<button type="submit" name="action" value="approve">${passkey ? 'Approve with passkey' : 'Approve'}</button>
<button type="submit" name="action" value="reject" class="secondary">${passkey ? 'Reject with passkey' : 'Reject'}</button>
</div>
</form>`;
  return hostedPage('Approve this purchase?', section, body, passkey ? ['/hosted/passkeys.js', '/hosted/approval.js'] : []);
}

/** The HTML and HTTP status for every state of a link. */
export function renderApprovalPage(token: string, state: ApprovalPageState): RenderedPage {
  switch (state.kind) {
    case 'open':
      return { statusCode: state.error === undefined ? 200 : 422, html: form(token, state.view, state.error) };
    case 'decided': {
      const { view } = state;
      if (view.status === 'pending' || view.status === 'revealed' || view.status === 'matched' || view.status === 'mismatched') {
        return { statusCode: state.justNow ? 200 : 409, html: message(state.justNow ? 'Purchase approved' : 'This purchase was approved', ['The agent may now make this purchase. You can close this page.'], view) };
      }
      if (view.status === 'rejected') {
        return { statusCode: state.justNow ? 200 : 409, html: message(state.justNow ? 'Purchase rejected' : 'This purchase was rejected', ['The agent may not make this purchase. You can close this page.'], view) };
      }
      return { statusCode: 409, html: message('This request was withdrawn', ['The agent canceled this request, or it expired after approval. There is nothing to do.'], view) };
    }
    case 'expired':
      return {
        statusCode: 410,
        html: message('This request has expired', [`Nobody approved it by ${when(state.view.expiresAtMs)}, so it was rejected. The agent has to ask again.`], state.view),
      };
    case 'notFound':
      return { statusCode: 404, html: message('Link not found', ['This approval link does not exist. Check that you copied the whole link.']) };
  }
}
