// The hosted enrollment page as server-rendered HTML: what a passkey is for and the button that creates one (run by
// /hosted/passkeys.js, the only script), or why a link cannot be used. No external assets; every value is escaped.
import { escapeHtml, hostedPage, type RenderedPage } from '../../http/hosted-page.js';
import { passkeysScriptPath } from './browser-script.js';
import { enrollmentPagePath, type EnrollmentLinkState } from './enrollment.js';

function layout(title: string, body: string, scripts: readonly string[] = []): string {
  return hostedPage(title, 'Passkey', body, scripts);
}

function renderMessage(title: string, paragraphs: readonly string[]): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n')}`);
}

function renderEnrollmentForm(token: string, fullName: string, expiresAtMs: number): string {
  const path = enrollmentPagePath(token);
  const expires = new Date(expiresAtMs).toUTCString();
  return layout(
    'Create a passkey',
    `<h1>Create a passkey</h1>
<p>Hello ${escapeHtml(fullName)}.</p>
<p>A passkey lets you approve your agents' purchases yourself. When an agent asks to spend your money, you confirm it with the fingerprint, face or screen lock of this device.</p>
<p>The passkey stays on your device or in your password manager. cardrail keeps only its public part, which cannot be used to act as you.</p>
<button type="button" data-passkey-enroll data-options-url="${escapeHtml(`${path}/options`)}" data-complete-url="${escapeHtml(`${path}/complete`)}">Create passkey</button>
<p id="passkey-status" role="status" aria-live="polite"></p>
<noscript><p class="error">This page needs JavaScript to create a passkey. Turn it on, or open the link in another browser.</p></noscript>
<p class="hint">This link works once, until ${escapeHtml(expires)}.</p>`,
    [passkeysScriptPath],
  );
}

/** The HTML and HTTP status for every state of a link. */
export function renderEnrollmentPage(token: string, state: EnrollmentLinkState): RenderedPage {
  switch (state.kind) {
    case 'open':
      return { statusCode: 200, html: renderEnrollmentForm(token, `${state.user.firstName} ${state.user.lastName}`, state.enrollment.expiresAtMs) };
    case 'notFound':
      return {
        statusCode: 404,
        html: renderMessage('Link not found', ['This passkey link does not exist. Check that you copied the whole link, or ask whoever sent it for a new one.']),
      };
    case 'expired':
      return {
        statusCode: 410,
        html: renderMessage('This link has expired', ['Passkey links are valid for 24 hours, and only the newest link sent to you works.', 'Ask whoever sent it to you for a new link.']),
      };
    case 'used':
      return {
        statusCode: 410,
        html: renderMessage('This link has already been used', ['A passkey was already created with this link. To add another device, ask for a new link.']),
      };
    case 'userNotApproved':
      return {
        statusCode: 409,
        html: renderMessage('This link cannot be used now', ['Passkeys are for verified cardholders, and your identity verification is not complete. Contact whoever sent you this link.']),
      };
  }
}
