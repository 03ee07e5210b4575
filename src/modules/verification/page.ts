// The hosted verification page as server-rendered HTML: the identity form (with inline errors) and the pages that
// say what happened or why a link cannot be used. No scripts, no external assets; every value is HTML-escaped.
import { escapeHtml, hostedPage, type RenderedPage } from '../../http/hosted-page.js';
import type { ApplicationStatus } from '../users/schemas.js';
import { identityFormFields, minimumAgeYears, type IdentityFormErrors, type IdentityFormField, type IdentityFormValues } from './schemas.js';
import { verificationPagePath, type VerificationPageState } from './service.js';

function layout(title: string, body: string): string {
  return hostedPage(title, 'Identity verification', body);
}

interface FieldSpec {
  label: string;
  hint?: string;
  type: 'text' | 'date';
  autocomplete: string;
  maxLength: number;
}

const fieldSpecs: Record<IdentityFormField, FieldSpec> = {
  firstName: { label: 'First name', type: 'text', autocomplete: 'given-name', maxLength: 100 },
  lastName: { label: 'Last name', type: 'text', autocomplete: 'family-name', maxLength: 100 },
  dateOfBirth: { label: 'Date of birth', hint: `YYYY-MM-DD. You must be at least ${minimumAgeYears}.`, type: 'date', autocomplete: 'bday', maxLength: 10 },
  addressLine1: { label: 'Address', hint: 'Street and number', type: 'text', autocomplete: 'address-line1', maxLength: 200 },
  city: { label: 'City', type: 'text', autocomplete: 'address-level2', maxLength: 100 },
  postalCode: { label: 'Postal code', type: 'text', autocomplete: 'postal-code', maxLength: 20 },
  country: { label: 'Country', hint: 'Two-letter code, for example US or DE', type: 'text', autocomplete: 'country', maxLength: 2 },
};

function renderField(field: IdentityFormField, value: string, error: string | undefined): string {
  const spec = fieldSpecs[field];
  const describedBy = [spec.hint === undefined ? undefined : `${field}-hint`, error === undefined ? undefined : `${field}-error`].filter((id) => id !== undefined);
  const attributes = [
    `id="${field}"`,
    `name="${field}"`,
    `type="${spec.type}"`,
    `value="${escapeHtml(value)}"`,
    `autocomplete="${spec.autocomplete}"`,
    `maxlength="${spec.maxLength}"`,
    'required',
    describedBy.length > 0 ? `aria-describedby="${describedBy.join(' ')}"` : '',
    error === undefined ? '' : 'aria-invalid="true"',
  ].filter((attribute) => attribute !== '');
  return `<div class="field">
<label for="${field}">${spec.label}${spec.hint === undefined ? '' : `<span class="hint" id="${field}-hint">${escapeHtml(spec.hint)}</span>`}</label>
<input ${attributes.join(' ')}>
${error === undefined ? '' : `<p class="error" id="${field}-error">${escapeHtml(error)}</p>`}
</div>`;
}

export function renderIdentityForm(token: string, values: IdentityFormValues, errors: IdentityFormErrors): string {
  const problems = identityFormFields.filter((field) => errors[field] !== undefined);
  const summary =
    problems.length === 0
      ? ''
      : `<div class="summary" role="alert" aria-labelledby="summary-title">
<h2 id="summary-title">Please correct ${problems.length === 1 ? 'this field' : `these ${problems.length} fields`}</h2>
<ul>${problems.map((field) => `<li><a href="#${field}">${fieldSpecs[field].label}: ${escapeHtml(errors[field] ?? '')}</a></li>`).join('')}</ul>
</div>`;
  const field = (name: IdentityFormField) => renderField(name, values[name], errors[name]);
  return layout(
    'Verify your identity',
    `<h1>Verify your identity</h1>
<p>Enter your legal name, date of birth and home address as they appear on your identity documents.</p>
${summary}
<form method="post" action="${escapeHtml(verificationPagePath(token))}" novalidate>
<div class="row">${field('firstName')}${field('lastName')}</div>
${field('dateOfBirth')}
${field('addressLine1')}
<div class="row">${field('city')}${field('postalCode')}</div>
${field('country')}
<button type="submit">Submit for verification</button>
</form>`,
  );
}

const decisionPages: Record<ApplicationStatus, { title: string; text: string }> = {
  approved: { title: 'You are verified', text: 'Your identity has been verified. There is nothing more to do: you can close this page.' },
  manualReview: {
    title: 'Your details are being reviewed',
    text: 'We need to check your details by hand. This usually takes less than 24 hours, and you will be told the result. You can close this page.',
  },
  pending: { title: 'Your details are being checked', text: 'We have received your details and are checking them. You will be told the result. You can close this page.' },
  documentRequired: {
    title: 'We need a document',
    text: 'We could not verify your identity from these details alone and need an identity document. You will receive a new link to continue.',
  },
  rejected: { title: 'We could not verify your identity', text: 'Your identity could not be verified from these details. Contact whoever sent you this link if you think this is a mistake.' },
  notStarted: { title: 'Verification not started', text: 'Your verification has not started yet.' },
};

function renderMessage(title: string, paragraphs: string[]): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n')}`);
}

function renderDecision(applicationStatus: ApplicationStatus, rejectionReason: string | null): string {
  const page = decisionPages[applicationStatus];
  const reason = applicationStatus === 'rejected' && rejectionReason !== null ? [`Reason: ${rejectionReason}.`] : [];
  return renderMessage(page.title, [page.text, ...reason]);
}

/** The HTML and HTTP status for every state of a link. */
export function renderVerificationPage(token: string, state: VerificationPageState): RenderedPage {
  switch (state.kind) {
    case 'open': {
      const invalid = Object.keys(state.errors).length > 0;
      return { statusCode: invalid ? 422 : 200, html: renderIdentityForm(token, state.values, state.errors) };
    }
    case 'decided':
      return { statusCode: 200, html: renderDecision(state.applicationStatus, state.rejectionReason) };
    case 'notFound':
      return {
        statusCode: 404,
        html: renderMessage('Link not found', ['This verification link does not exist. Check that you copied the whole link, or ask whoever sent it for a new one.']),
      };
    case 'expired':
      return {
        statusCode: 410,
        html: renderMessage('This link has expired', ['Verification links are valid for 7 days and this one is no longer valid.', 'Ask whoever sent it to you for a new link.']),
      };
    case 'alreadySubmitted':
      return {
        statusCode: 409,
        html: renderMessage('This link has already been used', ['Your details were already submitted with this link. If you need to submit them again, ask for a new link.']),
      };
    case 'closed':
      return {
        statusCode: 409,
        html:
          state.applicationStatus === 'approved'
            ? renderMessage('You are already verified', ['Your identity has already been verified. There is nothing more to do.'])
            : renderMessage('Your verification is in progress', ['Your details are already being checked, so this link cannot be used now. You will be told the result.']),
      };
  }
}
