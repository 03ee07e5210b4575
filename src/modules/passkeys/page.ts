// The hosted enrollment page as server-rendered HTML: what a passkey is for and the button that creates one (run by
// /hosted/passkeys.js, the only script), or why a link cannot be used. No external assets; every value is escaped.
import { escapeHtml } from '../verification/page.js';
import { passkeysScriptPath } from './browser-script.js';
import { enrollmentPagePath, type EnrollmentLinkState } from './enrollment.js';

export interface RenderedPage {
  statusCode: number;
  html: string;
}

const styles = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
  main{max-width:34rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
  @media (max-width:36rem){main{margin:0;border-radius:0;min-height:100vh;padding:1.5rem}}
  h1{font-size:1.5rem;margin:0 0 .5rem}
  p{margin:.5rem 0 1rem}
  .hint{color:#5a6272;font-size:.875rem}
  .error{color:#b3261e}
  button{width:100%;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#2455d6;border:0;border-radius:6px;cursor:pointer}
  button:hover,button:focus{background:#1b43ad}
  button:disabled{background:#9aa1ad;cursor:default}
`;

function layout(title: string, body: string, scripts: readonly string[] = []): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Passkey</title>
<style>${styles}</style>
${scripts.map((src) => `<script src="${escapeHtml(src)}" defer></script>`).join('\n')}
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
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
