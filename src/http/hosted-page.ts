// The frame of cardrail's hosted pages (identity verification, approval): server-rendered HTML that works on a
// phone, no external assets, every value HTML-escaped by the caller with `escapeHtml`, and the headers that keep a
// page whose URL carries a secret out of Referers, caches and frames.

export interface RenderedPage {
  statusCode: number;
  html: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const styles = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
  main{max-width:34rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
  @media (max-width:36rem){main{margin:0;border-radius:0;min-height:100vh;padding:1.5rem}}
  h1{font-size:1.5rem;margin:0 0 .5rem}
  p{margin:.5rem 0 1rem}
  .field{margin:0 0 1rem}
  label{display:block;font-weight:600;margin-bottom:.25rem}
  .hint{display:block;font-weight:400;color:#5a6272;font-size:.875rem}
  input,textarea{width:100%;padding:.6rem .7rem;font:inherit;border:1px solid #9aa1ad;border-radius:6px}
  input:focus,textarea:focus{outline:3px solid #8fb3ff;outline-offset:1px}
  input[aria-invalid=true]{border-color:#b3261e}
  .error{color:#b3261e;font-size:.9rem;margin:.25rem 0 0}
  .summary{border:2px solid #b3261e;border-radius:8px;padding:.75rem 1rem;margin-bottom:1.5rem}
  .row{display:flex;gap:1rem}.row .field,.row button{flex:1}
  dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:1rem 0 1.5rem}
  dt{color:#5a6272}dd{margin:0;font-weight:600}
  button{width:100%;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#2455d6;border:0;border-radius:6px;cursor:pointer}
  button:hover,button:focus{background:#1b43ad}
  button:disabled{background:#9aa1ad;cursor:default}
  button.secondary{color:#1d2330;background:#e4e7ec}
  button.secondary:hover,button.secondary:focus{background:#cfd4dc}
`;

/** A whole page: `section` names the flow in the title (e.g. "Identity verification"); `scripts` are same-origin paths. */
export function hostedPage(title: string, section: string, body: string, scripts: readonly string[] = []): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(section)}</title>
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

/**
 * Headers of a hosted page. Its URL carries a secret: no Referer, no cache, no frame. Pages that run a script (a
 * passkey ceremony) allow same-origin scripts and requests only.
 */
export function hostedPageHeaders(withScripts: boolean): Record<string, string> {
  const scripts = withScripts ? " script-src 'self'; connect-src 'self';" : '';
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'none';${scripts} style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  };
}
